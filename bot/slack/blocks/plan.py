"""Team meal plans: the modal that starts one, the channel message people vote on, the
organiser control (an ephemeral with Book it and Close), and the notes the plan posts in its
thread and in DMs. Pure functions; every untrusted string (venue
and product names from Bookable, the organiser's note) is escaped here.

With many voters the names collapse to a count ("and 90 more"); the Who's in button shows
everyone, so the message stays well within Block Kit's limits. While the plan is open each
option says whether its time is free for the people in (`SlotCheck`, looked up by
`PlanService`); the modal says which times an option's venue has free that day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block

from bot.service.times import FreeTime, SlotCheck
from bot.slack import ids
from bot.slack.blocks.booking import calendar_line
from bot.slack.blocks.common import (
    SECTION_TEXT,
    actions,
    button,
    confirm_dialog,
    context,
    divider,
    human_date,
    message,
    moment,
    plain,
    section,
    venue_time,
)
from bot.slack.mrkdwn import clip, clip_line
from bot.slack.statuses import PENDING, status_key
from bot.store.records import BookingRecord, Plan, PlanOption

if TYPE_CHECKING:
    from bot.service.calendar import CalendarLinks

BOOKING_TEXT = "Booking the winner…"
NAMES_SHOWN = 8  # names per option before they collapse to a count
MODAL_TIMES_SHOWN = 16  # free times listed under a modal option before "and N more"
NOTE_LIMIT = 500
MAX_VENUE_OPTIONS = 100  # Slack shows at most 100 options in a select


def mention(user_id: str) -> str:
    return f"<@{clip(user_id, 40)}>"


def option_title(option: PlanOption) -> str:
    """ "*Dishoom* (Dinner), Fri 15 Aug 2030 at 19:00 venue time" (escaped)."""
    return (
        f"*{clip_line(option.venue_name, 100)}* ({clip_line(option.product_name, 60)}), "
        f"{human_date(option.date)} at {venue_time(option.time)}"
    )


def names_line(user_ids: Sequence[str], *, shown: int = NAMES_SHOWN) -> str:
    if not user_ids:
        return "nobody yet"
    names = ", ".join(mention(user) for user in user_ids[:shown])
    rest = len(user_ids) - shown
    return f"{names} and {rest} more" if rest > 0 else names


def _count(n: int) -> str:
    return f"*{n} in*"


Availability = Mapping[int, SlotCheck | None]  # by option position; None: not known now


def plan_message(plan: Plan, availability: Availability | None = None) -> dict[str, Any]:
    """The channel message: each option with its count and names and an I'm in button,
    then Can't make it, Who's in and Organiser tools. Book it and Close live in the
    organiser control, since Slack shows a message's buttons to everyone. `availability`
    (an open plan's, by position) adds a line per option; without it (not looked up yet,
    or the plan is booked or closed) there is none."""
    blocks: list[Block] = [section(_heading(plan))]
    if plan.note:
        blocks.append(section(f">{clip_line(plan.note, NOTE_LIMIT)}"))
    for option in plan.options:
        blocks += [divider(), _option_section(plan, option, availability)]
    blocks.append(divider())
    blocks.append(context(f"Can't make it: *{len(plan.cannot())}*"))
    if plan.state != "closed":
        blocks.append(actions(_buttons(plan), block_id=f"plan_actions_{plan.plan_id[:8]}"))
    return message(_fallback(plan), blocks)


def _heading(plan: Plan) -> str:
    status = {
        "open": "Vote with *I'm in* on the option you can make.",
        "booking": "Booking the winner…",
        "booked": "Booked! Joining or leaving now changes the table's size.",
        "closed": "This plan is closed.",
    }.get(plan.state, "")
    deadline = (
        f" Voting closes {moment(plan.deadline)}." if plan.deadline and plan.state == "open" else ""
    )
    return (
        f":fork_and_knife: *Team meal* planned by {mention(plan.organiser_id)}\n{status}{deadline}"
    )


def _option_section(plan: Plan, option: PlanOption, availability: Availability | None) -> Any:
    voters = plan.voters(option.position)
    lines = [f"{option.position + 1}. {option_title(option)}"]
    if plan.booked_position == option.position and plan.state == "booked":
        lines.append(":white_check_mark: *Booked* for everyone who is in.")
    elif option.gone:
        lines.append("_No longer available for this group._")
    elif availability is not None and plan.state == "open":
        lines.append(availability_line(availability.get(option.position)))
    lines.append(f"{_count(len(voters))}: {names_line(voters)}")
    accessory = None
    if plan.state != "closed" and not option.gone:
        accessory = button(
            "I'm in",
            f"{ids.PLAN_VOTE_ACTION}:{option.position}",
            ids.plan_vote_value(plan.plan_id, option.position),
            style="primary",
        )
    return section("\n".join(lines)[:SECTION_TEXT], accessory=accessory)


def availability_line(check: SlotCheck | None) -> str:
    """ ":large_green_circle: Free for 6 at 19:00", or why not and what is free near it."""
    if check is None:
        return "_Availability is checked when booking._"
    at, party = clip_line(check.time, 5), check.party
    if check.status == "free":
        return f":large_green_circle: Free for {party} at {at}"
    if check.status == "enquiry":
        return f":large_yellow_circle: {at} for {party} on request (the venue confirms)"
    if not check.nearby:
        return f":red_circle: {at} is not free for {party}, nor any time near it"
    nearby = ", ".join(_time_label(t) for t in check.nearby)
    return f":red_circle: {at} is not free for {party} — free nearby: {nearby}"


def _time_label(free: FreeTime) -> str:
    time = clip_line(free.time, 5)
    return f"{time} (on request)" if free.enquiry else time


def _buttons(plan: Plan) -> list[Any]:
    return [
        button("Can't make it", ids.PLAN_CANT_ACTION, plan.plan_id),
        button("Who's in?", ids.PLAN_WHO_ACTION, plan.plan_id),
        button("Organiser tools", ids.PLAN_TOOLS_ACTION, plan.plan_id),
    ]


def _fallback(plan: Plan) -> str:
    return f"Team meal planned by {mention(plan.organiser_id)}: {len(plan.options)} options"


def who_is_in(plan: Plan) -> dict[str, Any]:
    """Everyone, per option (the ephemeral view behind Who's in?): sections of at most
    Slack's section length, one block per chunk of names."""
    blocks: list[Block] = []
    for option in plan.options:
        voters = plan.voters(option.position)
        blocks.append(section(f"{option_title(option)}: {_count(len(voters))}"))
        blocks += [section(chunk) for chunk in _chunks([mention(u) for u in voters])]
    cannot = plan.cannot()
    if cannot:
        blocks.append(section(f"Can't make it: *{len(cannot)}*"))
        blocks += [section(chunk) for chunk in _chunks([mention(u) for u in cannot])]
    return message("Who's in", blocks)


def _chunks(names: Sequence[str], limit: int = SECTION_TEXT - 100) -> list[str]:
    chunks: list[str] = []
    current = ""
    for name in names:
        if current and len(current) + len(name) + 2 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}, {name}" if current else name
    return [*chunks, current] if current else chunks


