// Message list and thread pane. Messages come from the fake Slack's state, already
// filtered to what the current user may see (ephemerals are per user).

import { renderBlocks } from "./blocks.js";
import { formatTime, h } from "./dom.js";
import { renderMrkdwn } from "./mrkdwn.js";

const COLORS = ["#4a154b", "#1264a3", "#2bac76", "#e01e5a", "#ecb22e", "#36c5f0"];

function avatar(name, isBot) {
  const letter = (name || "?").trim().charAt(0).toUpperCase();
  const color = isBot ? "#e8912d" : COLORS[[...name].reduce((a, c) => a + c.charCodeAt(0), 0) % COLORS.length];
  return h("div", { class: "avatar", style: `background:${color}`, "aria-hidden": "true" }, isBot ? "B" : letter);
}

// opts: {ctx(message) -> block ctx, replyCount, onOpenThread(ts), authorName(message), inThread,
//        compact: same author as the message above, onShortcut(message): its message shortcut}
export function renderMessage(message, opts) {
  const name = opts.authorName(message);
  const ephemeral = Boolean(message.ephemeral_to);
  const body = message.blocks?.length
    ? renderBlocks(message.blocks, opts.ctx(message))
    : h("div", { class: "message-text" }, renderMrkdwn(message.text ?? "", opts.ctx(message)));
  const replies = opts.replyCount ?? 0;
  // Like Slack, a follow-up from the same author shows no avatar or name again.
  const compact = Boolean(opts.compact) && !ephemeral;
  return h(
    "article",
    {
      class: `message${ephemeral ? " ephemeral" : ""}${message.local ? " local-note" : ""}${compact ? " compact" : ""}`,
      dataset: { ts: message.ts, channel: message.channel },
    },
    compact ? h("div", { class: "avatar-gap" }) : avatar(name, message.bot),
    h(
      "div",
      { class: "message-body" },
      !compact && h(
        "div",
        { class: "message-head" },
        h("span", { class: "author" }, name),
        message.bot && h("span", { class: "app-badge" }, "APP"),
        h("time", { class: "time" }, formatTime(message.ts)),
        message.edited && h("span", { class: "edited" }, "(edited)"),
      ),
      opts.onShortcut && !ephemeral && !message.local && !opts.inThread &&
        h("button", { class: "message-shortcut", title: "Message shortcut", onclick: () => opts.onShortcut(message) },
          "⚡ Book a table for this conversation"),
      ephemeral && h("div", { class: "ephemeral-note" }, "👁 Only visible to you"),
      body,
      !opts.inThread && replies > 0 &&
        h("button", { class: "reply-link", onclick: () => opts.onOpenThread(message.ts) },
          `${replies} ${replies === 1 ? "reply" : "replies"}`),
    ),
  );
}

const GROUP_SECONDS = 300;

export function follows(previous, message) {
  if (!previous || previous.ephemeral_to || previous.local !== message.local) return false;
  const sameAuthor = previous.bot ? message.bot && previous.username === message.username : previous.user === message.user;
  return sameAuthor && Number(message.ts) - Number(previous.ts) < GROUP_SECONDS;
}

export function renderThreadPane(parent, replies, opts) {
  return h(
    "section",
    { class: "thread-pane", "aria-label": "Thread" },
    h("header", { class: "pane-head" }, h("h2", {}, "Thread"),
      h("button", { class: "icon-btn", "aria-label": "Close thread", onclick: opts.onClose }, "✕")),
    h(
      "div",
      { class: "thread-messages" },
      renderMessage(parent, { ...opts, inThread: true }),
      h("div", { class: "thread-divider" }, `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`),
      replies.map((m, i) => renderMessage(m, { ...opts, inThread: true, compact: follows(replies[i - 1], m) })),
    ),
  );
}
