"""Outbox job kinds and dead letters; submission fingerprints; shared channel pacing.

* outbox: `kind` ("status" for a webhook event, "confirm" for the confirmation of a booking
  made through the app, "unresolved" for telling a booker that a create's result is
  unknown); `event_id` becomes optional (only "status" jobs have one); a job that can never
  be delivered becomes `state = "dead"` with `dead_reason` and `dead_at`.
* submissions: what a webhook booking is matched on when its create answer was lost
  (compositeId, date, time, party size, email) — Bookable's webhooks carry no
  partnerBookingId.
* channel_pacing: one GCRA arrival time per channel, shared by every serving process.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.String(128)
Timestamp = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="status"))
        batch.alter_column("event_id", existing_type=BigId, nullable=True)
        batch.add_column(sa.Column("dead_reason", sa.Text()))
        batch.add_column(sa.Column("dead_at", Timestamp))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("composite_id", Id))
        batch.add_column(sa.Column("booking_date", sa.Date()))
        batch.add_column(sa.Column("booking_time", sa.String(8)))
        batch.add_column(sa.Column("party_size", sa.Integer()))
        batch.add_column(sa.Column("email", sa.Text()))
        batch.create_index(
            "ix_submissions_state_composite_id_booking_date",
            ["state", "composite_id", "booking_date"],
        )
    op.create_table(
        "channel_pacing",
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name="pk_channel_pacing"),
    )


def downgrade() -> None:
    op.drop_table("channel_pacing")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_state_composite_id_booking_date")
        for column in ("email", "party_size", "booking_time", "booking_date", "composite_id"):
            batch.drop_column(column)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("dead_at")
        batch.drop_column("dead_reason")
        batch.alter_column("event_id", existing_type=BigId, nullable=False)
        batch.drop_column("kind")