# --- the organiser control (ephemeral: only the organiser or an admin gets it) -------------


def organiser_control(plan: Plan, *, lead: str = "") -> dict[str, Any]:
    """What Book it does and when voting closes, with Book it and Close plan while the plan
    is open; once it has moved on, where it stands (booked plans can still be closed).
    `lead` (escaped) comes first: what just happened."""
    lines = [lead] if lead else []
    elements: list[Any] = []
    if plan.state == "open":
        lines.append("*Book it* books the option with the most people in, for everyone in it.")
        if plan.deadline:
            lines.append(f"Otherwise I book it when voting closes, {moment(plan.deadline)}.")
        elements = [
            button("Book it", ids.PLAN_BOOK_ACTION, plan.plan_id, style="primary"),
            _close_button(plan),
        ]
    elif plan.state == "booking":
        lines.append(BOOKING_TEXT)
    elif plan.state == "booked":
        booked = next((o for o in plan.options if o.position == plan.booked_position), None)
        what = f" {option_title(booked)}" if booked else ""
        lines.append(f":white_check_mark: Booked{what}: see the thread.")
        lines.append("*Close plan* stops votes and keeps the table at its size.")
        elements = [_close_button(plan)]
    else:
        lines.append("This plan is closed.")
    return _control(plan, lines, elements)


