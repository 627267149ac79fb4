"""Changes made through the app's Change modal (one row per modal submission key).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.String(128)
Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "booking_changes",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("before", Json, nullable=False),
        sa.Column("after", Json, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_booking_changes"),
    )
    op.create_index(
        "ix_booking_changes_booking_id_created_at", "booking_changes", ["booking_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_booking_changes_booking_id_created_at", table_name="booking_changes")
    op.drop_table("booking_changes")
