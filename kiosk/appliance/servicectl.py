"""Starting and stopping the kiosk service, and finding who holds the database open.

Commands that must stop the kiosk (restore, upgrade) get a ``ServiceControl``: the real
one runs ``systemctl``; tests pass a fake that records the calls."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

KIOSK_UNIT = "kiosk.service"
BACKUP_UNIT = "kiosk-backup.service"


class ServiceControl(Protocol):
    def state(self, unit: str) -> str:
        """"active", "inactive", "failed", "activating", ... or "unknown" (no systemd)."""

    def stop(self, unit: str) -> None: ...

    def start(self, unit: str) -> None: ...

    def reset_failed(self, unit: str) -> None:
        """Forget the unit's failures and its start-limit count (``systemctl reset-failed``):
        a start after a crash loop would otherwise be refused ("Start request repeated
        too quickly") and leave the till dark."""

    def properties(self, unit: str, names: list[str]) -> dict[str, str]:
        """``systemctl show -p NAME``: e.g. NRestarts; {} without systemd."""


class ServiceError(Exception):
    pass


class Systemctl:
    """``systemctl`` on the running system. Without systemd (a development machine, a
    container) every unit is "unknown" and start/stop refuse."""

    def __init__(self, binary: str | None = None, timeout_s: float = 180):
        self.binary = binary or shutil.which("systemctl")
        self.timeout_s = timeout_s

    def _available(self) -> bool:
        return bool(self.binary) and Path("/run/systemd/system").is_dir()

    def state(self, unit: str) -> str:
        if not self._available():
            return "unknown"
        out = subprocess.run([self.binary, "is-active", unit], capture_output=True, text=True,
                             timeout=30, check=False)
        return out.stdout.strip() or "unknown"

    def _run(self, verb: str, unit: str) -> None:
        if not self._available():
            raise ServiceError(f"cannot {verb} {unit}: systemd is not running on this machine")
        out = subprocess.run([self.binary, verb, unit], capture_output=True, text=True,
                             timeout=self.timeout_s, check=False)
        if out.returncode != 0:
            raise ServiceError(f"systemctl {verb} {unit} failed: {(out.stderr or out.stdout).strip()}")

    def stop(self, unit: str) -> None:
        self._run("stop", unit)

    def start(self, unit: str) -> None:
        self._run("start", unit)

    def reset_failed(self, unit: str) -> None:
        if self._available():  # nothing to reset without systemd; never an error
            subprocess.run([self.binary, "reset-failed", unit], capture_output=True, text=True, timeout=30,
                           check=False)

    def properties(self, unit: str, names: list[str]) -> dict[str, str]:
        if not self._available():
            return {}
        out = subprocess.run([self.binary, "show", unit, *(f"--property={n}" for n in names)],
                             capture_output=True, text=True, timeout=30, check=False)
        found = {}
        for line in out.stdout.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                found[key] = value
        return found


def is_running(service: ServiceControl, unit: str = KIOSK_UNIT) -> bool:
    return service.state(unit) in ("active", "activating", "reloading", "deactivating")


def wait_active(service: ServiceControl, unit: str, timeout_s: float, settle_s: float,
                clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], None] = time.sleep) -> bool:
    """True when ``unit`` becomes active within ``timeout_s`` and then stays active for
    ``settle_s`` (a UI that crashes right after start-up must count as a failure)."""
    deadline = clock() + timeout_s
    active_since: float | None = None
    while True:
        now = clock()
        if service.state(unit) == "active":
            active_since = now if active_since is None else active_since
            if now - active_since >= settle_s:
                return True
        else:
            active_since = None
        if now >= deadline and active_since is None:
            return False
        sleep(1.0)


@dataclass(frozen=True)
class Holder:
    pid: int
    name: str


def processes_using(path: Path | str, proc: Path = Path("/proc")) -> list[Holder]:
    """Processes (other than this one) with ``path`` or its -wal/-shm open."""
    target = Path(path).resolve()
    names = {str(target), f"{target}-wal", f"{target}-shm"}
    me = os.getpid()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in names:
                    try:
                        name = (entry / "comm").read_text().strip()
                    except OSError:
                        name = "?"
                    found.append(Holder(int(entry.name), name))
                    break
            except OSError:
                continue
    return found