def slot_gone_control(
    plan: Plan, option: PlanOption, party: int, next_option: PlanOption | None
) -> dict[str, Any]:
    """The organiser is asked, when the winner's slot is gone: book the next option (named
    on its button, which books that option and no other), or close the plan."""
    lines = [f"{option_title(option)} can no longer seat {party}."]
    if next_option is None:
        lines.append("No other option is left: close this plan, and start a new one if you like.")
        return _control(plan, lines, [_close_button(plan)])
    number = next_option.position + 1
    lines.append(
        f"*Book option {number}* books the next option, {option_title(next_option)}, "
        "for everyone in it."
    )
    book = button(
        f"Book option {number}",
        ids.PLAN_BOOK_ACTION,
        ids.plan_vote_value(plan.plan_id, next_option.position),
        style="primary",
    )
    return _control(plan, lines, [book, _close_button(plan)])


# What the control says after Book it (`PlanService.book`'s outcome); the rest say nothing
# more than the plan's state.
OUTCOME_LEADS = {
    "nobody": "Nobody is in for any option yet, so nothing was booked.",
    "failed": "I couldn't book just now: try again.",
    "stale": "That option can't be booked now: nobody is in for it, or it is gone.",
    "pending": "Bookable hasn't confirmed the booking yet; I'll post in the thread when it does.",
}


def control_outcome(plan: Plan, outcome: str) -> dict[str, Any]:
    """The control after Book it, replacing the one pressed. A gone winner leaves only a
    pointer: the choice that follows is a fresh control (`slot_gone_control`)."""
    if outcome == "gone":
        return control_note(plan, "The winner can no longer seat everyone: your choice is below.")
    return organiser_control(plan, lead=OUTCOME_LEADS.get(outcome, ""))


def control_note(plan: Plan, escaped: str) -> dict[str, Any]:
    """The control with a line and no buttons (e.g. while Book it runs)."""
    return _control(plan, [escaped], [])


def _control(plan: Plan, lines: Sequence[str], elements: Sequence[Any]) -> dict[str, Any]:
    blocks: list[Block] = [
        section("\n".join(lines)[:SECTION_TEXT]),
        context(
            f"Organiser tools for the team meal planned by {mention(plan.organiser_id)}. "
            "Only you can see this."
        ),
    ]
    if elements:
        blocks.append(actions(elements, block_id=f"plan_control_{plan.plan_id[:8]}"))
    return message(f"Organiser tools: {lines[0]}", blocks)


def _close_button(plan: Plan) -> Any:
    return button(
        "Close plan",
        ids.PLAN_CLOSE_ACTION,
        plan.plan_id,
        style="danger",
        confirm=confirm_dialog(
            "Close this plan?", "Nobody can vote once it is closed.", "Close it", "Keep it"
        ),
    )


# --- notes in the thread and DMs ---------------------------------------------------------


def booked_note(option: PlanOption, party: int, reference: str | None) -> str:
    ref = f" (ref {clip_line(reference, 40)})" if reference else ""
    return f":white_check_mark: Booked {option_title(option)} for *{party}*{ref}."


def booked_dm(
    plan: Plan,
    option: PlanOption,
    record: BookingRecord,
    *,
    calendar: CalendarLinks | None = None,
    reminder_at: datetime | None = None,
) -> dict[str, Any]:
    """The DM to each person who is in: what was booked, when they will be reminded (only
    if a reminder is scheduled) and the calendar links (only if the booking has them)."""
    party = record.party_size
    head = (
        f"You're in for the team meal planned by {mention(plan.organiser_id)} in "
        f"<#{clip(plan.channel_id, 40)}>: {option_title(option)}, a table for {party}."
    )
    if status_key(record.status) == PENDING:
        head += " The venue still has to confirm it; its answer shows in the channel."
    blocks: list[Block] = [section(head)]
    if reminder_at is not None:
        blocks.append(context(f":alarm_clock: I'll remind you {moment(reminder_at)}."))
    if calendar is not None:
        blocks.append(context(calendar_line(calendar)))
    return message(
        f"You're in for the team meal: {clip_line(option.venue_name, 100)}, "
        f"{human_date(option.date)} at {venue_time(option.time)}, a table for {party}",
        blocks,
    )


