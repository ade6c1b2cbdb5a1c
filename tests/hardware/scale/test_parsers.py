"""Frame parsers of the six scale protocols, fed byte by byte with the frames from the
protocol reference, garbage and frames cut in the middle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.scale import adam, cas, epelsa, magellan, mtsics, toledo8217
from hardware.scale.protocol import DecoderOptions
from hardware.scale.protocols import PROTOCOLS
from hardware.scale.reading import (
    EchoMode,
    NoChange,
    Noise,
    Reply,
    ScaleReading,
    ScaleState,
    ScanCode,
    WeightUnit,
    to_grams,
)
from kiosk.core.barcodes import Symbology


def feed_bytewise(decoder, data: bytes) -> list:
    events = []
    for i in range(len(data)):
        events += decoder.feed(data[i:i + 1])
    return events


def meaningful(events: list) -> list:
    """Events without noise and without timestamps getting in the way of comparison."""
    return [e for e in events if not isinstance(e, Noise)]


def readings(events: list) -> list[ScaleReading]:
    return [e for e in events if isinstance(e, ScaleReading)]


# --- unit conversion ------------------------------------------------------------------

def test_pounds_and_kilos_become_whole_grams_with_the_exact_factor():
    assert to_grams("1", WeightUnit.LB) == 454  # 453.59237 g, half-up
    assert to_grams("2.72", WeightUnit.LB) == 1234  # 1233.77 g
    assert to_grams("0.01", WeightUnit.LB) == 5  # 4.536 g
    assert to_grams("1.234", WeightUnit.KG) == 1234
    assert to_grams("-0.450", WeightUnit.KG) == -450
    assert to_grams("100.5", WeightUnit.G) == 101
    with pytest.raises(ValueError):
        to_grams("1.2.3", WeightUnit.KG)


# --- Mettler-Toledo 8217 ----------------------------------------------------------------

def test_toledo_weight_frames_byte_by_byte_kg_lb_and_net():
    events = feed_bytewise(toledo8217.Decoder(), b"\x0201.234\r\x0201.23\r\x02001.23\r\x0201.234N\r")
    r = readings(events)
    assert [(x.net_g, x.unit, x.net_mode, x.state) for x in r] == [
        (1234, WeightUnit.KG, False, ScaleState.STABLE),
        (558, WeightUnit.LB, False, ScaleState.STABLE),  # 1.23 lb = 557.9 g
        (558, WeightUnit.LB, False, ScaleState.STABLE),
        (1234, WeightUnit.KG, True, ScaleState.STABLE),
    ]


def test_toledo_unit_can_be_forced_when_the_decimals_mislead():
    [r] = readings(toledo8217.Decoder(DecoderOptions(unit="kg")).feed(b"\x0201.23\r"))
    assert (r.net_g, r.unit) == (1230, WeightUnit.KG)


@pytest.mark.parametrize(("status", "expected"), [
    (b"A", ScaleState.MOTION), (b"B", ScaleState.OVER_CAPACITY), (b"D", ScaleState.UNDER_ZERO),
    (b"C", ScaleState.OVER_CAPACITY),  # motion + over capacity: the worse one is shown
])
def test_toledo_status_frames_give_a_state_without_a_number(status, expected):
    [r] = toledo8217.Decoder().feed(b"\x02?" + status + b"\r")
    assert r.state is expected and not r.weight_known


def test_toledo_flag_free_status_means_no_change_and_carries_net_mode():
    assert toledo8217.Decoder().feed(b"\x02?@\r") == [NoChange(net_mode=False, flags=0)]
    [ev] = toledo8217.Decoder().feed(b"\x02?p\r")  # 0x70: net + centre of zero
    assert isinstance(ev, NoChange) and ev.net_mode and ev.flags & toledo8217.CENTRE_OF_ZERO


def test_toledo_echo_mode_is_noticed():
    events = toledo8217.Decoder().feed(b"\x02E\r")
    assert events == [EchoMode(True)]
    events = toledo8217.Decoder().feed(b"W")  # our own request came back
    assert EchoMode(True) in events
    assert toledo8217.Decoder().feed(b"\x02F\r") == [EchoMode(False)]


def test_toledo_cut_frame_is_dropped_and_the_next_one_read():
    events = feed_bytewise(toledo8217.Decoder(), b"\x0201.2" + b"\x0202.500\r")
    assert [x.net_g for x in readings(events)] == [2500]
    assert sum(e.size for e in events if isinstance(e, Noise)) > 0


def test_toledo_garbage_and_bad_status_bytes_are_noise():
    events = toledo8217.Decoder().feed(b"\xff\x13zz\x02?\x05\r\x02abc\r\x021.2.3\r")
    assert meaningful(events) == []


def test_toledo_reply_verdicts():
    tare_ok = toledo8217.reply_for("tare", NoChange(net_mode=True))
    tare_refused = toledo8217.reply_for("tare", NoChange(net_mode=False))
    moving = toledo8217.reply_for("zero", ScaleReading.without_weight(ScaleState.MOTION))
    zero_out = toledo8217.reply_for("zero", NoChange(flags=toledo8217.OUTSIDE_ZERO_RANGE))
    assert tare_ok.ok and not tare_refused.ok and not moving.ok and not zero_out.ok
    assert toledo8217.reply_for("tare", ScaleReading.weighed(10, WeightUnit.KG)) is None


# --- MT-SICS ----------------------------------------------------------------------------

def test_mtsics_answers_byte_by_byte():
    data = (b"S S     100.00 g\r\nS D      1.5 kg\r\nS S   -0.25 lb\r\nS I\r\nS +\r\nS -\r\n"
            b"T S      45.00 g\r\nZ A\r\nTAC A\r\nZ I\r\nES\r\nI4 A \"123\"\r\n")
    events = meaningful(feed_bytewise(mtsics.Decoder(), data))
    r = readings(events)
    assert [(x.state, x.net_g if x.weight_known else None) for x in r] == [
        (ScaleState.STABLE, 100), (ScaleState.MOTION, 1500), (ScaleState.UNDER_ZERO, -113),
        (ScaleState.MOTION, None), (ScaleState.OVER_CAPACITY, None), (ScaleState.UNDER_ZERO, None),
        (ScaleState.ERROR, None),
    ]
    replies = [e for e in events if isinstance(e, Reply)]
    assert replies == [Reply("tare", True, 45), Reply("zero", True), Reply("clear_tare", True),
                       Reply("zero", False, why="the balance is busy or not stable")]


def test_mtsics_padding_varies_and_lf_alone_ends_a_line():
    [r] = mtsics.Decoder().feed(b"S S 100.00 g\n")
    assert r.net_g == 100


def test_mtsics_unknown_unit_is_an_error_not_a_weight():
    [r] = mtsics.Decoder().feed(b"S S     3.50 oz\r\n")
    assert r.state is ScaleState.ERROR and "unit" in r.error


def test_mtsics_cut_line_glued_to_the_next_is_dropped():
    events = mtsics.Decoder().feed(b"S S     10" + b"S S     100.00 g\r\n")
    assert readings(events) == [] and isinstance(events[0], Noise)


# --- CAS ECR type 2 ---------------------------------------------------------------------

def test_cas_five_digits_with_configurable_decimals():
    [r] = readings(feed_bytewise(cas.Decoder(), b"\x0201450\r"))
    assert (r.net_g, r.unit, r.state) == (1450, WeightUnit.KG, ScaleState.STABLE)
    [r] = cas.Decoder(DecoderOptions(cas_decimals=2)).feed(b"\x0201450\r")
    assert r.net_g == 14500


def test_cas_literal_decimal_point_and_no_valid_weight():
    [r] = cas.Decoder().feed(b"\x021.450\r")
    assert r.net_g == 1450
    [r] = cas.Decoder().feed(b"\x02?\r")
    assert r.state is ScaleState.MOTION and not r.weight_known
    [r] = cas.Decoder().feed(b"\x02?B\r")
    assert r.state is ScaleState.OVER_CAPACITY


def test_cas_other_bytes_clear_the_frame():
    assert meaningful(cas.Decoder().feed(b"\x0201x50\r")) == []


# --- Magellan ---------------------------------------------------------------------------

def test_magellan_monitor_and_weight_answers():
    data = b"S140\rS141\rS142\rS143\rS1440123\rS14401234\rS145\rS1101234\r"
    r = readings(feed_bytewise(magellan.Decoder(), data))
    assert [x.state for x in r] == [ScaleState.ERROR, ScaleState.MOTION, ScaleState.OVER_CAPACITY,
                                    ScaleState.STABLE, ScaleState.STABLE, ScaleState.STABLE,
                                    ScaleState.UNDER_ZERO, ScaleState.STABLE]
    assert (r[3].net_g, r[3].unit) == (0, None)
    assert (r[4].net_g, r[4].unit) == (558, WeightUnit.LB)  # 1.23 lb
    assert (r[5].net_g, r[5].unit) == (1234, WeightUnit.KG)
    assert r[7].net_g == 1234


@pytest.mark.parametrize(("frame", "code", "symbology"), [
    (b"S08A036000291452", "036000291452", Symbology.UPCA),
    (b"S08A7709990000017", "7709990000017", Symbology.EAN13),
    (b"S08F96385074", "96385074", Symbology.EAN8),
    (b"S08FF96385074", "96385074", Symbology.EAN8),
    (b"S08F7709990000017", "7709990000017", Symbology.EAN13),
    (b"S08E01234565", "01234565", Symbology.UPCE),
    (b"S08B1ABC-123", "ABC-123", Symbology.OTHER),
    (b"S08R0100012345678905", "0100012345678905", Symbology.OTHER),
])
def test_magellan_barcodes_on_the_scale_port(frame, code, symbology):
    [ev] = feed_bytewise(magellan.Decoder(), frame + b"\r")
    assert ev == ScanCode(code, symbology)


def test_magellan_garbage_is_noise():
    assert meaningful(magellan.Decoder().feed(b"S14x\rS08\rHELLO\rS1449\r")) == []


# --- Epelsa -----------------------------------------------------------------------------

def test_epelsa_stream_frames_byte_by_byte():
    data = b"\x02I  0.000\r\x03\x02A  1.234\r\x03\x02! -0.250\r\x03\x02A -0.450\r\x03"
    events = feed_bytewise(epelsa.Decoder(), data)
    assert not any(isinstance(e, Noise) for e in events)  # ETX after CR is expected
    r = readings(events)
    assert [(x.state, x.net_g) for x in r] == [
        (ScaleState.MOTION, 0), (ScaleState.STABLE, 1234), (ScaleState.MOTION, -250),
        (ScaleState.UNDER_ZERO, -450)]


def test_epelsa_cut_frame_is_dropped():
    events = epelsa.Decoder().feed(b"\x02A  1.2" + b"\x02A  2.000\r\x03")
    assert [x.net_g for x in readings(events)] == [2000]


# --- Adam -------------------------------------------------------------------------------

def test_adam_label_and_cpw_formats():
    data = b"  1.250kg\r\nG + 2.00 kg\r\nN + 0.50 kg\r\n -0.450kg\r\n  2.20lb\r\nT   0.045 kg\r\n"
    r = readings(feed_bytewise(adam.Decoder(), data))
    assert [(x.net_g, x.unit, x.net_mode, x.state) for x in r] == [
        (1250, WeightUnit.KG, False, ScaleState.STABLE),
        (2000, WeightUnit.KG, False, ScaleState.STABLE),
        (500, WeightUnit.KG, True, ScaleState.STABLE),
        (-450, WeightUnit.KG, False, ScaleState.UNDER_ZERO),
        (998, WeightUnit.LB, False, ScaleState.STABLE),
    ]


def test_adam_garbage_is_noise():
    assert meaningful(adam.Decoder().feed(b"hello\r\n1.2.3kg\r\n")) == []


# --- properties over every protocol ----------------------------------------------------------

SAMPLES = {
    "toledo8217": b"\x0201.234\r\x02?A\r\x0200.500N\r\x02?@\r",
    "mtsics": b"S S     100.00 g\r\nS D  1.5 kg\r\nT S 45.0 g\r\nS +\r\n",
    "cas": b"\x0201450\r\x02?\r\x0200020\r",
    "magellan": b"S1440123\rS143\rS08A7709990000017\rS141\r",
    "epelsa": b"\x02A  1.234\r\x03\x02! -0.250\r\x03",
    "adam": b"  1.250kg\r\nG + 2.00 kg\r\n",
}


def _comparable(events: list) -> list:
    return [e.to_dict() if isinstance(e, ScaleReading) else e for e in meaningful(events)]


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(SAMPLES)), cuts=st.lists(st.integers(0, 60), max_size=8))
def test_how_bytes_are_chunked_never_changes_what_is_read(name, cuts):
    data = SAMPLES[name]
    whole = _comparable(PROTOCOLS[name].decoder(DecoderOptions()).feed(data))
    decoder = PROTOCOLS[name].decoder(DecoderOptions())
    events, last = [], 0
    for cut in sorted({min(c, len(data)) for c in cuts}) + [len(data)]:
        events += decoder.feed(data[last:cut])
        last = cut
    assert _comparable(events) == whole and whole


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(sorted(SAMPLES)), junk=st.binary(max_size=80))
def test_arbitrary_bytes_never_crash_a_decoder_and_a_good_frame_still_reads_after(name, junk):
    decoder = PROTOCOLS[name].decoder(DecoderOptions())
    decoder.feed(junk)
    # A line end / STX resynchronises every protocol; the sample's frames read the same.
    decoder.feed(b"\r\n")
    events = _comparable(decoder.feed(SAMPLES[name]))
    expected = _comparable(PROTOCOLS[name].decoder(DecoderOptions()).feed(SAMPLES[name]))
    assert events == expected
