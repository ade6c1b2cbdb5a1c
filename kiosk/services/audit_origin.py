"""Who is writing audit rows in this process: "kiosk" (the till's screen) unless a
``kiosk-admin`` command says otherwise. Kept apart from kiosk/services/audit.py (the
log itself, on SQLAlchemy) so that kiosk-admin can set it before it knows whether the
command touches the database at all (start-up time, kiosk/cli/main.py)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

current = {"text": "kiosk"}


@contextmanager
def origin(text_: str) -> Iterator[None]:
    """Rows written inside are marked as written by ``text_`` ("kiosk-admin (pi)");
    outside, by "kiosk" (the till's screen)."""
    before = current["text"]
    current["text"] = text_[:32]
    try:
        yield
    finally:
        current["text"] = before


def cli_origin() -> str:
    who = os.environ.get("SUDO_USER") or _login()
    return f"kiosk-admin ({who})" if who else "kiosk-admin"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
