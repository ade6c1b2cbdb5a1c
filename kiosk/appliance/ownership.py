"""Files kiosk-admin creates in the state directory must belong to the kiosk user,
even when the technician runs it with sudo: a root-owned database or backup would
stop the service (or the nightly backup) from writing or reading it. So whatever a
command run as root creates there is handed to the owner of the state directory."""

from __future__ import annotations

import os
from pathlib import Path


def owner_of(path: Path) -> tuple[int, int] | None:
    """(uid, gid) of ``path`` when we are root and it belongs to someone else, else None."""
    if os.geteuid() != 0:
        return None
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return None if st.st_uid == 0 else (st.st_uid, st.st_gid)


def give_to(owner: tuple[int, int] | None, *paths: Path) -> None:
    if owner is None:
        return
    for p in paths:
        if p.exists():
            os.chown(p, *owner)


def give_database_to(owner: tuple[int, int] | None, db: Path) -> None:
    """The database and the WAL files SQLite keeps beside it while it is open."""
    give_to(owner, db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))


def give_tree_to(owner: tuple[int, int] | None, root: Path) -> None:
    """Everything under ``root`` that root owns (what a command run with sudo created:
    the database and its -wal/-shm, a pre-migration backup, demo pictures ...)."""
    if owner is None or not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            try:
                if os.lstat(path).st_uid == 0:
                    os.lchown(path, *owner)
            except FileNotFoundError:  # gone meanwhile (SQLite's -shm at close)
                pass
