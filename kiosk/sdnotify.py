"""systemd's notify protocol (``Type=notify``): READY=1 once the lock screen is drawn,
WATCHDOG=1 from the UI loop. A datagram to ``$NOTIFY_SOCKET``; a no-op outside systemd."""

from __future__ import annotations

import os
import socket


def _address(env: dict[str, str] | None = None) -> str | None:
    path = (env or os.environ).get("NOTIFY_SOCKET")
    if not path:
        return None
    return "\0" + path[1:] if path.startswith("@") else path


def notify(message: str, env: dict[str, str] | None = None) -> bool:
    """Send ``message``; True when a notify socket exists and took it."""
    address = _address(env)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError:
        return False


def ready(status: str = "") -> bool:
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def watchdog() -> bool:
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    return notify(f"STATUS={text}")


def watchdog_interval_s(env: dict[str, str] | None = None) -> float | None:
    """Half of ``$WATCHDOG_USEC`` (systemd's advice), or None when no watchdog is set."""
    e = env or os.environ
    usec = e.get("WATCHDOG_USEC")
    pid = e.get("WATCHDOG_PID")
    if not usec or (pid and pid.isdigit() and int(pid) != os.getpid()):
        return None
    try:
        return int(usec) / 2_000_000
    except ValueError:
        return None
