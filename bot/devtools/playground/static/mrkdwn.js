// Slack mrkdwn -> DOM nodes. Untrusted text only ever reaches the page through
// text nodes and validated hrefs; nothing here touches innerHTML.

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };
const EMOJI = {
  white_check_mark: "✅", x: "❌", warning: "⚠️", calendar: "📅", date: "📅",
  clock3: "🕒", alarm_clock: "⏰", fork_and_knife: "🍴", knife_fork_plate: "🍽️",
  busts_in_silhouette: "👥", bust_in_silhouette: "👤", round_pushpin: "📍",
  tada: "🎉", hourglass_flowing_sand: "⏳", hourglass: "⌛", no_entry: "⛔",
  no_entry_sign: "🚫", information_source: "ℹ️", bell: "🔔", memo: "📝",
  star: "⭐", heavy_check_mark: "✔️", ghost: "👻", mag: "🔍", link: "🔗",
  email: "📧", phone: "📞", money_with_wings: "💸", wave: "👋", lock: "🔒",
  incoming_envelope: "📨", no_bell: "🔕", envelope: "✉️", speech_balloon: "💬", point_right: "👉",
  large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴", grey_question: "❔",
};
const SAFE_URL = /^(https?:|mailto:)/i;
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

export function decodeEntities(text) {
  return text.replace(/&(lt|gt|amp);/g, (m) => ENTITIES[m]);
}

export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] ?? m);
}

export function safeHref(url) {
  const decoded = decodeEntities(url.trim());
  return SAFE_URL.test(decoded) ? decoded : null;
}

// `<...>` control sequences: links, mentions, special commands, dates.
function renderControl(inner, ctx) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) return mention("@" + (ctx.userName?.(target.slice(1)) ?? target.slice(1)));
  if (target.startsWith("#")) return mention("#" + (label ?? ctx.channelName?.(target.slice(1)) ?? target.slice(1)));
  if (target.startsWith("!date^")) return document.createTextNode(decodeEntities(label ?? ""));
  if (target.startsWith("!subteam^")) return mention(label ? decodeEntities(label) : "@group");
  if (target.startsWith("!")) return mention("@" + target.slice(1));
  const href = safeHref(target);
  if (!href) return document.createTextNode(decodeEntities(label ?? target));
  const a = document.createElement("a");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  a.textContent = decodeEntities(label ?? target);
  return a;
}

function mention(text) {
  const span = document.createElement("span");
  span.className = "mention";
  span.textContent = text;
  return span;
}

function splitOnce(text, sep) {
  const at = text.indexOf(sep);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

// *bold*, _italic_, ~strike~: markers must hug non-space text and sit on word edges.
const EMPHASIS = /(^|[\s([{"'\u2018\u201c\uE001])([*_~])(?!\s)((?:(?!\2).)*?[^\s])\2(?=$|[\s.,!?;:)\]}"'\u2019\u201d\uE000-])/;
const TAGS = { "*": "b", _: "i", "~": "s" };

function appendInline(parent, text, tokens) {
  const match = EMPHASIS.exec(text);
  if (!match) {
    appendWithTokens(parent, text, tokens);
    return;
  }
  const start = match.index + match[1].length;
  appendWithTokens(parent, text.slice(0, start), tokens);
  const el = document.createElement(TAGS[match[2]]);
  appendInline(el, match[3], tokens);
  parent.append(el);
  appendInline(parent, text.slice(match.index + match[0].length), tokens);
}

function appendWithTokens(parent, text, tokens) {
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    appendText(parent, text.slice(last, m.index));
    parent.append(tokens[Number(m[1])]());
    last = m.index + m[0].length;
  }
  appendText(parent, text.slice(last));
}

function appendText(parent, text) {
  const lines = emojify(decodeEntities(text)).split("\n");
  lines.forEach((line, i) => {
    if (i > 0) parent.append(document.createElement("br"));
    if (line) parent.append(document.createTextNode(line));
  });
}

function renderLine(parent, line, ctx) {
  // Code spans and control sequences become opaque placeholders so emphasis can't split them.
  const tokens = [];
  const hold = (make) => `\uE000${tokens.push(make) - 1}\uE001`;
  let text = line.replace(/`([^`\n]+)`/g, (m, code) =>
    hold(() => {
      const el = document.createElement("code");
      el.textContent = decodeEntities(code);
      return el;
    }),
  );
  text = text.replace(/<([^<>\n]+)>/g, (m, inner) => hold(() => renderControl(inner, ctx)));
  appendInline(parent, text, tokens);
}

export function renderMrkdwn(text, ctx = {}) {
  const root = document.createElement("span");
  root.className = "mrkdwn";
  const parts = String(text ?? "").split(/```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1 && i < parts.length - 1) {
      const pre = document.createElement("pre");
      pre.textContent = decodeEntities(part.replace(/^\n|\n$/g, ""));
      root.append(pre);
      return;
    }
    const chunk = i % 2 === 1 ? "```" + part : part;
    let quote = null;
    chunk.split("\n").forEach((line, n, all) => {
      const quoted = line.startsWith("&gt; ") || line === "&gt;";
      if (quoted) {
        quote ??= root.appendChild(document.createElement("blockquote"));
        if (quote.childNodes.length) quote.append(document.createElement("br"));
        renderLine(quote, line.replace(/^&gt; ?/, ""), ctx);
        return;
      }
      quote = null;
      renderLine(root, line, ctx);
      if (n < all.length - 1) root.append(document.createElement("br"));
    });
  });
  return root;
}

// plain_text objects: shown literally (Slack only turns :emoji: into pictures there).
export function renderText(obj, ctx = {}) {
  if (!obj) return document.createTextNode("");
  if (typeof obj === "string") return renderMrkdwn(obj, ctx);
  if (obj.type === "mrkdwn") return renderMrkdwn(obj.text, ctx);
  const span = document.createElement("span");
  span.textContent = obj.emoji === false ? obj.text : emojify(obj.text ?? "");
  return span;
}

export function plainText(obj) {
  if (!obj) return "";
  return typeof obj === "string" ? obj : obj.type === "mrkdwn" ? decodeEntities(obj.text) : obj.text;
}
