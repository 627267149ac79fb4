"""Reminders: one per booking, due a lead time before it starts; bookings keep a duration.

* reminders: the booking's start it was planned for (`starts_at`, UTC), when it is due,
  and its lease (`pending` → `leased` → `sent`, or `failed` after too many attempts), so
  several serving processes never send one twice and a restart loses none.
* bookings.duration: minutes, when Bookable gives one (calendar entries).

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.String(128)
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("starts_at", Timestamp, nullable=False),
        sa.Column("due_at", Timestamp, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("leased_by", sa.String(255)),
        sa.Column("lease_until", Timestamp),
        sa.Column("sent_at", Timestamp),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_reminders"),
    )
    op.create_index("ix_reminders_state_due_at", "reminders", ["state", "due_at"])
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("duration", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("duration")
    op.drop_index("ix_reminders_state_due_at", table_name="reminders")
    op.drop_table("reminders")
