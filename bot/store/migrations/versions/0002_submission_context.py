"""Submissions keep their booking context and who finished them (webhook adoption).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("context", Json))
        batch.add_column(sa.Column("finished_by", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("finished_by")
        batch.drop_column("context")
