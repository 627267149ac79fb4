// The modal stack's top view for the current user, with `response_action: errors`
// shown under the matching input blocks.

import { renderBlocks } from "./blocks.js";
import { h } from "./dom.js";
import { plainText } from "./mrkdwn.js";

// opts: {ctx: block ctx, onSubmit(), onClose(), busy}
export function renderModal(view, opts) {
  const title = plainText(view.title);
  return h(
    "div",
    { class: "overlay modal-overlay" },
    h(
      "div",
      { class: "dialog modal", role: "dialog", "aria-modal": "true", "aria-label": title, dataset: { viewId: view.id ?? "", callbackId: view.callback_id ?? "" } },
      h("header", { class: "modal-head" }, h("h2", {}, title),
        h("button", { class: "icon-btn", "aria-label": "Close", onclick: opts.onClose }, "✕")),
      h("div", { class: "modal-body" }, renderBlocks(view.blocks, opts.ctx)),
      h(
        "footer",
        { class: "modal-foot" },
        h("button", { class: "btn", onclick: opts.onClose }, plainText(view.close) || "Cancel"),
        view.submit && h("button", { class: "btn primary", type: "submit", disabled: opts.busy, onclick: opts.onSubmit },
          plainText(view.submit)),
      ),
    ),
  );
}
