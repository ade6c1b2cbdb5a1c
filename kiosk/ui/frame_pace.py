"""The main loop's pace while the screen is at rest.

Kivy's clock wakes ``maxfps`` (60) times a second to poll input and run its events,
whether or not anything on the screen changes: measured with the selling screen idle,
3-4 % of one core here, 10-15 % of a Raspberry Pi's (issue 18, ``idle_cpu_pct``),
spent on nothing, all day. After ``rest_after_s`` without a touch, a key or a drawn
frame the loop wakes ``rest_fps`` times a second instead; the next touch, key or drawn
frame (a scale reading shown, a blinking mark) brings it back to full pace at once.
Kivy's loop turns about 1.35 times ``maxfps`` times a second (its wait ends early by
design): 60 -> ~80 turns, 15 -> ~20; a bare Kivy window here: 3.0 % -> 0.8 % of a core.

What resting costs: the first touch, key or scan after a rest is read up to ~50 ms
later; everything after it at the full pace.

Kivy has no public setting for the pace of a running clock: the clock's ``_max_fps``
(read by every wait of its loop) is what ``[graphics] maxfps`` sets at start-up.
tests/ui/test_frame_pace.py checks that it still paces the loop."""

from __future__ import annotations

import time

REST_FPS = 15.0
REST_AFTER_S = 3.0
CHECK_S = 1.0
WAKING_EVENTS = ("on_motion", "on_key_down", "on_textinput", "on_flip")


class FramePace:
    def __init__(self, clock, window, *, rest_fps: float = REST_FPS,  # noqa: ANN001
                 rest_after_s: float = REST_AFTER_S):
        self.clock = clock
        self.window = window
        self.full_fps = clock._max_fps  # 0: unpaced ([graphics] maxfps = 0), then never rests
        self.rest_fps = rest_fps
        self.rest_after_s = rest_after_s
        self.resting = False
        self._last = time.monotonic()
        self._check = None

    def start(self) -> FramePace:
        self.window.fbind("on_motion", self.wake)
        self.window.fbind("on_key_down", self.wake)
        self.window.fbind("on_textinput", self.wake)
        self.window.fbind("on_flip", self.wake)
        self._check = self.clock.schedule_interval(self._maybe_rest, CHECK_S)
        return self

    def stop(self) -> None:
        for name in WAKING_EVENTS:
            self.window.funbind(name, self.wake)
        if self._check is not None:
            self._check.cancel()
            self._check = None
        self.wake()

    def wake(self, *_args) -> bool:
        """Something happened: full pace (never stops the event: returns False)."""
        self._last = time.monotonic()
        if self.resting:
            self.resting = False
            self.clock._max_fps = self.full_fps
        return False

    def _maybe_rest(self, _dt: float) -> None:
        quiet = time.monotonic() - self._last >= self.rest_after_s
        if quiet and not self.resting and 0 < self.rest_fps < self.full_fps:
            self.resting = True
            self.clock._max_fps = self.rest_fps
