"""Kill the kiosk with SIGKILL in the middle of a sale and start it again: the cart
is back. The real ``kiosk --demo --windowed`` runs on the test display, driven by X
key events (xdotool): the PIN typed on the keyboard, scans as fast bursts."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.demo import demo_barcodes
from tests.ui.test_scanning import xdotool


def start_kiosk(display: str, home: Path, ready: Path) -> subprocess.Popen:
    ready.unlink(missing_ok=True)
    env = {**os.environ, "DISPLAY": display, "KIOSK_READY_FILE": str(ready), "XDG_DATA_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.main", "--demo", "--windowed"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while not ready.exists() and time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the kiosk stopped: " + proc.stderr.read().decode(errors="replace")[-3000:])
        time.sleep(0.05)
    assert ready.exists(), "no lock screen within 90 s"
    return proc


def focus(display: str, pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--pid", str(pid)], env={**os.environ, "DISPLAY": display},
                               capture_output=True, text=True).stdout.split()
        if found:
            for window in found:
                subprocess.run(["xdotool", "windowfocus", "--sync", window], env={**os.environ, "DISPLAY": display},
                               capture_output=True, timeout=30)
            return
        time.sleep(0.1)
    pytest.fail("the kiosk's window was not found")


def cart_rows(db: Path) -> list[tuple[str, int, int]]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute("SELECT c.uuid, l.line_no, l.quantity FROM cart_lines l JOIN carts c ON c.id = l.cart_id "
                            "ORDER BY l.line_no").fetchall()
    finally:
        conn.close()


def wait_for(condition, what: str, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def sign_in(display: str) -> None:
    xdotool(display, "type", "--delay", "150", "000000")  # a person's pace: not a scan
    xdotool(display, "key", "Return")


def scan(display: str, code: str) -> None:
    xdotool(display, "type", "--delay", "5", code)
    xdotool(display, "key", "Return")


@pytest.mark.slow
def test_sigkill_mid_cart_and_restart_brings_the_cart_back(display, tmp_path) -> None:  # noqa: ANN001
    codes = demo_barcodes()
    db = tmp_path / "kiosk-demo" / "kiosk.db"
    ready = tmp_path / "ready"
    proc = start_kiosk(display, tmp_path, ready)
    try:
        focus(display, proc.pid)
        sign_in(display)
        for sku in ("ESP-DOB", "GUA-NIT", "ESP-DOB"):
            time.sleep(0.5)
            scan(display, codes[sku][0])
        wait_for(lambda: [(n, q) for _u, n, q in cart_rows(db)] == [(1, 2), (2, 1)], "the cart stored")
        uuid = cart_rows(db)[0][0]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL

    proc = start_kiosk(display, tmp_path, ready)
    try:
        focus(display, proc.pid)
        sign_in(display)
        time.sleep(1.0)
        scan(display, codes["GUA-NIT"][0])
        # The restored cart took the scan: the same cart, its lines kept, one more glove.
        wait_for(lambda: cart_rows(db) == [(uuid, 1, 2), (uuid, 2, 2)], "the scan in the restored cart")
    finally:
        proc.terminate()
        proc.wait(30)
