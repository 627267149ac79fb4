// Tiny DOM helpers: every string goes in as text, never as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A Slack-style confirm dialog; resolves true when the user confirms.
export function confirmDialog(confirm, plainText, renderText) {
  return new Promise((resolve) => {
    const close = (answer) => {
      overlay.remove();
      resolve(answer);
    };
    const yes = h(
      "button",
      { class: `btn ${confirm.style === "danger" ? "danger" : "primary"}`, onclick: () => close(true) },
      plainText(confirm.confirm) || "Yes",
    );
    const overlay = h(
      "div",
      { class: "overlay confirm-overlay", role: "dialog", "aria-modal": "true" },
      h(
        "div",
        { class: "dialog confirm-dialog" },
        h("h2", {}, plainText(confirm.title) || "Are you sure?"),
        h("div", { class: "dialog-body" }, renderText(confirm.text)),
        h(
          "div",
          { class: "dialog-footer" },
          h("button", { class: "btn", onclick: () => close(false) }, plainText(confirm.deny) || "Cancel"),
          yes,
        ),
      ),
    );
    overlay.addEventListener("keydown", (e) => e.key === "Escape" && close(false));
    document.body.append(overlay);
    yes.focus();
  });
}

export function formatTime(ts) {
  const date = new Date(Number(ts) * 1000);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
