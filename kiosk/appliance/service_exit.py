"""Why the kiosk service last stopped, kept for ``kiosk-admin status``.

systemd runs this after every stop of kiosk.service (``ExecStopPost=``) with
``$SERVICE_RESULT`` ("success", "exit-code", "signal", "core-dump", "watchdog",
"timeout", "start-limit-hit" ...), ``$EXIT_CODE`` ("exited", "killed", "dumped") and
``$EXIT_STATUS`` (a number or a signal name). systemd's own ``Result=`` is reset by the
next start, so after an automatic restart nobody could tell why the kiosk fell over:
this file keeps the last failure (and the count) until the next one. It is small and
imports only the standard library (it runs at every stop, on a Pi).

    /opt/kiosk/venv/bin/kiosk-service-exit
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

FILE = "service-exit.json"
# What each result means to a technician.
MEANINGS = {
    "exit-code": "the kiosk ended with an error",
    "signal": "the kiosk was killed by a signal",
    "core-dump": "the kiosk crashed",
    "watchdog": "the screen froze (watchdog)",
    "timeout": "the kiosk did not start or stop in time",
    "start-limit-hit": "too many failed starts: systemd gave up",
    "resources": "systemd could not start it (missing file or permission)",
    "oom-kill": "out of memory",
    "exec-condition": "a start condition failed",
}
CONFIG_ERROR = "2"


def record(env: dict[str, str], state_dir: Path, now: datetime | None = None) -> dict | None:
    """Write what systemd says about this stop; return the failure recorded (None for
    a clean stop)."""
    result = env.get("SERVICE_RESULT", "")
    if not result:
        return None
    entry = {"at": (now or datetime.now()).astimezone().isoformat(timespec="seconds"), "result": result,
             "exit_code": env.get("EXIT_CODE", ""), "exit_status": env.get("EXIT_STATUS", "")}
    data = read(state_dir)
    data["last_exit"] = entry
    failure = None
    if result != "success":
        failure = dict(entry, reason=describe(entry))
        data["last_failure"] = failure
        data["failures"] = int(data.get("failures", 0)) + 1
    path = state_dir / FILE
    tmp = path.with_name(f".{FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return failure


def read(state_dir: Path) -> dict:
    try:
        data = json.loads((state_dir / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe(entry: dict) -> str:
    """"exit-code 2: configuration error", "watchdog: the screen froze (watchdog)" ..."""
    result, status = entry.get("result", ""), entry.get("exit_status", "")
    if result == "exit-code" and status == CONFIG_ERROR:
        return "exit status 2: configuration error (kiosk-admin config check)"
    meaning = MEANINGS.get(result, result)
    if entry.get("exit_code") == "exited" and status:
        return f"{meaning} (exit status {status})"
    if entry.get("exit_code") in ("killed", "dumped") and status:
        return f"{meaning} ({status})"
    return meaning


def main() -> int:
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if not state:
        print("service_exit: $STATE_DIRECTORY is not set (run by systemd's ExecStopPost=)", file=sys.stderr)
        return 0  # never make the stop itself fail
    try:
        failure = record(dict(os.environ), Path(state))
    except OSError as exc:
        print(f"service_exit: cannot record the stop: {exc}", file=sys.stderr)
        return 0
    if failure:
        print(f"<4>kiosk stopped: {failure['reason']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