def slot_gone_note(
    plan: Plan, option: PlanOption, party: int, next_option: PlanOption | None
) -> str:
    head = f"{mention(plan.organiser_id)}: {option_title(option)} can no longer seat {party}."
    if next_option is None:
        return f"{head} No other option is left: close this plan, or start a new one."
    return f"{head} Your organiser tools offer the next option, {option_title(next_option)}."


def unconfirmed_note(plan: Plan, option: PlanOption) -> str:
    return (
        f"{mention(plan.organiser_id)}: Bookable never confirmed the booking for "
        f"{option_title(option)}, and it can't be found. Check with the venue before booking "
        "it again; the other options can still be booked."
    )


def nobody_in_note(plan: Plan) -> str:
    return f"{mention(plan.organiser_id)}: nobody is in for any option yet, so nothing was booked."


def party_changed_note(party: int, before: int) -> str:
    return f"The table is now for *{party}* (was {before})."


def party_refused_note(plan: Plan, option: PlanOption, wanted: int, kept: int) -> str:
    return (
        f"{mention(plan.organiser_id)}: {wanted} people are in now, but "
        f"{clip_line(option.venue_name, 100)} cannot seat {wanted} at "
        f"{venue_time(option.time)}. The booking stays a table for *{kept}*; change it "
        "from the confirmation if you find room."
    )


def cancelled_note(plan: Plan, option: PlanOption | None) -> str:
    what = option_title(option) if option else "the booking"
    return (
        f"The team meal planned by {mention(plan.organiser_id)} is off: {what} was "
        "cancelled, and the plan is closed."
    )


def refusal(plan: Plan, verb: str = "book or close") -> str:
    return f"Only {mention(plan.organiser_id)}, who planned this meal, or an admin can {verb} it."


# --- the modal ---------------------------------------------------------------------------


