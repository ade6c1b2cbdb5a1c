"""A stand-in for the kiosk's UI loop, run as a program by test_sdnotify: a real Kivy
Clock pings the watchdog through kiosk.sdnotify, exactly as the UI does. SIGUSR1 blocks
the loop (the handler runs on the main thread) for $BLOCK_S seconds."""

from __future__ import annotations

import os
import signal
import sys
import time

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.clock import Clock  # noqa: E402

from kiosk import sdnotify  # noqa: E402


def main() -> None:
    run_for = float(sys.argv[1])
    block_s = float(os.environ.get("BLOCK_S", "3"))
    signal.signal(signal.SIGUSR1, lambda *_: time.sleep(block_s))
    Clock.schedule_interval(lambda dt: sdnotify.watchdog(), sdnotify.watchdog_interval_s() or 1.0)
    sdnotify.ready("lock screen")
    end = time.monotonic() + run_for
    while time.monotonic() < end:
        Clock.tick()


if __name__ == "__main__":
    main()
