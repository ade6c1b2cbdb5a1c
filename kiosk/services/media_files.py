"""Browsing USB sticks and folders for the touch file chooser (product photos, CSV
files). Only lists names and sizes; opening files is up to the caller.

Where to look: mount points matching the configured globs (``/media/*/*`` is where
Raspberry Pi OS mounts a USB stick, ``/media/*``, ``/run/media/*/*``, ``/mnt/*``),
plus folders configured to be always offered. Navigation never goes above the place
it started from.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.errors import NotFound

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
CSV_EXTENSIONS = (".csv", ".txt")
MAX_ENTRIES = 500  # a folder with more is cut short (a touch list of thousands is unusable anyway)


def mb_text(size: int) -> str:
    """Bytes -> "20" / "2.5" megabytes, for messages about file sizes."""
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Place:
    label: str  # the stick's name or the folder's name
    path: Path
    removable: bool


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    is_dir: bool
    size: int = 0  # bytes, files only
    modified: float = 0.0


@dataclass(frozen=True)
class Listing:
    folder: Path
    parent: Path | None  # None at the top of the place
    folders: tuple[Entry, ...]
    files: tuple[Entry, ...]
    truncated: bool = False


def places(mount_globs: Sequence[str], folders: Sequence[str] = (), *,
           require_mount: bool = True) -> list[Place]:
    """Mounted USB sticks (and other removable media) followed by the configured folders."""
    out: list[Place] = []
    seen: set[Path] = set()
    for pattern in mount_globs:
        for match in sorted(glob.glob(pattern)):
            path = Path(match)
            if path in seen or not path.is_dir():
                continue
            if require_mount and not os.path.ismount(path):
                continue
            seen.add(path)
            out.append(Place(path.name, path, True))
    for folder in folders:
        path = Path(folder).expanduser()
        if path.is_dir() and path not in seen:
            seen.add(path)
            out.append(Place(path.name or str(path), path, False))
    return out


def _entries(folder: Path) -> Iterable[os.DirEntry]:
    with os.scandir(folder) as it:
        yield from it


def list_folder(folder: Path | str, extensions: Sequence[str], *, top: Path | str | None = None) -> Listing:
    """Sub-folders and the files with one of ``extensions`` (case ignored), hidden
    ones left out, sorted by name. ``top``: the place the user started from."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(what=str(folder))
    exts = tuple(e.lower() for e in extensions)
    dirs, files = [], []
    truncated = False
    try:
        for entry in _entries(folder):
            if entry.name.startswith("."):
                continue
            if len(dirs) + len(files) >= MAX_ENTRIES:
                truncated = True
                break
            try:
                if entry.is_dir():
                    dirs.append(Entry(entry.name, Path(entry.path), True))
                elif entry.is_file() and entry.name.lower().endswith(exts):
                    st = entry.stat()
                    files.append(Entry(entry.name, Path(entry.path), False, st.st_size, st.st_mtime))
            except OSError:
                continue  # a vanished or unreadable entry on a flaky stick
    except PermissionError:
        raise NotFound(what=str(folder)) from None
    parent = None
    if top is None or Path(folder).resolve() != Path(top).resolve():
        parent = folder.parent if folder.parent != folder else None
    key = lambda e: e.name.casefold()  # noqa: E731
    return Listing(folder, parent, tuple(sorted(dirs, key=key)), tuple(sorted(files, key=key)), truncated)
