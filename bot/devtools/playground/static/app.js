// Playground wiring: server snapshot -> regions of the page, user input -> Slack-shaped requests.

import { h } from "./dom.js";
import { renderBlocks } from "./blocks.js";
import { follows, renderMessage, renderThreadPane } from "./messages.js";
import { renderModal } from "./modal.js";
import { collectValues } from "./state.js";
import { renderVenueConsole } from "./venue.js";

const $ = (id) => document.getElementById(id);
const HOME = "app-home"; // the "channel" shown when the App Home tab is open
const state = {
  data: null,
  user: localStorage.getItem("playground.user") || "U_ALICE",
  channel: "C_GENERAL",
  thread: null,
  changed: {}, // viewId -> {blockId: {actionId: value}} edited by the user
  errors: {}, // viewId -> {blockId: message}
  notes: [], // local-only notes (plain text typed into the composer)
  submitting: false,
  consoleError: null,
  consoleBusy: false,
  reminderNote: null,
  planNote: null,
  lastSeen: {},
};
const drawn = {}; // region -> key of what is on screen, so unchanged regions keep focus and scroll

async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok || data.ok === false) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function toast(message) {
  const el = h("div", { class: "toast", role: "status" }, message);
  $("toasts").append(el);
  setTimeout(() => el.remove(), 6000);
}

// --- data --------------------------------------------------------------------------------

let refreshing = null;
let again = false;
async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      try {
        state.data = await api(`/api/state?user=${encodeURIComponent(state.user)}`);
        document.body.classList.remove("offline");
        render();
      } catch (error) {
        document.body.classList.add("offline");
      }
    } while (again);
    refreshing = null;
  })();
  return refreshing;
}

const userName = (id) => state.data?.users.find((u) => u.id === id)?.name ?? id;
const channelName = (id) => state.data?.channels.find((c) => c.id === id)?.name ?? id;
const visible = (m) => !m.ephemeral_to || m.ephemeral_to === state.user;
const isReply = (m) => m.thread_ts && m.thread_ts !== m.ts;
const byTs = (a, b) => Number(a.ts) - Number(b.ts);

function messagesIn(channel) {
  const local = state.notes.filter((n) => n.channel === channel && n.user === state.user);
  return [...state.data.messages.filter((m) => m.channel === channel && visible(m)), ...local].sort(byTs);
}

// --- actions -----------------------------------------------------------------------------

function blockContext(extra) {
  return {
    surface: "message",
    userName,
    channelName,
    users: state.data.users,
    channels: state.data.channels.map((c) => ({ ...c, label: c.kind === "im" ? c.name : `#${c.name}` })),
    loadOptions: (blockId, actionId, query) =>
      api("/api/options", { user: state.user, block_id: blockId, action_id: actionId, value: query, ...extra.container })
        .then((r) => r.options ?? [])
        .catch(() => []),
    ...extra,
  };
}

function messageContext(message) {
  const container = { channel: message.channel, message_ts: message.ts, is_ephemeral: Boolean(message.ephemeral_to) };
  return blockContext({
    container,
    onAction: (action) => send("/api/action", { user: state.user, ...container, action }),
  });
}

async function send(path, body) {
  try {
    return await api(path, body);
  } catch (error) {
    toast(`The app did not accept that: ${error.message}`);
    return null;
  } finally {
    refresh();
  }
}

async function runComposer(text) {
  const trimmed = text.trim();
  if (!trimmed) return;
  if (!trimmed.startsWith("/")) {
    // A plain message, as a person posts it (the app gets no event; its message shortcut can use it).
    await send("/api/message", { user: state.user, channel: state.channel, text: trimmed });
    return;
  }
  const [command] = trimmed.split(/\s+/, 1);
  await send("/api/command", { user: state.user, channel: state.channel, command, text: trimmed.slice(command.length).trim() });
}

function shortcut(name, message) {
  const found = (state.data?.shortcuts ?? []).find((s) => s.name === name);
  if (!found) return;
  const where = message ? { channel: message.channel, message_ts: message.ts } : {};
  send("/api/shortcut", { user: state.user, callback_id: found.callback_id, ...where });
}

function openHome() {
  state.channel = HOME;
  state.thread = null;
  render();
  send("/api/home/open", { user: state.user }); // app_home_opened: the app publishes the tab
}

async function setStatus(bookingId, status) {
  state.consoleBusy = true;
  render();
  try {
    await api(`/api/venue/bookings/${encodeURIComponent(bookingId)}/status`, { status });
    state.consoleError = null;
  } catch (error) {
    state.consoleError = `The sandbox refused: ${error.message}`;
  }
  state.consoleBusy = false;
  refresh();
}

// Reminders are due hours ahead: skip the app's clock to the next one and send it now.
async function sendNextReminder() {
  state.consoleBusy = true;
  render();
  try {
    const result = await api("/api/reminders/next", {});
    const sent = result.outcomes?.sent ?? 0;
    state.reminderNote = sent
      ? `Sent ${sent} reminder${sent > 1 ? "s" : ""} (the app's clock is now ${result.now}). See the booker's DM.`
      : "No reminder is due: only confirmed bookings whose reminder time is ahead have one.";
    state.consoleError = null;
  } catch (error) {
    state.consoleError = `Reminders: ${error.message}`;
  }
  state.consoleBusy = false;
  refresh();
}

