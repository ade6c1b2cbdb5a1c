"""Helpers every kiosk-admin command uses: loading settings and services, printing
tables and JSON, and turning domain errors into one clear line and an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

# kiosk.app_factory and kiosk.config load the whole application (SQLAlchemy, Alembic,
# pydantic, python-escpos): imported when a command asks for them, so that
# ``kiosk-admin --help`` and the commands that need neither start at once.
if TYPE_CHECKING:
    from kiosk.app_factory import Services
    from kiosk.config import Settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


def settings(args: argparse.Namespace) -> Settings:
    from kiosk.config import load_settings
    from kiosk.formatting import apply_locale

    s = load_settings(getattr(args, "config", None))
    apply_locale(s)
    return s


# Applications opened by this command, with the owner their files go back to.
_opened: list[tuple[tuple[int, int] | None, Services]] = []


def services(args: argparse.Namespace, *, create: bool = False, **kwargs: Any) -> Services:
    """The application on the configured database. Only the commands that may create
    the database (migrate, demo-data) pass ``create=True``; for any other a missing
    database is an error naming the path (NoDatabase, exit 1) and nothing is created.

    Under sudo, whatever this command creates in the state directory (the database,
    its -wal/-shm, a pre-migration backup, pictures) is handed to the directory's owner
    when it ends (``hand_back``): root-owned files there would stop the kiosk service
    from writing."""
    from kiosk.app_factory import build
    from kiosk.appliance.ownership import owner_of

    s = settings(args)
    owner = owner_of(s.state_dir)
    app = build(s, create=create, **kwargs)
    _opened.append((owner, app))
    return app


def hand_back() -> None:
    """Give what the opened applications created back to the state directory's owner."""
    if not _opened:
        return
    from kiosk.appliance.ownership import give_tree_to

    while _opened:
        owner, app = _opened.pop()
        give_tree_to(owner, app.settings.state_dir)


def _default(o: Any) -> Any:
    if is_dataclass(o):
        return asdict(o)
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, Enum):
        return o.value
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, bytes):
        return o.hex()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, default=_default, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> None:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        parts = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        print("  ".join(parts).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
