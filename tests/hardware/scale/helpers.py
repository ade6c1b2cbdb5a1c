"""Helpers for scale tests: waiting on a condition with a deadline (the reader runs in
its own thread, so tests wait for what it publishes instead of sleeping blindly)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# request_gap_s: an on-demand scale (Adam) is asked at most this often while a weight is wanted.
FAST = {"poll_s": 0.03, "silence_s": 0.3, "reconnect_s": 0.05, "hold_s": 0.6, "command_timeout_s": 0.5,
        "request_gap_s": 0.05}


def wait_for(check: Callable[[], T], timeout: float = 2.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
