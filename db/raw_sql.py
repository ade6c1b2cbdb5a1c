"""Plain SQL text for the hot paths that run statements with ``exec_driver_sql``
(checkout and the receipt it queues): compiling Core statements per sale cost about
as much as SQLite's own work. Column names are checked against the models when the
statements are built (at import), so a renamed column fails at once, not in a sale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Table
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect


def insert_sql(table: Table, columns: str, *, computed: dict[str, str] | None = None, returning: str = "") -> str:
    """INSERT text with a named parameter per column in ``columns`` (space-separated)
    and SQL expressions for the ``computed`` ones."""
    values = dict(computed or {}) | {c: ":" + c for c in columns.split()}
    missing = [c for c in values if c not in table.c]
    if missing:
        raise LookupError(f"{table.name} has no column {missing}")
    return (f"INSERT INTO {table.name} ({', '.join(values)}) VALUES ({', '.join(values.values())})"
            + (f" RETURNING {returning}" if returning else ""))


_STAMP = DateTime().dialect_impl(sqlite_dialect()).bind_processor(sqlite_dialect())


def stamp(moment: datetime) -> str:
    """A naive UTC time as the ORM stores it, so history queries compare like with like."""
    return _STAMP(moment)
