"""Runs the real kiosk UI (kiosk.main, the `kiosk` program) with one addition for
test_sdnotify: SIGUSR1 blocks the main thread, i.e. the Kivy UI loop, for
$KIOSK_TEST_BLOCK_S seconds, as a frozen screen would. Other threads keep running, so
a watchdog pinged from anywhere but the UI loop would go on and the test would see it."""

from __future__ import annotations

import os
import signal
import sys
import time

signal.signal(signal.SIGUSR1, lambda *_: time.sleep(float(os.environ.get("KIOSK_TEST_BLOCK_S", "5"))))

from kiosk.main import main  # noqa: E402

sys.argv = ["kiosk", *sys.argv[1:]]
sys.exit(main())