// Team meal plans: simulated people vote on the newest plan here; the deadline is skipped to.
async function simulateVotes() {
  state.consoleBusy = true;
  render();
  try {
    const result = await api("/api/plans/simulate", { channel: state.channel, people: 5 });
    state.planNote = `${result.voted} simulated people clicked I'm in.`;
    state.consoleError = null;
  } catch (error) {
    state.consoleError = `Plan: ${error.message}`;
  }
  state.consoleBusy = false;
  refresh();
}

async function closeVotingNow() {
  state.consoleBusy = true;
  render();
  try {
    const result = await api("/api/plans/deadline", {});
    const booked = result.outcomes?.booked ?? 0;
    state.planNote = booked
      ? "The deadline passed: the winner is booked (see the plan's thread)."
      : `No plan was booked (${JSON.stringify(result.outcomes)}): a plan needs a deadline and someone in.`;
    state.consoleError = null;
  } catch (error) {
    state.consoleError = `Plan: ${error.message}`;
  }
  state.consoleBusy = false;
  refresh();
}

// --- rendering ---------------------------------------------------------------------------

function region(name, key, build) {
  if (drawn[name] === key) return;
  drawn[name] = key;
  build();
}

function render() {
  const data = state.data;
  if (!data) return;
  const home = state.channel === HOME;
  if (!home && !data.channels.some((c) => c.id === state.channel)) state.channel = data.channels[0]?.id;
  const current = home ? [] : messagesIn(state.channel);
  state.lastSeen[state.channel] = Math.max(state.lastSeen[state.channel] ?? 0, ...current.map((m) => Number(m.ts)));
  renderSidebar();
  if (home) renderHome();
  else renderChannel(current);
  renderRight(current);
  renderModalRegion();
}

function unread(channel) {
  const seen = state.lastSeen[channel] ?? 0;
  return state.data.messages.filter((m) => m.channel === channel && visible(m) && Number(m.ts) > seen).length;
}

function renderSidebar() {
  const data = state.data;
  const entries = data.channels.map((c) => ({ ...c, unread: c.id === state.channel ? 0 : unread(c.id) }));
  region("sidebar", JSON.stringify([state.user, state.channel, entries, data.users]), () => {
    const item = (c) => h("li", {},
      h("button", { class: `channel-link${c.id === state.channel ? " active" : ""}${c.unread ? " unread" : ""}`,
        dataset: { channel: c.id }, onclick: () => openChannel(c.id) },
        h("span", { class: "channel-prefix" }, c.kind === "im" ? "●" : "#"), c.name,
        c.unread ? h("span", { class: "badge" }, String(c.unread)) : null));
    $("user-switcher").replaceChildren(...data.users.map((u) =>
      h("option", { value: u.id, selected: u.id === state.user }, u.admin ? `${u.name} (admin)` : u.name)));
    $("home-link").classList.toggle("active", state.channel === HOME);
    $("channels").replaceChildren(...entries.filter((c) => c.kind !== "im").map(item));
    $("dms").replaceChildren(...entries.filter((c) => c.kind === "im").map(item));
  });
}

function openChannel(id) {
  state.channel = id;
  state.thread = null;
  render();
  $("composer-input").focus();
}

function messageOpts(all) {
  return {
    ctx: (m) => (m.local ? blockContext({}) : messageContext(m)),
    authorName: (m) => m.username || (m.bot ? state.data.bot.name : userName(m.user)),
    onOpenThread: (ts) => {
      state.thread = ts;
      render();
    },
    onShortcut: (m) => shortcut("Book a table for this conversation", m),
    replyCounts: all.filter(isReply).reduce((acc, m) => ((acc[m.thread_ts] = (acc[m.thread_ts] ?? 0) + 1), acc), {}),
  };
}

function renderHome() {
  const view = state.data.home;
  $("channel-title").textContent = "Bookable · Home";
  $("composer").hidden = true;
  region("messages", JSON.stringify([state.user, HOME, view?.id, view?.hash, view?.blocks]), () => {
    if (!view) {
      $("messages").replaceChildren(h("p", { class: "muted empty" }, "Opening the Home tab…"));
      return;
    }
    const ctx = blockContext({
      container: { view_id: view.id },
      onAction: (action) => send("/api/action", { user: state.user, view_id: view.id, action }),
    });
    $("messages").replaceChildren(h("section", { class: "home-tab", "aria-label": "App Home", dataset: { viewId: view.id } },
      renderBlocks(view.blocks, ctx)));
  });
}

