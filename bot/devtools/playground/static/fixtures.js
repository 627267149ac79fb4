// Sample messages and a modal, rendered by the real renderer. Actions are logged to #log
// (as JSON lines) so a browser test can check the payload shapes.

import { renderMessage } from "./messages.js";
import { renderModal } from "./modal.js";
import { collectValues } from "./state.js";

const log = (kind, payload) => {
  document.getElementById("log").textContent += JSON.stringify({ kind, ...payload }) + "\n";
};
const ctx = (surface, extra = {}) => ({
  surface,
  userName: (id) => ({ U_ALICE: "Alice", U_BOB: "Bob" })[id] ?? id,
  channelName: (id) => ({ C_GENERAL: "general" })[id] ?? id,
  users: [{ id: "U_ALICE", name: "Alice" }, { id: "U_BOB", name: "Bob" }],
  channels: [{ id: "C_GENERAL", name: "general" }],
  onAction: (action) => log("action", { action }),
  loadOptions: async (blockId, actionId, query) =>
    ["Dishoom Shoreditch", "Dishoom Covent Garden", "Hawksmoor"]
      .filter((n) => n.toLowerCase().includes(query.toLowerCase()))
      .map((n) => ({ text: { type: "plain_text", text: n }, value: n.toLowerCase().replace(/\W+/g, "-") })),
  ...extra,
});
const pt = (text) => ({ type: "plain_text", text });
const md = (text) => ({ type: "mrkdwn", text });

const results = {
  ts: "1700000000.000100", channel: "C_GENERAL", bot: true, username: "Bookable", text: "3 venues",
  blocks: [
    { type: "header", text: pt("Venues matching “dishoom”") },
    { type: "section", block_id: "venue-1", text: md("*<https://example.com/d|Dishoom Shoreditch>*\n_Indian_ · £££ · ~closed Mondays~ · `7 Boundary St`"),
      fields: [md("*Area*\nShoreditch"), md("*Rating*\n:star: 4.7")],
      accessory: { type: "overflow", action_id: "venue_more", options: [
        { text: pt("View menu"), value: "menu" }, { text: pt("Share to channel"), value: "share" }] } },
    { type: "actions", block_id: "venue-1-actions", elements: [
      { type: "button", action_id: "book", text: pt("Book"), style: "primary", value: "venue-1" },
      { type: "button", action_id: "cancel_booking", text: pt("Cancel"), style: "danger", value: "b-1",
        confirm: { title: pt("Cancel booking?"), text: md("This cancels *Dishoom* for 4."), confirm: pt("Yes, cancel"), deny: pt("Keep it"), style: "danger" } },
      { type: "static_select", action_id: "sort", placeholder: pt("Sort by"), options: [
        { text: pt("Rating"), value: "rating" }, { text: pt("Distance"), value: "distance" }] },
      { type: "datepicker", action_id: "pick_date", initial_date: "2026-12-24" } ] },
    { type: "context", elements: [{ type: "image", image_url: "https://example.com/x.png", alt_text: "logo" },
      md("Page 1 of 2 · hostile: <script>alert(1)</script> &lt;img src=x onerror=alert(2)&gt; *&lt;b&gt;not bold tag&lt;/b&gt;* &amp;amp;")] },
    { type: "section", text: md("Links: <javascript:alert(3)|click me> <https://ok.example/path_with_under_scores|safe_link> <@U_ALICE> <#C_GENERAL> <!here> snake_case_word 2*3*4") },
    { type: "divider" },
    { type: "actions", elements: [{ type: "button", action_id: "page_prev", text: pt("Previous") }, { type: "button", action_id: "page_next", text: pt("Next") }] },
  ],
};
const ephemeral = { ts: "1700000001.000200", channel: "C_GENERAL", bot: true, username: "Bookable", ephemeral_to: "U_ALICE",
  text: ":white_check_mark: Booked *Dishoom* for *4* on Thu 24 Dec at 19:30.\n&gt; quoted line\n```code\nblock```" };

const view = {
  id: "V1", callback_id: "booking", title: pt("Book a table"), submit: pt("Book"), close: pt("Cancel"),
  blocks: [
    { type: "section", text: md("*Dishoom Shoreditch*\n7 Boundary St") },
    { type: "input", block_id: "date", label: pt("Date"), dispatch_action: true, element: { type: "datepicker", action_id: "date", initial_date: "2026-12-24" } },
    { type: "input", block_id: "party", label: pt("People"), element: { type: "number_input", action_id: "party", is_decimal_allowed: false, min_value: "1", max_value: "20", initial_value: "2" } },
    { type: "input", block_id: "time", label: pt("Time"), element: { type: "static_select", action_id: "time", placeholder: pt("Pick a time"),
      options: ["18:00", "18:30", "19:00"].map((t) => ({ text: pt(t), value: t })) } },
    { type: "input", block_id: "venue", label: pt("Venue"), optional: true, element: { type: "external_select", action_id: "venue", min_query_length: 2 } },
    { type: "input", block_id: "name", label: pt("Name"), element: { type: "plain_text_input", action_id: "name", initial_value: "Alice Smith" } },
    { type: "input", block_id: "email", label: pt("Email"), element: { type: "email_text_input", action_id: "email" }, hint: pt("We send the confirmation here") },
    { type: "input", block_id: "notes", label: pt("Notes"), optional: true, element: { type: "plain_text_input", action_id: "notes", multiline: true } },
    { type: "input", block_id: "preorders", label: pt("Pre-orders"), optional: true, element: { type: "checkboxes", action_id: "preorders",
      options: [{ text: pt("Bacon naan roll"), value: "naan", description: md("_breakfast only_") }, { text: pt("Chai"), value: "chai" }] } },
    { type: "input", block_id: "extras", label: pt("Extras"), optional: true, element: { type: "multi_static_select", action_id: "extras",
      initial_options: [{ text: pt("Cake"), value: "cake" }],
      options: ["Cake", "Candles", "Balloons"].map((t) => ({ text: pt(t), value: t.toLowerCase() })) } },
    { type: "input", block_id: "menus", label: pt("Set menus"), optional: true, element: { type: "multi_external_select", action_id: "menus", min_query_length: 0 } },
  ],
};

const opts = { ctx: () => ctx("message"), authorName: (m) => m.username, onOpenThread: () => {} };
document.getElementById("messages").append(
  renderMessage(results, { ...opts, replyCount: 2 }),
  renderMessage(ephemeral, opts),
);

const changed = {};
const errors = new URLSearchParams(location.search).has("errors") ? { email: "Enter an email address like name@example.com" } : {};
const drawModal = () => document.getElementById("modal-root").replaceChildren(renderModal(view, {
  ctx: ctx("modal", { values: changed, errors, onValue: (b, a, v) => ((changed[b] ??= {})[a] = v) }),
  onSubmit: () => log("submit", { values: collectValues(view, changed) }),
  onClose: () => document.getElementById("modal-root").replaceChildren(),
}));
if (new URLSearchParams(location.search).has("modal")) drawModal();
