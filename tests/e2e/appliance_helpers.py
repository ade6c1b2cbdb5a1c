"""Helpers for the appliance tests: a fake service control (the injected systemctl
port), a real notify socket, and a record of every file under a staging root."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

UNITS = ["kiosk.service", "kiosk-backup.service", "kiosk-backup.timer", "kiosk-release-boot.service",
         "kiosk-release-good.service", "kiosk-release-good.timer", "kiosk-customer-screen.service"]
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def tool(name: str) -> str:
    """A program the appliance checks need: missing, the test fails (never skips)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; the appliance checks need it (Debian package: "
                    f"{'systemd' if name == 'systemd-analyze' else name})")
    return path


class FakeService:
    """Records start/stop calls; ``on_start`` says which state a start leads to."""

    def __init__(self, states: dict[str, str] | None = None, on_start: str = "active"):
        self.states = dict(states or {})
        self.on_start = on_start
        self.calls: list[tuple[str, str]] = []

    def state(self, unit: str) -> str:
        return self.states.get(unit, "inactive")

    def stop(self, unit: str) -> None:
        self.calls.append(("stop", unit))
        self.states[unit] = "inactive"

    def start(self, unit: str) -> None:
        self.calls.append(("start", unit))
        self.states[unit] = self.on_start

    def reset_failed(self, unit: str) -> None:
        self.calls.append(("reset-failed", unit))

    def properties(self, unit: str, names: list[str]) -> dict[str, str]:
        return {}


class NotifyListener:
    """A unix datagram socket standing in for systemd's $NOTIFY_SOCKET; every message
    is kept with the time it arrived."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode()))

    def times(self, field: str) -> list[float]:
        return [t for t, m in list(self.messages) if field in m.split("\n")]

    def wait_for(self, field: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.times(field)
            if found:
                return found[0]
            time.sleep(0.05)
        return None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its type, mode, owner, mtime and content hash."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                content = os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                content = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                content = ""
            found[str(p.relative_to(root))] = (stat.filemode(st.st_mode), st.st_uid, st.st_gid,
                                               st.st_mtime_ns, content)
    return found