function renderChannel(current) {
  $("composer").hidden = false;
  const info = state.data.channels.find((c) => c.id === state.channel);
  $("channel-title").textContent = info ? (info.kind === "im" ? info.name : `# ${info.name}`) : "";
  $("composer-input").placeholder = info ? `Message ${info.kind === "im" ? info.name : "#" + info.name}` : "";
  region("messages", JSON.stringify([state.user, state.channel, current, state.data.users]), () => {
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const opts = messageOpts(current);
    const top = current.filter((m) => !isReply(m));
    list.replaceChildren(
      ...(top.length ? top.map((m, i) => renderMessage(m, { ...opts, replyCount: opts.replyCounts[m.ts], compact: follows(top[i - 1], m) })) :
        [h("p", { class: "muted empty" }, "No messages yet. Type /bookable help below.")]),
    );
    if (atBottom) list.scrollTop = list.scrollHeight;
  });
}

function renderRight(current) {
  const parent = state.thread && current.find((m) => m.ts === state.thread);
  const replies = parent ? current.filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts) : [];
  region("thread", JSON.stringify([state.user, parent, replies, state.data.users]), () => {
    const opts = { ...messageOpts(current), onClose: () => { state.thread = null; render(); } };
    $("thread").replaceChildren(...(parent ? [renderThreadPane(parent, replies, opts)] : []));
    $("thread").hidden = !parent;
    const list = $("thread").querySelector(".thread-messages");
    if (list) list.scrollTop = list.scrollHeight; // the newest reply in view
  });
  const bookings = state.data.bookings ?? [];
  region("console", JSON.stringify([bookings, state.consoleBusy, state.consoleError, state.reminderNote, state.planNote]), () => {
    $("console").replaceChildren(renderVenueConsole(bookings, {
      onStatus: setStatus, onNextReminder: sendNextReminder, reminderNote: state.reminderNote,
      onSimulateVotes: simulateVotes, onCloseVoting: closeVotingNow, planNote: state.planNote,
      busy: state.consoleBusy, error: state.consoleError,
    }));
  });
}

function renderModalRegion() {
  const view = (state.data.views ?? []).at(-1);
  const errors = view ? state.errors[view.id] ?? {} : {};
  // Keyed on the view's hash, not its state: recorded input must not redraw under the cursor.
  const key = view && [view.id, view.hash, view.blocks, view.title, view.submit, view.close];
  region("modal", JSON.stringify([state.user, key, errors, state.submitting]), () => {
    if (!view) {
      $("modal-root").replaceChildren();
      return;
    }
    const changed = (state.changed[view.id] ??= {});
    const ctx = blockContext({
      surface: "modal",
      values: changed,
      errors,
      container: { view_id: view.id },
      onValue: (blockId, actionId, value) => {
        (changed[blockId] ??= {})[actionId] = value;
        if (errors[blockId]) clearFieldError(view.id, blockId);
      },
      onAction: (action) => send("/api/action", { user: state.user, view_id: view.id, values: collectValues(view, changed), action }),
    });
    const onSubmit = async () => {
      state.submitting = true;
      renderModalRegion();
      const result = await send("/api/view/submit", { user: state.user, view_id: view.id, values: collectValues(view, changed) });
      state.submitting = false;
      state.errors[view.id] = result?.errors ?? {};
      renderModalRegion();
    };
    const onClose = () => send("/api/view/close", { user: state.user, view_id: view.id });
    const focused = document.activeElement?.id;
    $("modal-root").replaceChildren(renderModal(view, { ctx, onSubmit, onClose, busy: state.submitting }));
    if (focused) document.getElementById(focused)?.focus(); // an update keeps the cursor in place
  });
}

// A field's error goes once its value changes (the next submit checks it again), without
// redrawing the modal under the cursor.
function clearFieldError(viewId, blockId) {
  delete state.errors[viewId]?.[blockId];
  const box = document.querySelector(`#modal-root .block.input[data-block-id="${CSS.escape(blockId)}"]`);
  box?.classList.remove("has-error");
  box?.querySelector(".field-error")?.remove();
  box?.querySelector(".hint")?.removeAttribute("hidden");
}

// --- start -------------------------------------------------------------------------------

function start() {
  $("user-switcher").addEventListener("change", (e) => {
    state.user = e.target.value;
    localStorage.setItem("playground.user", state.user);
    if (state.channel === HOME) openHome();
    else refresh();
  });
  $("home-link").addEventListener("click", openHome);
  $("shortcut-button").addEventListener("click", () => shortcut("Book a table"));
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("composer-input");
    runComposer(input.value);
    input.value = "";
    $("composer-hint").hidden = true;
  });
  $("composer-input").addEventListener("input", (e) => {
    $("composer-hint").hidden = !e.target.value.startsWith("/");
  });
  const events = new EventSource("/api/events");
  events.onmessage = () => refresh();
  events.onopen = () => refresh();
  setInterval(refresh, 3000); // the venue console also changes without a Slack event
  refresh().then(() => {
    for (const c of state.data?.channels ?? []) state.lastSeen[c.id] = Math.max(0, ...messagesIn(c.id).map((m) => Number(m.ts)));
    render();
  });
}

start();
