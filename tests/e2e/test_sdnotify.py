"""systemd's notify protocol with a real unix datagram socket as $NOTIFY_SOCKET:
kiosk.sdnotify itself, a Kivy Clock loop pinging the watchdog and going quiet while the
loop is blocked, and the real kiosk UI under Xvfb doing the same (READY=1 once the
lock screen is drawn, WATCHDOG=1 from the UI loop)."""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import sdnotify
from tests.e2e.appliance_helpers import NotifyListener

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[NotifyListener]:
    sock = NotifyListener(tmp_path / "notify.sock")
    yield sock
    sock.close()


# --- kiosk.sdnotify ----------------------------------------------------------------

def test_ready_watchdog_and_status_reach_the_socket(listener: NotifyListener, monkeypatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(listener.path))
    assert sdnotify.ready("lock screen drawn")
    assert sdnotify.watchdog()
    assert sdnotify.status("printer offline")
    deadline = time.monotonic() + 5
    while len(listener.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [m for _, m in listener.messages] == [
        "READY=1\nSTATUS=lock screen drawn", "WATCHDOG=1", "STATUS=printer offline"]


def test_abstract_socket_names_work(monkeypatch) -> None:
    name = f"kiosk-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_outside_systemd_it_is_a_quiet_no_op(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.ready() is False and sdnotify.watchdog() is False
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))  # systemd went away
    assert sdnotify.watchdog() is False


def test_watchdog_interval_is_half_of_watchdog_usec() -> None:
    assert sdnotify.watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert sdnotify.watchdog_interval_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert sdnotify.watchdog_interval_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None  # not us
    assert sdnotify.watchdog_interval_s({"WATCHDOG_USEC": "soon"}) is None
    assert sdnotify.watchdog_interval_s({"PATH": "/bin"}) is None


# --- the UI loop's watchdog --------------------------------------------------------

def _pings_stop_while_blocked(proc: subprocess.Popen, listener: NotifyListener, ready: float,
                              interval: float, block: float, log: Path | None = None) -> None:
    """Periodic pings after READY; none while the loop is blocked; pings again after."""
    def why() -> str:
        return log.read_text(errors="replace")[-3000:] if log and log.exists() else ""

    time.sleep(4 * interval + 0.5)
    pings = [t for t in listener.times("WATCHDOG=1") if t >= ready]
    assert len(pings) >= 3, f"only {len(pings)} WATCHDOG=1 in {4 * interval:.1f} s\n{why()}"
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    assert max(gaps) < 2 * interval, f"watchdog gaps {gaps} (systemd would kill at {2 * interval} s)"

    blocked_at = time.monotonic()
    proc.send_signal(signal.SIGUSR1)
    time.sleep(block + 3 * interval + 0.5)
    during = [t for t in listener.times("WATCHDOG=1") if blocked_at + interval + 0.3 < t < blocked_at + block - 0.2]
    assert during == [], f"pings went on while the UI loop was blocked: {len(during)}"
    after = [t for t in listener.times("WATCHDOG=1") if t > blocked_at + block]
    assert after, f"no ping after the loop came back\n{why()}"
    assert proc.poll() is None, f"the program ended (status {proc.returncode})\n{why()}"


def test_a_blocked_clock_loop_stops_pinging(listener: NotifyListener, tmp_path: Path) -> None:
    env = dict(os.environ, NOTIFY_SOCKET=str(listener.path), WATCHDOG_USEC="600000", BLOCK_S="2",
               KIVY_HOME=str(tmp_path / "kivy"), KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1",
               PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(HERE / "clock_pinger.py"), "15"], env=env, cwd=ROOT)
    try:
        ready = listener.wait_for("READY=1", 30)
        assert ready is not None, "no READY=1"
        _pings_stop_while_blocked(proc, listener, ready, interval=0.3, block=2.0)
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def xvfb() -> Iterator[str]:
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.fail("Xvfb is not installed (Debian package xvfb): the UI test needs a virtual display")
    read, write = os.pipe()
    proc = subprocess.Popen([binary, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=[write], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        if not ready:
            pytest.fail("Xvfb did not start within 30 s")
        display = os.read(read, 32).decode().strip()
        if not display:
            pytest.fail("Xvfb did not report a display number")
        yield f":{display}"
    finally:
        os.close(read)
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.ui
def test_kiosk_ui_notifies_ready_and_pings_the_watchdog_from_its_loop(listener: NotifyListener, xvfb: str,
                                                                     tmp_path: Path) -> None:
    """Needs the touch UI. Runs `kiosk --demo --windowed --state DIR` (kiosk.main.main)
    under Xvfb with a notify socket and a 2 s watchdog, like systemd would."""
    if importlib.util.find_spec("kiosk.main") is None:
        pytest.fail("the touch UI (kiosk/main.py, the `kiosk` program) is not in this tree yet. This test runs "
                    "`kiosk --demo --windowed --state DIR` under Xvfb and checks READY=1 and the watchdog "
                    "pings from the UI loop; it must pass once the UI is merged.")
    log = tmp_path / "kiosk.log"
    env = dict(os.environ, DISPLAY=xvfb, NOTIFY_SOCKET=str(listener.path), WATCHDOG_USEC="2000000",
               KIOSK_TEST_BLOCK_S="5", KIVY_HOME=str(tmp_path / "kivy"), KIVY_NO_FILELOG="1",
               KIVY_NO_ARGS="1", PYTHONPATH=str(ROOT))
    env.pop("WATCHDOG_PID", None)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, str(HERE / "kiosk_blockable.py"), "--demo", "--windowed",
                                 "--state", str(tmp_path / "state")], env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        ready = listener.wait_for("READY=1", 120)
        assert ready is not None, f"no READY=1 within 120 s\n{log.read_text(errors='replace')[-3000:]}"
        _pings_stop_while_blocked(proc, listener, ready, interval=1.0, block=5.0, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
