"""The touchscreen reader comes back: Kivy's own hidinput provider (real class, real
thread) started on a device node that is not there yet dies at once; the watch
notices, reports it (registry row, systemd status), and starts it again when the
node appears. The appliance does not add a mouse provider next to the touchscreen
under KMS/DRM (each touch would arrive twice). Real touches after a replug need a
touchscreen: checked on a Pi (docs/technician.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.ui.touch_watch import TouchWatch

ROOT = Path(__file__).resolve().parents[2]


def _hidinput(path: Path):  # noqa: ANN202
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.input.providers.hidinput import HIDInputMotionEventProvider

    return HIDInputMotionEventProvider("hidinput", str(path))


def _wait_dead(provider, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while provider.thread.is_alive():
        assert time.monotonic() < deadline, "the reader thread did not stop"
        time.sleep(0.02)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_missing_touchscreen_is_noticed_and_reopened_when_it_appears(tmp_path: Path) -> None:
    node = tmp_path / "kiosk-touch"
    provider = _hidinput(node)
    provider.start()  # what Kivy does at start-up: the node is not there, the thread dies
    _wait_dead(provider)
    reports = []
    now = {"t": 100.0}
    watch = TouchWatch(lambda: [provider, object()], reports.append, clock=lambda: now["t"])

    watch.check()
    assert [(r.ok, r.problem) for r in reports] == [(False, "missing")]
    first_thread = provider.thread
    watch.check()  # still missing: nothing restarted, nothing reported again
    assert provider.thread is first_thread and len(reports) == 1

    node.write_bytes(b"")  # a node appears (here not an input device: the reader dies again)
    watch.check()
    assert provider.thread is not first_thread, "the reader was not started again"
    assert reports[-1].problem == "unreadable" and watch.states[str(node)].reopened == 1
    _wait_dead(provider)
    again = provider.thread
    watch.check()  # too soon: it waits before trying again
    assert provider.thread is again
    now["t"] += 60
    watch.check()
    assert provider.thread is not again and watch.states[str(node)].reopened == 2
    _wait_dead(provider)


def test_a_reader_that_runs_is_reported_ok(tmp_path: Path) -> None:
    import threading

    provider = _hidinput(tmp_path / "kiosk-touch")
    stop = threading.Event()
    provider.thread = threading.Thread(target=stop.wait, daemon=True)  # a reader reading
    provider.thread.start()
    reports = []
    try:
        TouchWatch(lambda: [provider], reports.append).check()
    finally:
        stop.set()
    assert [(r.ok, r.problem) for r in reports] == [(True, "")]


def _input_section(env: dict[str, str], tmp_path: Path) -> str:
    code = ("import sys; from kiosk.main import parse_args, resolve_settings, configure_kivy\n"
            "s = resolve_settings(parse_args(['--state', sys.argv[1]]))\n"
            "configure_kivy(s)\n"
            "from kivy.config import Config\n"
            "print(sorted(Config.options('input')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "state")], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_no_mouse_provider_next_to_the_touchscreen_under_kms(tmp_path: Path) -> None:
    home = tmp_path / "kivy"
    home.mkdir()
    (home / "config.ini").write_text("[input]\ntouchscreen = hidinput,/dev/kiosk-touch\nmouse = mouse\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "KCFG_", "SDL_"))}
    base.update(PYTHONPATH=str(ROOT), KIVY_HOME=str(home), KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1",
                KIVY_NO_CONSOLELOG="1", HOME=str(tmp_path))
    kms = _input_section(dict(base, SDL_VIDEODRIVER="kmsdrm"), tmp_path)
    assert "touchscreen" in kms and "mouse" not in kms
    desktop = _input_section(base, tmp_path)
    assert "mouse" in desktop  # development in a window: the mouse is the pointer
