"""Table copies in migrations, done the way SQLite's documentation prescribes
("Making Other Kinds Of Table Schema Changes"): SQLite cannot alter most of a table,
so Alembic's batch mode creates a new table, copies the rows, drops the old one and
renames the new one. Two things go wrong with that on a live schema:

* with ``foreign_keys=ON`` the DROP TABLE deletes every row first, and ``ON DELETE
  CASCADE`` empties the dependent tables (copying ``stock_drafts`` silently emptied
  ``stock_draft_lines``). ``db.migrate`` therefore runs migrations with foreign keys
  off and checks ``PRAGMA foreign_key_check`` before committing;
* triggers on *other* tables that name the copied table (the search index's triggers
  on ``barcodes`` and ``categories`` name ``products``) make the final RENAME fail,
  and the table's own triggers vanish with the DROP. ``recreate_table`` takes every
  trigger and view that names the table out first and puts them back afterwards.

    from db.schema_ops import recreate_table

    def upgrade() -> None:
        with recreate_table("products") as batch_op:
            batch_op.alter_column("brand", type_=sa.String(120))
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


class ForeignKeysOn(RuntimeError):
    """A table copy was attempted with foreign keys enforced (not through db.migrate)."""


class ForeignKeyViolation(RuntimeError):
    """Rows that point at nothing after a migration; nothing was committed."""


def foreign_key_problems(conn: Connection, limit: int = 20) -> list[tuple]:
    """``PRAGMA foreign_key_check``: (table, rowid, parent table, constraint index) rows."""
    return [tuple(r) for r in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:limit]]


def check_foreign_keys(conn: Connection) -> None:
    problems = foreign_key_problems(conn)
    if problems:
        listed = ", ".join(f"{t} row {rowid} -> {parent}" for t, rowid, parent, _ in problems[:5])
        raise ForeignKeyViolation(f"the migration left rows pointing at nothing ({len(problems)}"
                                  f"{'+' if len(problems) >= 20 else ''}): {listed}")


def dependents(conn: Connection, table: str) -> list[tuple[str, str, str]]:
    """(type, name, sql) of the triggers and views whose definition names ``table``."""
    word = re.compile(rf'(?<![\w"]){re.escape(table)}(?![\w"])|"{re.escape(table)}"', re.IGNORECASE)
    rows = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view') AND sql IS NOT NULL "
        "ORDER BY CASE type WHEN 'view' THEN 0 ELSE 1 END, name").fetchall()
    return [(t, n, sql) for t, n, sql in rows if word.search(sql)]


@contextmanager
def recreate_table(table: str, **batch_kwargs: object) -> Iterator[object]:
    """``op.batch_alter_table(table, recreate="always")`` that keeps the data of the
    tables depending on it and the triggers and views naming it."""
    from alembic import op  # here: db.migrate imports this module at every start, and
    # Alembic (11 MB, ~0.3 s) is needed only when a migration runs (issue 18)

    conn = op.get_bind()
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise ForeignKeysOn(f"copying table {table} with foreign keys on would empty the tables that depend on it "
                            "(ON DELETE CASCADE): run migrations through db.migrate")
    saved = dependents(conn, table)
    for kind, name, _sql in reversed(saved):
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    with op.batch_alter_table(table, recreate="always", **batch_kwargs) as batch_op:
        yield batch_op
    for _kind, _name, sql in saved:
        conn.exec_driver_sql(sql)
