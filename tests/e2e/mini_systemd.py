"""Just enough of systemd's service manager to reproduce upgrade failures for real:
one ``Type=notify`` unit with ``Restart=always``, ``RestartSec=``, ``StartLimitBurst=``
/ ``StartLimitIntervalSec=`` and ``TimeoutStartSec=``. It runs
``<prefix>/venv/bin/kiosk`` (the path systemd execs, resolved at every start, so a
switched release link takes effect at the next start) with a real ``$NOTIFY_SOCKET``,
and implements the ServiceControl port the upgrade and the release guard use.

Semantics kept from systemd: ``start`` blocks until READY=1 and fails when the
program exits first (a Type=notify start job); a process that dies is restarted
after RestartSec (state "activating", NRestarts + 1); more than StartLimitBurst starts
within StartLimitIntervalSec leave the unit "failed" (start-limit-hit) and refuse
every start — "Start request repeated too quickly" — until ``reset_failed``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from kiosk.appliance.servicectl import ServiceError


class MiniSystemd:
    def __init__(self, prefix: Path, run_dir: Path, *, env: dict[str, str] | None = None, restart_s: float = 0.2,
                 burst: int = 5, interval_s: float = 600.0, start_timeout_s: float = 60.0,
                 unit: str = "kiosk.service"):
        self.prefix = prefix
        self.unit = unit
        self.env = dict(env or os.environ)
        self.restart_s = restart_s
        self.burst = burst
        self.interval_s = interval_s
        self.start_timeout_s = start_timeout_s
        self.socket_path = run_dir / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.socket_path))
        self.sock.settimeout(0.05)
        self.log = run_dir / "kiosk.log"
        self._lock = threading.Condition()
        self._state = "inactive"
        self._result = "success"
        self._proc: subprocess.Popen | None = None
        self._ready = False
        self._stopping = False
        self._starts: list[float] = []
        self.nrestarts = 0
        self.programs: list[str] = []  # the release each start ran, in order
        self.calls: list[tuple[str, str]] = []
        self._closed = False
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    # --- the ServiceControl port ----------------------------------------------------
    def state(self, unit: str) -> str:
        with self._lock:
            return self._state if unit == self.unit else "inactive"

    def properties(self, unit: str, names: list[str]) -> dict[str, str]:
        with self._lock:
            known = {"NRestarts": str(self.nrestarts), "Result": self._result}
        return {n: known[n] for n in names if n in known}

    def reset_failed(self, unit: str) -> None:
        with self._lock:
            self.calls.append(("reset-failed", unit))
            self._starts.clear()
            if self._state == "failed":
                self._state = "inactive"
            self._result = "success"

    def start(self, unit: str) -> None:
        with self._lock:
            self.calls.append(("start", unit))
            if self._state == "active":
                return
            if not self._may_start():
                self._state, self._result = "failed", "start-limit-hit"
                raise ServiceError(f"systemctl start {unit} failed: Job for {unit} failed. "
                                   "Start request repeated too quickly.")
            self.nrestarts = 0
            self._stopping = False
            self._spawn()
            proc = self._proc
            deadline = time.monotonic() + self.start_timeout_s
            while not self._ready and self._proc is proc and proc.poll() is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(min(remaining, 0.1))
            if self._ready and self._proc is proc:
                return
            timed_out = proc.poll() is None
        if timed_out:
            self._kill(proc)
            raise ServiceError(f"systemctl start {unit} failed: start operation timed out")
        raise ServiceError(f"systemctl start {unit} failed: Job for {unit} failed because the control process "
                           f"exited with error code (status {proc.returncode})")

    def stop(self, unit: str) -> None:
        with self._lock:
            self.calls.append(("stop", unit))
            self._stopping = True
            proc = self._proc
        if proc is not None:
            self._kill(proc)
        with self._lock:
            self._proc = None
            if self._state != "failed":
                self._state = "inactive"
            self._lock.notify_all()

    # --- inside ---------------------------------------------------------------------
    def _may_start(self) -> bool:
        now = time.monotonic()
        self._starts = [t for t in self._starts if now - t < self.interval_s]
        if len(self._starts) >= self.burst:
            return False
        self._starts.append(now)
        return True

    def _spawn(self) -> None:
        program = self.prefix / "venv" / "bin" / "kiosk"
        self.programs.append(program.resolve().parent.parent.name)
        env = dict(self.env, NOTIFY_SOCKET=str(self.socket_path))
        with self.log.open("a") as out:
            self._proc = subprocess.Popen([str(program)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        self._ready = False
        self._state = "activating"

    def _kill(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _watch(self) -> None:
        while not self._closed:
            try:
                message = self.sock.recv(4096).decode()
            except (TimeoutError, OSError):
                message = ""
            with self._lock:
                if "READY=1" in message.split("\n") and self._proc is not None and self._proc.poll() is None:
                    self._ready = True
                    self._state = "active"
                    self._lock.notify_all()
                proc = self._proc
                if proc is None or self._stopping or proc.poll() is None:
                    continue
                # The main process died on its own: Restart=always.
                self._proc = None
                self._ready = False
                self._lock.notify_all()
                if not self._may_start():
                    self._state, self._result = "failed", "start-limit-hit"
                    continue
                self._state = "activating"
                self._result = "exit-code"
            time.sleep(self.restart_s)
            with self._lock:
                if self._stopping or self._proc is not None or self._state == "failed":
                    continue
                self.nrestarts += 1
                self._spawn()

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            proc = self._proc
        if proc is not None:
            self._kill(proc)
        self._closed = True
        self._thread.join(timeout=5)
        self.sock.close()


KIOSK_PROGRAM = """#!{python}
# A release's kiosk program for the upgrade tests: {what}
import os, socket, sys, time
mode, after = {mode!r}, {after!r}

def notify(message):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.connect(os.environ["NOTIFY_SOCKET"])
    sock.sendall(message.encode())
    sock.close()

print("kiosk", mode, "pid", os.getpid(), flush=True)
if mode == "exit_before_ready":
    sys.exit(1)
notify("READY=1")
if mode == "crash_after":
    time.sleep(after)
    sys.exit(1)
while True:
    time.sleep(1)
"""


def make_release(prefix: Path, name: str, mode: str = "good", after: float = 0.0) -> Path:
    """releases/<name>/bin/kiosk that comes up (good), exits before READY=1, or
    crashes ``after`` seconds after READY=1."""
    import sys

    what = {"good": "comes up and stays up", "exit_before_ready": "exits before READY=1",
            "crash_after": f"crashes {after} s after READY=1"}[mode]
    exe = prefix / "releases" / name / "bin" / "kiosk"
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_text(KIOSK_PROGRAM.format(python=sys.executable, what=what, mode=mode, after=after))
    exe.chmod(0o755)
    return exe.parent.parent
