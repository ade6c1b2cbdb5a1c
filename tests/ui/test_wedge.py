"""The keyboard-wedge detector alone (pure Python, no display)."""

from __future__ import annotations

import subprocess
import sys

from kiosk.ui.wedge import WedgeDetector


class Recorder:
    def __init__(self) -> None:
        self.scans: list[str] = []
        self.typed: list[str] = []
        self.enters = 0

    def detector(self, **kwargs) -> WedgeDetector:  # noqa: ANN003
        return WedgeDetector(self.scans.append, self.typed.append, self._enter, **kwargs)

    def _enter(self) -> None:
        self.enters += 1


def type_at(det: WedgeDetector, text: str, start: float, gap: float) -> float:
    t = start
    for ch in text:
        det.char(ch, t)
        t += gap
    return t


def test_fast_burst_ending_in_enter_is_a_scan() -> None:
    r = Recorder()
    det = r.detector()
    t = type_at(det, "7709990000429", 10.0, 0.004)
    assert det.terminator(t) is True
    assert r.scans == ["7709990000429"]
    assert r.typed == [] and r.enters == 0
    assert not det.pending


def test_tab_terminator_and_serial_feed() -> None:
    r = Recorder()
    det = r.detector(clock=lambda: 5.0)
    det.feed("ABC-123\tXYZ9\r")
    assert r.scans == ["ABC-123", "XYZ9"]


def test_person_typing_slowly_goes_to_typed_text_not_a_scan() -> None:
    r = Recorder()
    det = r.detector()
    t = type_at(det, "jabon", 1.0, 0.2)  # 200 ms between keys
    det.poll(t + 0.2)
    assert "".join(r.typed) == "jabon"
    assert r.scans == []


def test_slow_enter_after_a_burst_is_an_enter_key() -> None:
    r = Recorder()
    det = r.detector()
    t = type_at(det, "12345678", 1.0, 0.005)
    assert det.terminator(t + 0.5) is False
    assert r.scans == [] and r.typed == ["12345678"] and r.enters == 1


def test_short_burst_is_not_a_scan() -> None:
    r = Recorder()
    det = r.detector(min_length=4)
    t = type_at(det, "12", 1.0, 0.005)
    assert det.terminator(t) is False
    assert r.typed == ["12"] and r.enters == 1


def test_pause_inside_a_burst_releases_the_first_part_as_typing() -> None:
    r = Recorder()
    det = r.detector()
    t = type_at(det, "ab", 1.0, 0.005)
    t = type_at(det, "CDEFGH", t + 0.3, 0.005)
    assert det.terminator(t) is True
    assert r.typed == ["ab"]
    assert r.scans == ["CDEFGH"]


def test_poll_keeps_a_burst_in_progress() -> None:
    r = Recorder()
    det = r.detector()
    t = type_at(det, "7701", 1.0, 0.005)
    det.poll(t + 0.01)
    assert det.pending and r.typed == []


def test_detector_imports_no_kivy() -> None:
    code = "import sys, kiosk.ui.wedge; assert not [m for m in sys.modules if m.startswith('kivy')]"
    subprocess.run([sys.executable, "-c", code], check=True)


KNOWN_CODES = ("ABC-123", "7709990000429")


def could_be_code(text: str) -> bool:  # as CatalogService.could_start_code answers it
    return text.isdigit() or any(code.startswith(text.upper()) for code in KNOWN_CODES)


def test_typing_no_code_starts_with_is_handed_on_at_once() -> None:
    """A search is not held back the scanner's gap, letter by letter: "j" starts no code,
    so each key goes on as it comes, with no poll in between."""
    r = Recorder()
    det = r.detector(could_be_code=could_be_code)
    type_at(det, "jabon", 1.0, 0.2)
    assert r.typed == list("jabon") and not det.pending
    assert det.terminator(3.0) is False and r.enters == 1 and r.scans == []


def test_the_start_of_a_known_code_or_digits_is_still_held_back() -> None:
    r = Recorder()
    det = r.detector(could_be_code=could_be_code)
    t = type_at(det, "ab", 1.0, 0.005)  # "AB..." may be the scanner sending ABC-123
    assert r.typed == [] and det.pending
    assert det.terminator(type_at(det, "C-123", t, 0.005)) is True and r.scans == ["abC-123"]
    t = type_at(det, "770999", 2.0, 0.005)
    assert r.typed == [] and det.pending
    det.poll(t + 0.2)
    assert r.typed == ["770999"]


def test_an_unknown_code_handed_on_as_typing_is_taken_back_as_a_scan() -> None:
    """A code no product has ("XQ-9") arrives as fast as a scanner types: it went to the
    search box as it came, and the terminator takes it back and reads it as a scan."""
    r = Recorder()
    retracted: list[str] = []
    det = r.detector(could_be_code=could_be_code, on_retract=retracted.append)
    t = type_at(det, "XQ-9", 1.0, 0.004)
    assert r.typed == list("XQ-9")
    assert det.terminator(t) is True
    assert retracted == ["XQ-9"] and r.scans == ["XQ-9"] and r.enters == 0


def test_a_person_typing_then_enter_is_never_taken_back() -> None:
    r = Recorder()
    retracted: list[str] = []
    det = r.detector(could_be_code=could_be_code, on_retract=retracted.append)
    t = type_at(det, "gel", 1.0, 0.004)
    t = type_at(det, "es", t + 0.4, 0.004)  # a pause: a person, however fast the rest
    assert det.terminator(t) is False
    assert retracted == [] and r.scans == [] and r.enters == 1 and "".join(r.typed) == "geles"