def plan_modal(
    channel_id: str,
    *,
    today: date,
    phone: str = "",
    chosen: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Up to four options (venue from the search, date, time), the first required; a
    deadline, a note, and the organiser's phone (Bookable needs one for the booking).
    `chosen` preselects the first options' venues (value, label), from search results."""
    blocks: list[dict[str, Any]] = [
        context(
            f"The plan is posted in <#{clip(channel_id, 40)}> for everyone to vote on."
        ).to_dict()
    ]
    for position in range(ids.PLAN_OPTIONS):
        picked = chosen[position] if position < len(chosen) else None
        blocks += _option_inputs(position, today, picked)
    blocks += [
        {
            "type": "input",
            "block_id": ids.PLAN_DEADLINE.block_id,
            "optional": True,
            "label": plain("Voting closes (the winner is booked then)", 75).to_dict(),
            "element": {"type": "datetimepicker", "action_id": ids.PLAN_DEADLINE.action_id},
        },
        {
            "type": "input",
            "block_id": ids.PLAN_NOTE.block_id,
            "optional": True,
            "label": plain("Note", 50).to_dict(),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.PLAN_NOTE.action_id,
                "multiline": True,
                "max_length": NOTE_LIMIT,
            },
        },
        {
            "type": "input",
            "block_id": ids.PLAN_PHONE.block_id,
            "label": plain("Your phone (for the venue)", 50).to_dict(),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.PLAN_PHONE.action_id,
                **({"initial_value": phone} if phone else {}),
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": ids.PLAN_CALLBACK,
        "title": plain("Plan a team meal", 24).to_dict(),
        "submit": plain("Post the plan", 24).to_dict(),
        "close": plain("Cancel", 24).to_dict(),
        "private_metadata": channel_id,
        "blocks": blocks,
    }


def _option_inputs(
    position: int, today: date, chosen: tuple[str, str] | None
) -> list[dict[str, Any]]:
    optional = position > 0
    prefilled = not optional or chosen is not None  # a date and time to start from
    number = position + 1
    venue: dict[str, Any] = {
        "type": "external_select",
        "action_id": ids.PLAN_VENUE_ACTION,
        "placeholder": plain("Type a venue's name", 150).to_dict(),
        "min_query_length": 2,
    }
    if chosen is not None:
        venue["initial_option"] = venue_option(*chosen)
    # Choosing a venue or a date sends block_actions, so the modal can show free times.
    return [
        {
            "type": "input",
            "block_id": ids.plan_option_block("venue", position),
            "dispatch_action": True,
            "optional": optional,
            "label": plain(f"Option {number}: venue", 50).to_dict(),
            "element": venue,
        },
        {
            "type": "input",
            "block_id": ids.plan_option_block("date", position),
            "dispatch_action": True,
            "optional": optional,
            "label": plain(f"Option {number}: date", 50).to_dict(),
            "element": {
                "type": "datepicker",
                "action_id": ids.PLAN_DATE_ACTION,
                **({"initial_date": today.isoformat()} if prefilled else {}),
            },
        },
        {
            "type": "input",
            "block_id": ids.plan_option_block("time", position),
            "optional": optional,
            "label": plain(f"Option {number}: time (venue time)", 50).to_dict(),
            "element": {
                "type": "timepicker",
                "action_id": ids.PLAN_TIME_ACTION,
                **({"initial_time": "19:00"} if prefilled else {}),
            },
        },
    ]


def modal_times_line(on: date, times: Sequence[FreeTime], party: int) -> str:
    """The line under a modal option: what its venue has free that day for `party`."""
    day = human_date(on)
    if not times:
        return f":red_circle: Nothing free for {party} on {day}."
    bookable = _listed([t.time for t in times if not t.enquiry])
    on_request = _listed([t.time for t in times if t.enquiry])
    if not bookable:
        return (
            f":large_yellow_circle: On request for {party} on {day} (the venue confirms): "
            f"{on_request}"
        )
    line = f":large_green_circle: Free for {party} on {day}: {bookable}"
    return f"{line}; on request (the venue confirms): {on_request}" if on_request else line


def _listed(raw_times: Sequence[str]) -> str:
    ordered = sorted(dict.fromkeys(clip_line(t, 5) for t in raw_times))
    rest = len(ordered) - MODAL_TIMES_SHOWN
    shown = ", ".join(ordered[:MODAL_TIMES_SHOWN])
    return f"{shown} and {rest} more" if rest > 0 else shown


def with_free_times(view: dict[str, Any], lines: Mapping[int, str]) -> dict[str, Any]:
    """`view` (the open plan modal, as Slack sent it) for `views.update`: the same blocks,
    so Slack keeps what was entered, with `lines` (escaped, by option position) as a
    context block under each option's date and no line for the other options."""
    line_ids = {ids.plan_option_block("times", position) for position in range(ids.PLAN_OPTIONS)}
    blocks: list[dict[str, Any]] = []
    for block in view.get("blocks") or []:
        if block.get("block_id") in line_ids:
            continue
        blocks.append(block)
        for position, line in lines.items():
            if block.get("block_id") == ids.plan_option_block("date", position):
                block_id = ids.plan_option_block("times", position)
                blocks.append(context(line, block_id=block_id).to_dict())
    kept = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    return {**{key: view[key] for key in kept if view.get(key) is not None}, "blocks": blocks}


def venue_option(composite_id: str, raw_label: str) -> dict[str, Any]:
    return {"text": plain(raw_label, 75).to_dict(), "value": composite_id[:150]}


def venue_label(venue_name: str, product_name: str) -> str:
    """An option in the venue menu: its name and product (raw; plain text). Its free times
    show under the option once a date is chosen (`modal_times_line`)."""
    return f"{venue_name} · {product_name}"
