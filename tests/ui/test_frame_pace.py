"""The main loop slows down while nothing happens and is back at full pace with the
next key, touch or drawn frame (kiosk.ui.frame_pace; issue 18, idle_cpu_pct)."""

import time

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.tests.common import UnitTestTouch

from kiosk.ui.frame_pace import FramePace


def _loop_seconds(turns: int) -> float:
    t0 = time.monotonic()
    for _ in range(turns):
        EventLoop.idle()
    return time.monotonic() - t0


def test_the_loop_rests_when_nothing_happens_and_wakes_on_a_key_a_touch_or_a_frame(ui):
    full = Clock._max_fps
    pace = FramePace(Clock, ui.window, rest_after_s=0.3).start()
    try:
        assert 0 < pace.rest_fps < full and not pace.resting
        ui.until(lambda: pace.resting, what="the loop to rest")
        assert Clock._max_fps == pace.rest_fps
        # Kivy's clock honours it: twenty turns of its loop take most of twenty rest
        # periods (its wait ends a little early by design), well over twenty frames at
        # full pace; a lower bound: a loaded machine only makes them longer.
        assert _loop_seconds(20) >= 0.6 * 20 / pace.rest_fps > 20 / full

        ui.key("", keycode=304)  # shift: a key that types nothing on the lock screen
        assert not pace.resting and Clock._max_fps == full

        ui.until(lambda: pace.resting, what="the loop to rest again")
        touch = UnitTestTouch(5, 5)  # a corner of the lock screen: nothing there
        touch.touch_down()
        touch.touch_up()
        ui.until(lambda: not pace.resting, what="the touch to be read")
        assert Clock._max_fps == full

        ui.until(lambda: pace.resting, what="the loop to rest again")
        ui.window.canvas.ask_update()  # something on the screen changes: a frame is drawn
        ui.until(lambda: not pace.resting, what="the drawn frame to wake the loop")
        assert ui.current == "lock"  # neither the key nor the touch did anything else
    finally:
        pace.stop()
    assert Clock._max_fps == full and not pace.resting


def test_an_unpaced_loop_never_rests(ui):
    full = Clock._max_fps
    Clock._max_fps = 0  # [graphics] maxfps = 0: as fast as it can
    try:
        pace = FramePace(Clock, ui.window, rest_after_s=0.1).start()
        ui.wait(1.5)
        assert not pace.resting and Clock._max_fps == 0
        pace.stop()
    finally:
        Clock._max_fps = full
