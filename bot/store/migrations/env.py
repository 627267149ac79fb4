"""Alembic environment. Migrations always run on a connection handed in by
`bot.store.migrate` (`config.attributes["connection"]`), inside its transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "bot.store migrations run through bot.store.migrate (Store.connect or"
        " `python -m bot.store.migrations`), which passes the connection in"
    )
_run(connection)
