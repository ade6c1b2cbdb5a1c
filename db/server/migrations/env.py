"""Alembic environment of the shop server (PostgreSQL): migrations run on a
connection handed over by db.server.admin (``kiosk-admin server init``)."""

from __future__ import annotations

from alembic import context

from db.server.models import ServerBase

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise SystemExit("the server's schema is migrated by `kiosk-admin server init --url ...`")
    context.configure(connection=connection, target_metadata=ServerBase.metadata, compare_type=True,
                      version_table="kiosk_server_version")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `kiosk-admin server init`")
run_migrations_online()
