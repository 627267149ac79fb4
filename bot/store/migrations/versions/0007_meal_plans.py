"""Team meal plans: a poll in a channel that books the winning option.

* plans: who organised it where, its message, deadline, state (open → booking → booked, or
  closed) with a lease while booking, and the booking it made.
* plan_options: one to four options (venue product, date, time), `gone` once a slot was
  found taken at booking time.
* plan_votes: one row per person (primary key (plan_id, user_id)): the option they are in
  for, NULL for "can't make it".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.String(128)
Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("organiser_id", Id, nullable=False),
        sa.Column("message_ts", sa.String(64)),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("booker", Json, nullable=False),
        sa.Column("deadline", Timestamp),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lease_until", Timestamp),
        sa.Column("booked_position", sa.Integer()),
        sa.Column("booking_id", Id),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_plans"),
    )
    op.create_index("ix_plans_state_deadline", "plans", ["state", "deadline"])
    op.create_index("ix_plans_booking_id", "plans", ["booking_id"])
    op.create_table(
        "plan_options",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("composite_id", Id, nullable=False),
        sa.Column("venue_name", sa.Text(), nullable=False),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("time", sa.String(16), nullable=False),
        sa.Column("gone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name="fk_plan_options_plan_id_plans",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "position", name="pk_plan_options"),
    )
    op.create_table(
        "plan_votes",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("position", sa.Integer()),
        sa.Column("voted_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name="fk_plan_votes_plan_id_plans",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "user_id", name="pk_plan_votes"),
    )


def downgrade() -> None:
    op.drop_table("plan_votes")
    op.drop_table("plan_options")
    op.drop_index("ix_plans_booking_id", table_name="plans")
    op.drop_index("ix_plans_state_deadline", table_name="plans")
    op.drop_table("plans")
