"""python-escpos's printer database, read once per machine instead of at every start.

``escpos.capabilities`` parses its ``capabilities.json`` with PyYAML's pure-Python
loader when it is imported (a third of a second here, over a second on a Pi) and
keeps a pickle of the result only in ``$ESCPOS_CAPABILITIES_PICKLE_DIR`` — by default
a new temporary directory per process, so every ``kiosk-admin`` command and every
kiosk start paid the full parse (and left a directory behind in /tmp).

``prepare()`` points that variable at a private cache directory (``$CACHE_DIRECTORY``
under systemd, else ``$XDG_CACHE_HOME/kiosk`` or ``~/.cache/kiosk``) and, when the
pickle is not there yet, writes it from the same JSON with the standard ``json``
module, which is many times faster than the YAML loader. python-escpos then loads the
pickle; it re-parses the JSON itself if the package is upgraded (the JSON is newer).
It must run before anything imports ``escpos.printer`` or ``escpos.capabilities``;
``hardware.printer.text`` (the first module here to import python-escpos) calls it.
A directory that cannot be written leaves python-escpos to its default.

Without a cache folder (root, ``sudo kiosk-admin``: nothing is kept in root's home)
the pickle is written the same way in a private temporary folder, python-escpos reads
it there at once, and the folder is removed: the fast JSON parse (0.22 -> 0.11 s for
``import hardware.printer.text`` here), nothing left behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir(env: os._Environ[str] | dict[str, str] = os.environ, sub: str = "escpos",
              data_only: bool = False) -> Path | None:
    """The kiosk's cache folder ``sub`` (escpos, i18n); None under sudo, except for a
    cache of plain data (``data_only``: compiled translations, never code such as a
    pickle) in root's own home (/root/.cache/kiosk, not a user's home sudo kept)."""
    if env.get("CACHE_DIRECTORY"):  # systemd's CacheDirectory= (may list several)
        return Path(env["CACHE_DIRECTORY"].split(":")[0]) / sub
    if os.geteuid() == 0:  # `sudo kiosk-admin`: leave root's home as it was (no cache)
        import pwd

        home = pwd.getpwuid(0).pw_dir
        if not data_only or env.get("HOME") != home or env.get("XDG_CACHE_HOME"):
            return None
        return Path(home) / ".cache" / "kiosk" / sub
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "kiosk" / sub


def _capabilities_json() -> Path | None:
    spec = importlib.util.find_spec("escpos")  # the package's folder, without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    return path if path.is_file() else None


def prepare() -> Path | None:
    """Use (and fill) the cache, then import python-escpos's database module; returns
    the cache's directory, or None when none could be used."""
    if "escpos.capabilities" in sys.modules:
        return Path(os.environ[ENV]) if os.environ.get(ENV) else None
    chosen = os.environ.get(ENV)  # chosen by whoever runs us (tests, a technician)
    folder = Path(chosen) if chosen else _cache_folder()
    with _scratch_tempdir() as scratch:
        temporary = False
        if folder is None and _capabilities_json() is not None:
            try:  # root: the pickle in the scratch folder, read once and removed with it
                _fill(scratch)
                os.environ[ENV], temporary = str(scratch), True
            except (OSError, ValueError):
                pass  # python-escpos parses its JSON itself
        try:
            import escpos.capabilities  # noqa: F401 - reads the pickle (or parses the JSON) now
        finally:
            if temporary:
                del os.environ[ENV]  # not inherited by child processes: the folder is gone
    return folder


def _cache_folder() -> Path | None:
    """The cache folder, filled and pointed at for python-escpos; None when there is
    none (root) or it cannot be used."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.stat().st_uid != os.getuid():  # a pickle is code: load only our own
            return None
        _fill(folder)
    except (OSError, ValueError):
        return None
    os.environ[ENV] = str(folder)
    return folder


def _fill(folder: Path) -> None:
    """The pickle python-escpos looks for in ``folder``, from its JSON, unless it is
    there already and newer than the JSON."""
    pickled = folder / f"{platform.python_version()}.capabilities.pickle"
    source = _capabilities_json()
    if source is not None and (not pickled.exists() or pickled.stat().st_mtime < source.stat().st_mtime):
        data = json.loads(source.read_text(encoding="utf-8"))
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=2)
        os.replace(tmp, pickled)


@contextlib.contextmanager
def _scratch_tempdir() -> Iterator[Path]:
    """A private folder (mkdtemp: 0700) that is the process's temporary folder while
    python-escpos is imported, removed afterwards with what was put in it.

    ``escpos.capabilities`` calls ``mkdtemp()`` even when told where its pickle is (the
    default of its ``environ.get``): an empty folder left in /tmp at every start and
    every printer command. Imported in the main thread at start-up, before the kiosk's
    worker threads make temporary files of their own."""
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-escpos-"))
    saved = tempfile.tempdir
    tempfile.tempdir = str(scratch)
    try:
        yield scratch
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(scratch, ignore_errors=True)
