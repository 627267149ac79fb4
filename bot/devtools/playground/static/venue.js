// Venue console: what a restaurant's table-management screen would do to a booking.
// Each button calls the sandbox control endpoint, which sends a real signed webhook.

import { h } from "./dom.js";

const ACTIONS = [
  { status: "confirmed", label: "Confirm", style: "primary" },
  { status: "declined", label: "Decline", style: "" },
  { status: "cancelled", label: "Cancel", style: "danger" },
  { status: "no_show", label: "No-show", style: "" },
];
// Final statuses, in both vocabularies: the Bookings API says Lost for a no-show and
// Cancelled for a decline, Deleted for a removed booking.
const FINAL = new Set(["cancelled", "declined", "no_show", "completed", "lost", "deleted"]);

// bookings: [{id, reference, status, venue, where, guest, partySize, date, time}]
export function renderVenueConsole(bookings, {
  onStatus, onNextReminder, reminderNote, onSimulateVotes, onCloseVoting, planNote, busy, error,
}) {
  return h(
    "section",
    { class: "venue-console", "aria-label": "Venue console" },
    h("header", { class: "pane-head" }, h("h2", {}, "Venue console"),
      h("span", { class: "muted small" }, "acts as the restaurant")),
    error && h("div", { class: "console-error", role: "alert" }, error),
    bookings.length === 0
      ? h("p", { class: "muted empty" }, "No bookings yet. Try /bookable search dishoom and book a table.")
      : h("ul", { class: "bookings" }, bookings.map((b) => bookingCard(b, onStatus, busy))),
    onNextReminder && h("div", { class: "reminders" },
      h("button", { class: "btn small", disabled: busy, dataset: { action: "next-reminder" }, onclick: onNextReminder },
        "Send the next reminder now"),
      h("span", { class: "muted small reminder-note", role: "status" },
        reminderNote || "Moves the app's clock to the next reminder (local playground only).")),
    onSimulateVotes && h("div", { class: "reminders plans" },
      h("button", { class: "btn small", disabled: busy, dataset: { action: "simulate-votes" }, onclick: onSimulateVotes },
        "5 people vote on the plan"),
      h("button", { class: "btn small", disabled: busy, dataset: { action: "close-voting" }, onclick: onCloseVoting },
        "Pass the plan's deadline"),
      h("span", { class: "muted small plan-note", role: "status" },
        planNote || "Start one with /bookable plan; simulated people click I'm in as themselves.")),
  );
}

function bookingCard(booking, onStatus, busy) {
  const status = String(booking.status ?? "unknown").toLowerCase();
  return h(
    "li",
    { class: "booking-card", dataset: { bookingId: booking.id, status } },
    h("div", { class: "booking-top" }, h("strong", {}, booking.venue || "Venue"),
      h("span", { class: `status status-${status}` }, status.replace("_", " "))),
    booking.where && h("div", { class: "booking-where muted small" }, booking.where),
    h("div", { class: "booking-meta" },
      [booking.guest, booking.partySize && `${booking.partySize} people`, booking.date, booking.time]
        .filter(Boolean).join(" · ")),
    h("div", { class: "booking-ref muted small" }, booking.reference || booking.id),
    h(
      "div",
      { class: "booking-actions" },
      ACTIONS.map((a) => h("button", {
        class: `btn small ${a.style}`, disabled: busy || FINAL.has(status) || status === a.status,
        dataset: { status: a.status }, onclick: () => onStatus(booking.id, a.status),
      }, a.label)),
    ),
  );
}
