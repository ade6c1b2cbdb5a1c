"""Alembic environment: migrations run on a connection handed over by db.migrate
(or, from the alembic command line, on the URL in alembic.ini / $KIOSK_DB_URL)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("KIOSK_DB_URL") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    # The FTS5 search table and its shadow tables are managed by hand-written SQL.
    return not (type_ == "table" and name and name.startswith("product_search"))


def _run(connection) -> None:  # noqa: ANN001
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True, include_object=_include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `kiosk-admin migrate`")
run_migrations_online()
