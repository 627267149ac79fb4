"""Initial schema: bookings, submissions, webhook_events, outbox, subscriptions, secrets.

Revision ID: 0001
Revises:
Create Date: 2025-06-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Id = sa.String(128)
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("message_ts", sa.String(64)),
        sa.Column("venue_name", sa.Text(), nullable=False),
        sa.Column("venue_group", sa.Text()),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.Column("composite_id", Id, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("time", sa.String(16), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("original_status", sa.String(32), nullable=False),
        sa.Column("operator_ref", Id),
        sa.Column("posted_in_dm", sa.Boolean(), nullable=False),
        sa.Column("last_update", Timestamp),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_bookings"),
    )
    op.create_index(
        "ix_bookings_team_id_user_id_created_at",
        "bookings",
        ["team_id", "user_id", "created_at"],
    )

    op.create_table(
        "submissions",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("booking_id", Id),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_submissions"),
    )

    op.create_table(
        "webhook_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("last_update", Timestamp),
        sa.Column("last_update_key", sa.String(32), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("venue_name", sa.Text()),
        sa.Column("group_name", sa.Text()),
        sa.Column("payload", Json, nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
        sa.UniqueConstraint(
            "booking_id",
            "last_update_key",
            "status",
            name="uq_webhook_events_booking_id_last_update_key_status",
        ),
    )

    op.create_table(
        "outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("event_id", BigId, nullable=False),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("last_update", Timestamp),
        sa.Column("order_key", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("available_at", Timestamp, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("leased_by", sa.String(255)),
        sa.Column("lease_until", Timestamp),
        sa.Column("progress", Json, nullable=False),
        sa.Column("result", Json),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("done_at", Timestamp),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["webhook_events.id"], name="fk_outbox_event_id_webhook_events"
        ),
    )
    # The claim query: pending jobs by availability, and per-booking ordering checks.
    op.create_index("ix_outbox_state_available_at", "outbox", ["state", "available_at"])
    op.create_index("ix_outbox_booking_id_state", "outbox", ["booking_id", "state"])

    op.create_table(
        "subscriptions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("venue", sa.Text()),
        sa.Column("group_name", sa.Text()),
        sa.Column("status", sa.String(32)),
        sa.Column("filter_key", sa.Text(), nullable=False),
        sa.Column("created_by", Id, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "filter_key",
            name="uq_subscriptions_team_id_channel_id_filter_key",
        ),
    )

    op.create_table(
        "secrets",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_secrets"),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    op.drop_table("subscriptions")
    op.drop_index("ix_outbox_booking_id_state", table_name="outbox")
    op.drop_index("ix_outbox_state_available_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("webhook_events")
    op.drop_table("submissions")
    op.drop_index("ix_bookings_team_id_user_id_created_at", table_name="bookings")
    op.drop_table("bookings")
