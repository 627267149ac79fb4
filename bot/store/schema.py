"""Table definitions (SQLAlchemy Core). The migrations in `migrations/versions` create them;
`tests/store` checks that the two never drift apart."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from bot.store.timeutil import UTCDateTime

# Deterministic constraint names, so later migrations can refer to them on both dialects.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")
Id = String(128)  # Slack and Bookable identifiers

bookings = Table(
    "bookings",
    metadata,
    Column("booking_id", Id, primary_key=True),
    Column("team_id", Id, nullable=False),
    Column("user_id", Id, nullable=False),
    Column("channel_id", Id, nullable=False),
    Column("message_ts", String(64)),
    Column("venue_name", Text, nullable=False),
    Column("venue_group", Text),
    Column("product_name", Text, nullable=False),
    Column("composite_id", Id, nullable=False),
    Column("date", Date, nullable=False),
    Column("time", String(16), nullable=False),
    Column("party_size", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    # Status when first saved; the "old" side of the first status change.
    Column("original_status", String(32), nullable=False),
    Column("operator_ref", Id),
    Column("posted_in_dm", Boolean, nullable=False, default=False),
    Column("last_update", UTCDateTime),
    Column("duration", Integer),  # minutes, when Bookable gives one
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "team_id", "user_id", "created_at"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("team_id", Id, nullable=False),
    Column("user_id", Id, nullable=False),
    Column("state", String(16), nullable=False),  # in_progress | done
    Column("booking_id", Id),
    # What the confirmation needs if a webhook has to finish the submission (a create
    # whose answer was lost); `finished_by` says who finished it: "app" or "webhook".
    Column("context", Json),
    Column("finished_by", String(16)),
    # The booking's fingerprint: a webhook for a booking whose create answer was lost is
    # matched on it (Bookable's webhooks carry no partnerBookingId). Email is lowercased.
    Column("composite_id", Id),
    Column("booking_date", Date),
    Column("booking_time", String(8)),  # HH:MM
    Column("party_size", Integer),
    Column("email", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "state", "composite_id", "booking_date"),
)

# Changes made through the app's Change modal: one row per modal (its idempotency key),
# so a Slack retry or a double click never sends a second PATCH. `before` and `after` are
# the booking's details ({date, time, party_size}; `after` also says whether notes changed).
booking_changes = Table(
    "booking_changes",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("booking_id", Id, nullable=False),
    Column("team_id", Id, nullable=False),
    Column("user_id", Id, nullable=False),
    Column("state", String(16), nullable=False),  # in_progress | done
    Column("before", Json, nullable=False),
    Column("after", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "booking_id", "created_at"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("booking_id", Id, nullable=False),
    Column("status", String(32), nullable=False),
    Column("last_update", UTCDateTime),
    Column("last_update_key", String(32), nullable=False),  # timeutil.time_key
    Column("event_type", String(64), nullable=False),
    Column("venue_name", Text),
    Column("group_name", Text),
    Column("payload", Json, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # The workspace Bookable account whose webhook delivered it (NULL: the operator's).
    Column("account_id", String(64)),
    # The dedupe key: Bookable may deliver the same change more than once.
    UniqueConstraint("booking_id", "last_update_key", "status"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # status: a webhook event's change; confirm: the confirmation of a booking made through
    # the app; unresolved: telling a booker that a create's result is unknown; change: a
    # change made through the app (thread note + message update; progress["change"] = key).
    Column("kind", String(16), nullable=False, server_default="status"),
    Column("event_id", BigId, ForeignKey("webhook_events.id")),  # status jobs only
    Column("booking_id", Id, nullable=False),
    Column("status", String(32), nullable=False),
    Column("last_update", UTCDateTime),
    Column("order_key", String(32), nullable=False),  # time_key(last_update): per-booking order
    Column("state", String(16), nullable=False),  # pending | leased | done | dead
    Column("available_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("leased_by", String(255)),
    Column("lease_until", UTCDateTime),
    Column("progress", Json, nullable=False),
    Column("result", Json),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Column("dead_reason", Text),  # why it can never be delivered
    Column("dead_at", UTCDateTime),
    Index(None, "state", "available_at"),
    Index(None, "booking_id", "state"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("team_id", Id, nullable=False),
    Column("channel_id", Id, nullable=False),
    Column("venue", Text),
    Column("group_name", Text),
    Column("status", String(32)),
    # Normalised filters: makes "add" idempotent (NULLs never collide in a unique index).
    Column("filter_key", Text, nullable=False),
    Column("created_by", Id, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("team_id", "channel_id", "filter_key"),
)

# Per-channel pacing shared by every serving process: one GCRA theoretical arrival time.
channel_pacing = Table(
    "channel_pacing",
    metadata,
    Column("channel_id", Id, primary_key=True),
    Column("tat", Float, nullable=False),
)

secrets = Table(
    "secrets",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", Text, nullable=False),
    Column("encrypted", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One reminder per booking (bot/service/reminders.py). `starts_at` is the booking's start it
# was planned for: a reminder is only sent while the booking still starts then.
reminders = Table(
    "reminders",
    metadata,
    Column("booking_id", Id, primary_key=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # pending | leased | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("leased_by", String(255)),
    Column("lease_until", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "state", "due_at"),
)

# --- many workspaces (OAuth mode) ------------------------------------------------------

# One bot installation per workspace, or per Enterprise Grid org for an org-wide install
# (team_id NULL). Tokens are Fernet-encrypted with BOT_ENCRYPTION_KEY.
slack_installations = Table(
    "slack_installations",
    metadata,
    # "<enterprise_id>/<team_id>", each part empty when absent: one row per installation.
    Column("install_key", String(300), primary_key=True),
    Column("enterprise_id", Id),
    Column("team_id", Id),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("app_id", Id),
    Column("enterprise_name", Text),
    Column("team_name", Text),
    Column("bot_id", Id),
    Column("bot_user_id", Id),
    Column("bot_scopes", Text),
    Column("bot_token", Text, nullable=False),
    Column("bot_refresh_token", Text),
    Column("bot_token_expires_at", UTCDateTime),
    Column("installer_user_id", Id),
    Column("installed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "team_id"),
    Index(None, "enterprise_id"),
)

# OAuth `state` values handed out by /slack/install: each consumed at most once.
slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("state", String(128), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
)

# The Enterprise Grid org of each workspace seen in a request: an org-wide installation's
# token serves all of its workspaces, and the notifier knows only a booking's team.
slack_teams = Table(
    "slack_teams",
    metadata,
    Column("team_id", Id, primary_key=True),
    Column("enterprise_id", Id, nullable=False),
    Index(None, "enterprise_id"),
)

# A workspace's own Bookable partner account (client secret Fernet-encrypted); a workspace
# without one uses the operator's BOOKABLE_CLIENT_ID.
bookable_accounts = Table(
    "bookable_accounts",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("team_id", Id, nullable=False, unique=True),
    Column("client_id", Text, nullable=False),
    Column("client_secret", Text, nullable=False),
    Column("created_by", Id, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# --- team meal plans (a channel poll that books the winner) -----------------------------

# A plan: `open` (voting) → `booking` (leased while the winner is booked, so a deadline is
# booked once across processes) → `booked` (votes still move the party size) or `closed`.
plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("team_id", Id, nullable=False),
    Column("channel_id", Id, nullable=False),
    Column("organiser_id", Id, nullable=False),
    Column("message_ts", String(64)),
    Column("note", Text, nullable=False, default=""),
    Column("booker", Json, nullable=False),  # the organiser's name, email, phone
    Column("deadline", UTCDateTime),
    Column("state", String(16), nullable=False),
    Column("lease_until", UTCDateTime),
    Column("booked_position", Integer),
    Column("booking_id", Id),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "state", "deadline"),
    Index(None, "booking_id"),
)

plan_options = Table(
    "plan_options",
    metadata,
    Column(
        "plan_id", String(64), ForeignKey("plans.plan_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("position", Integer, primary_key=True),
    Column("composite_id", Id, nullable=False),
    Column("venue_name", Text, nullable=False),
    Column("product_name", Text, nullable=False),
    Column("date", Date, nullable=False),
    Column("time", String(16), nullable=False),
    Column("gone", Boolean, nullable=False, default=False),  # the slot was gone at booking
)

# One vote per person per plan: `position` is the option they are in for, NULL for
# "can't make it". The primary key makes concurrent clicks upsert, never duplicate.
plan_votes = Table(
    "plan_votes",
    metadata,
    Column(
        "plan_id", String(64), ForeignKey("plans.plan_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", Id, primary_key=True),
    Column("position", Integer),
    Column("voted_at", UTCDateTime, nullable=False),
)
