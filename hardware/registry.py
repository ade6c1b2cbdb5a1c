"""The hardware registry: one ``DeviceState`` per configured device (printer, each
scanner, drawer, GPIO LED/buzzer/button, scale), updated by the adapters from their
own threads and read by the UI, the LED logic and ``kiosk-admin``.

Listeners are called (in the updating thread) only when something other than the
time stamp changed; the UI must hand the call over to its main thread.
``write_snapshot`` saves the whole registry as JSON with an atomic rename, so
another process (``kiosk-admin status``) can read what the running kiosk sees.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DeviceState:
    name: str  # "printer", "scanner-1", "drawer", "led", "buzzer", "button", "scale"
    kind: str  # printer | scanner | drawer | led | buzzer | button | scale
    connected: bool = False
    available: bool = True  # False: cannot work on this machine (no GPIO, library missing)
    last_event: str = ""
    last_error: str = ""
    updated_at: float = field(default_factory=time.time)  # Unix time
    info: dict[str, Any] = field(default_factory=dict)  # device specific: pending jobs, last code, ...

    @property
    def ok(self) -> bool:
        """Configured and working (an unavailable device is not a fault of the shop)."""
        return not self.available or (self.connected and not self.last_error)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["updated_at"] = datetime.fromtimestamp(self.updated_at, UTC).isoformat(timespec="seconds")
        d["ok"] = self.ok
        return d


Listener = Callable[[DeviceState], None]
log = logging.getLogger(__name__)


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, DeviceState] = {}
        self._listeners: list[Listener] = []

    def add(self, name: str, kind: str, **values: Any) -> DeviceState:
        state = DeviceState(name, kind, **values)
        with self._lock:
            self._states[name] = state
        self._notify(state)
        return state

    def update(self, name: str, **changes: Any) -> DeviceState:
        """Change some fields; ``info`` is merged, not replaced."""
        with self._lock:
            existing = self._states.get(name)
            old = existing or DeviceState(name, changes.pop("kind", name))
            if "info" in changes:
                changes["info"] = {**old.info, **changes["info"]}
            new = replace(old, **changes, updated_at=time.time())
            self._states[name] = new
        if existing is None or replace(new, updated_at=0) != replace(old, updated_at=0):
            self._notify(new)
        return new

    def remove(self, name: str) -> None:
        with self._lock:
            self._states.pop(name, None)

    def get(self, name: str) -> DeviceState | None:
        with self._lock:
            return self._states.get(name)

    def all(self) -> list[DeviceState]:
        with self._lock:
            return list(self._states.values())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(state)`` on every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, state: DeviceState) -> None:
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:  # noqa: BLE001 - one bad listener must not stop the others
                log.exception("hardware registry listener failed")

    def snapshot(self) -> dict[str, Any]:
        return {"updated_at": datetime.now(UTC).isoformat(timespec="seconds"), "pid": os.getpid(),
                "devices": [s.as_dict() for s in sorted(self.all(), key=lambda s: s.name)]}


def write_snapshot(registry: Registry, path: Path, **extra: Any) -> None:
    """Write the registry as JSON to ``path`` atomically (temporary file + rename)."""
    data = {**registry.snapshot(), **extra}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_snapshot(path: Path) -> dict[str, Any] | None:
    """The snapshot another process wrote, or None. ``running`` is True only when the
    writing process is still alive."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    alive = False
    if isinstance(pid, int) and data.get("running"):
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
    data["running"] = alive
    return data
