"""Many workspaces: Slack installations, OAuth states, Enterprise Grid orgs of workspaces,
and a Bookable account per workspace.

* slack_installations: one bot installation per workspace (or per org for an org-wide
  install), tokens Fernet-encrypted with BOT_ENCRYPTION_KEY.
* slack_oauth_states: the `state` of each Add to Slack link, consumed at most once.
* slack_teams: the Enterprise Grid org of each workspace seen in a request.
* bookable_accounts: a workspace's own Bookable client id and (encrypted) secret.
* webhook_events.account_id: which account's webhook delivered the event (NULL: the
  operator's), so notices of bookings made elsewhere reach only that account's workspaces.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.String(128)
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("account_id", sa.String(64)))
    op.create_table(
        "slack_installations",
        sa.Column("install_key", sa.String(300), nullable=False),
        sa.Column("enterprise_id", Id),
        sa.Column("team_id", Id),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("app_id", Id),
        sa.Column("enterprise_name", sa.Text()),
        sa.Column("team_name", sa.Text()),
        sa.Column("bot_id", Id),
        sa.Column("bot_user_id", Id),
        sa.Column("bot_scopes", sa.Text()),
        sa.Column("bot_token", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.Text()),
        sa.Column("bot_token_expires_at", Timestamp),
        sa.Column("installer_user_id", Id),
        sa.Column("installed_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("install_key", name="pk_slack_installations"),
    )
    op.create_index("ix_slack_installations_team_id", "slack_installations", ["team_id"])
    op.create_index(
        "ix_slack_installations_enterprise_id", "slack_installations", ["enterprise_id"]
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(128), nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("state", name="pk_slack_oauth_states"),
    )
    op.create_table(
        "slack_teams",
        sa.Column("team_id", Id, nullable=False),
        sa.Column("enterprise_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_slack_teams"),
    )
    op.create_index("ix_slack_teams_enterprise_id", "slack_teams", ["enterprise_id"])
    op.create_table(
        "bookable_accounts",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("team_id", Id, nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("created_by", Id, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_bookable_accounts"),
        sa.UniqueConstraint("team_id", name="uq_bookable_accounts_team_id"),
    )


def downgrade() -> None:
    op.drop_table("bookable_accounts")
    op.drop_index("ix_slack_teams_enterprise_id", "slack_teams")
    op.drop_table("slack_teams")
    op.drop_table("slack_oauth_states")
    op.drop_index("ix_slack_installations_enterprise_id", "slack_installations")
    op.drop_index("ix_slack_installations_team_id", "slack_installations")
    op.drop_table("slack_installations")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("account_id")
