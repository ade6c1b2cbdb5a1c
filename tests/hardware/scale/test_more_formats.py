"""The streaming formats shops have (CAS 22-byte, generic "ST,GS" indicators,
Mettler-Toledo continuous with and without checksum), 8217 frames padded with spaces,
and the scale's own error reasons: pure parsers fed byte by byte with garbage and cut
frames, then the adapter over a real pseudo-terminal against each byte-exact
simulator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.registry import Registry
from hardware.scale import cas22, stgs, toledo8217, toledo_cont
from hardware.scale.errors import ScaleFault
from hardware.scale.factory import ScaleRig
from hardware.scale.protocol import DecoderOptions
from hardware.scale.protocols import PROTOCOLS
from hardware.scale.reading import Noise, ScaleReading, ScaleState, WeightUnit
from tests.hardware.scale.helpers import wait_for

WAIT = 20.0  # generous: the reader thread shares a loaded machine


def bytewise(protocol: str, data: bytes) -> list:
    decoder = PROTOCOLS[protocol].decoder(DecoderOptions())
    events = []
    for i in range(len(data)):
        events += decoder.feed(data[i:i + 1])
    return events


def weights(events: list) -> list[tuple]:
    return [(e.state, e.net_g, e.unit, e.net_mode) for e in events if isinstance(e, ScaleReading)]


# --- CAS 22-byte -------------------------------------------------------------------------

def test_cas22_frames_from_the_manual() -> None:
    stable = b"ST,GS,1\xc4,000013.5 kg\r\n"
    assert len(stable) == 22
    moving_net = b"US,NT,1\x82,-000.250 kg\r\n"
    over = b"OL,GS,1\x84,         kg\r\n"
    events = bytewise("cas22", stable + moving_net + over)
    assert weights(events) == [(ScaleState.STABLE, 13500, WeightUnit.KG, False),
                               (ScaleState.MOTION, -250, WeightUnit.KG, True),
                               (ScaleState.OVER_CAPACITY, 0, WeightUnit.KG, False)]


def test_cas22_garbage_and_cut_frames_are_noise() -> None:
    good = cas22.frame_for("0001.234")
    cut = good[:12]
    events = bytewise("cas22", b"\xff\x13junk" + cut + b"\r\n" + good + b"ST,GS,1\xc4;0001.234 kg\r\n" + good)
    assert weights(events) == [(ScaleState.STABLE, 1234, WeightUnit.KG, False)] * 2
    assert any(isinstance(e, Noise) for e in events)


# --- generic ST,GS -------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    (b"ST,GS,+  1.234kg", (ScaleState.STABLE, 1234, WeightUnit.KG, False)),
    (b"ST,GS,+0001.234kg", (ScaleState.STABLE, 1234, WeightUnit.KG, False)),
    (b"US,NT,-0000.250 kg", (ScaleState.MOTION, -250, WeightUnit.KG, True)),
    (b"ST,NT,+0.876kg", (ScaleState.STABLE, 876, WeightUnit.KG, True)),
    (b"ST,GS, 12345  g", (ScaleState.STABLE, 12345, WeightUnit.G, False)),
    (b"ST,GS,+   2.50lb", (ScaleState.STABLE, 1134, WeightUnit.LB, False)),
    (b"OL,GS,+          ", (ScaleState.OVER_CAPACITY, 0, None, False)),
])
def test_stgs_lines(line: bytes, expected: tuple) -> None:
    assert weights(bytewise("stgs", line + b"\r\n")) == [expected]


def test_stgs_tare_lines_are_ignored_and_an_ounce_scale_is_an_error_naming_it() -> None:
    events = bytewise("stgs", b"ST,TR,+  0.100kg\r\n" + b"ST,GS,+  1.50 oz\r\n")
    errors = [e for e in events if isinstance(e, ScaleReading)]
    assert len(errors) == 1 and errors[0].state is ScaleState.ERROR
    assert "oz" in errors[0].error_message("en") and "g, kg or lb" in errors[0].error_message("en")


def test_stgs_garbage_and_cut_lines_never_read_as_weights() -> None:
    events = bytewise("stgs", b"ST,GS,+  1.2" + b"\x88\xff" + b"ST,GS,+  1.234kg\r\n" + b"ST,XX,+ 9kg\r\n")
    assert weights(events) == [(ScaleState.STABLE, 1234, WeightUnit.KG, False)]


# --- Mettler-Toledo continuous -------------------------------------------------------------------

def test_toledo_continuous_status_words_and_checksum() -> None:
    frame = toledo_cont.build_frame(1234, decimals=3)
    assert len(frame) == 18 and frame[0] == 0x02 and frame[16] == 0x0D
    assert (sum(frame[:17]) + frame[17]) & 0x7F == 0  # the manual's rule
    net_lb = toledo_cont.build_frame(250, decimals=2, kg=False, net=True, tare_digits=15)
    moving = toledo_cont.build_frame(500, decimals=1, motion=True)
    events = bytewise("toledo_cont", frame + net_lb + moving)
    assert weights(events) == [(ScaleState.STABLE, 1234, WeightUnit.KG, False),
                               (ScaleState.STABLE, 1134, WeightUnit.LB, True),
                               (ScaleState.MOTION, 50000, WeightUnit.KG, False)]


def test_toledo_continuous_without_checksum_is_read_at_the_next_frame() -> None:
    frames = b"".join(toledo_cont.build_frame(n, with_checksum=False) for n in (100, 200, 300))
    assert [w[1] for w in weights(bytewise("toledo_cont", frames))] == [100, 200]  # the last one waits


def test_toledo_continuous_damaged_frames_are_dropped() -> None:
    good = toledo_cont.build_frame(1234)
    bad_sum = good[:-1] + bytes([(good[-1] + 1) & 0x7F])
    flipped = good[:5] + b"9" + good[6:]  # one digit changed on the line: the checksum catches it
    events = bytewise("toledo_cont", bad_sum + flipped + good[:9] + good + good)
    assert weights(events) == [(ScaleState.STABLE, 1234, WeightUnit.KG, False)] * 2


def test_toledo_continuous_range_and_power_up() -> None:
    over = toledo_cont.build_frame(0, out_of_range=True)
    under = toledo_cont.build_frame(0, out_of_range=True, negative=True)
    power = toledo_cont.build_frame(0, power_up=True)
    events = [e for e in bytewise("toledo_cont", over + under + power) if isinstance(e, ScaleReading)]
    assert [e.state for e in events] == [ScaleState.OVER_CAPACITY, ScaleState.UNDER_ZERO, ScaleState.ERROR]
    assert "not zeroed" in events[2].error_message("en")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=80))
def test_no_stream_format_reads_random_bytes_as_a_stable_weight(data: bytes) -> None:
    for protocol in ("cas22", "stgs", "toledo_cont"):
        for e in bytewise(protocol, data):
            assert not (isinstance(e, ScaleReading) and e.stable and e.weight_known and e.net_g), (protocol, data)


# --- 8217 padded with spaces -------------------------------------------------------------------

@pytest.mark.parametrize("frame, grams, unit", [
    (b" 1.234", 1234, WeightUnit.KG), (b"  0.50", 227, WeightUnit.LB), (b" 12.345N", 12345, WeightUnit.KG),
])
def test_8217_frames_with_leading_spaces(frame: bytes, grams: int, unit: WeightUnit) -> None:
    events = bytewise("toledo8217", b"\x02" + frame + b"\r")
    assert [(e.net_g, e.unit) for e in events if isinstance(e, ScaleReading)] == [(grams, unit)]
    assert isinstance(toledo8217.parse_frame(b"    1.234"), Noise)  # wider than the field


# --- over a pseudo-terminal ----------------------------------------------------------------------

@pytest.mark.parametrize("protocol, options", [
    ("cas22", {}), ("stgs", {}), ("toledo_cont", {}), ("toledo_cont", {"checksum": False}),
    ("toledo8217", {"spaces": True}),
])
def test_each_new_format_is_read_and_sold_over_a_pty(make_sim, make_adapter, protocol, options) -> None:
    sim = make_sim(protocol, weight_g=1234, **options)
    adapter = make_adapter(protocol, sim.path)
    wait_for(lambda: (r := adapter.latest()).stable and r.net_g == 1234, WAIT, "stable 1234 g")
    assert adapter.weigh_for_sale().net_g == 1234
    sim.set_motion(True)
    sim.set_weight(2000)
    wait_for(lambda: adapter.latest().state is ScaleState.MOTION, WAIT, "motion")
    sim.set_motion(False)
    wait_for(lambda: (r := adapter.latest()).stable and r.net_g == 2000, WAIT, "stable 2000 g")


@pytest.mark.parametrize("protocol, options, reason", [
    ("mtsics", {"error": "EL"}, "the balance cannot do that now"),
    ("mtsics", {"error": "ES"}, "the balance did not understand the command"),
    ("stgs", {"stgs_unit": "oz"}, "oz"),
    ("magellan", {"no_zero": True}, "the scale cannot find zero"),
])
def test_the_scales_own_error_reason_reaches_screen_json_and_hardware_screen(make_sim, make_adapter, protocol,
                                                                             options, reason) -> None:
    sim = make_sim(protocol, weight_g=500, **options)
    adapter = make_adapter(protocol, sim.path)
    registry = Registry()
    rig = ScaleRig(adapter, None, registry=registry)
    rig._report(adapter.latest())
    unsubscribe = adapter.subscribe(rig._report)
    try:
        reading = wait_for(lambda: (r := adapter.latest()).state is ScaleState.ERROR and r, WAIT, "error")
        assert reason in reading.error_message("en")
        assert reason in reading.to_dict()["error"]  # kiosk-admin scale read --json
        from hardware.scale.display import format_reading

        assert reason.split()[-1] in format_reading(reading) or reading.error_message() in format_reading(reading)
        with pytest.raises(ScaleFault) as exc:
            adapter.weigh_for_sale()
        assert reading.error_message() in exc.value.message()
        wait_for(lambda: reason in (registry.get("scale").last_error or ""), WAIT, "registry error")
        assert reason in adapter.state().last_error
    finally:
        unsubscribe()


def test_a_toledo_status_before_any_weight_is_not_stable(make_adapter, tmp_path) -> None:
    """A scale that answers "?@" (no flags) before it ever sent a weight: nothing is
    known to be on it, so it must not read as "stable"."""
    import os
    import threading
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    link = tmp_path / "tty-at"
    link.symlink_to(os.ttyname(slave))
    stop = threading.Event()

    def answer() -> None:
        import select

        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready and b"W" in os.read(master, 64):
                os.write(master, b"\x02?@\r")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        adapter = make_adapter("toledo8217", str(link))
        wait_for(lambda: adapter.latest().connected and adapter.latest().state is not ScaleState.DISCONNECTED,
                 WAIT, "an answer")
        import time

        time.sleep(0.3)
        reading = adapter.latest()
        assert reading.state is not ScaleState.STABLE and not reading.weight_known
    finally:
        stop.set()
        thread.join(2)
        os.close(master)
        os.close(slave)


def test_scale_simulate_and_read_know_the_new_formats() -> None:
    from kiosk.cli.main import build_parser

    parser = build_parser()
    for protocol in ("cas22", "stgs", "toledo_cont"):
        assert parser.parse_args(["scale", "simulate", "--protocol", protocol]).protocol == protocol
        assert parser.parse_args(["scale", "read", "--protocol", protocol, "--port", "/dev/null"]).protocol == protocol
