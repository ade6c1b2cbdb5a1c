"""The adapter's rules over real pseudo-terminals: what may be sold, tares on the scale
itself, echo mode, barcodes on a scanner-scale's port, Adam's silence, units."""

from __future__ import annotations

import threading
import time

import pytest

from hardware.events import ScanEvent
from hardware.scale.adapter import ScaleAdapter
from hardware.scale.errors import (
    CommandNotSupported,
    InvalidTare,
    NothingWeighed,
    ReturnToZeroRequired,
    ScaleCommandFailed,
    ScaleDisconnected,
    TareNotPossible,
    WeightNotStable,
)
from hardware.scale.reading import ScaleState, WeightUnit
from hardware.scale.simulator import Fault
from kiosk.core.barcodes import Symbology
from tests.hardware.scale.helpers import wait_for


def stable_at(adapter, grams: int):
    return lambda: (r := adapter.latest()).state is ScaleState.STABLE and r.net_g == grams and r


def test_poll_interval_is_capped_at_200_ms():
    with pytest.raises(ValueError, match="at most 0.2 s"):
        ScaleAdapter("cas", "/dev/null", poll_s=0.5)
    with pytest.raises(ValueError, match="unknown scale protocol"):
        ScaleAdapter("ohaus", "/dev/null")


def test_nothing_on_the_scale_is_not_a_sale(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=0)
    adapter = make_adapter("toledo8217", sim.path)
    wait_for(stable_at(adapter, 0))
    with pytest.raises(NothingWeighed):
        adapter.weigh_for_sale()


def test_require_return_to_zero_between_weighings(make_sim, make_adapter):
    sim = make_sim("mtsics", weight_g=500)
    adapter = make_adapter("mtsics", sim.path, require_zero_between=True)
    wait_for(stable_at(adapter, 500))
    assert adapter.weigh_for_sale().net_g == 500
    with pytest.raises(ReturnToZeroRequired):
        adapter.weigh_for_sale()
    adapter.rearm()  # the line could not be added: the same goods may be weighed again
    assert adapter.weigh_for_sale().net_g == 500
    sim.set_weight(0)
    wait_for(stable_at(adapter, 0))
    sim.set_weight(500)  # the same weight again, after a return to zero
    wait_for(stable_at(adapter, 500))
    assert adapter.weigh_for_sale().net_g == 500


def test_same_weight_twice_without_the_legal_mode(make_sim, make_adapter):
    sim = make_sim("cas", weight_g=750)
    adapter = make_adapter("cas", sim.path)
    wait_for(stable_at(adapter, 750))
    assert [adapter.weigh_for_sale().net_g for _ in range(3)] == [750, 750, 750]


def test_a_lone_frame_is_not_stable_until_the_next_agrees(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=0)
    adapter = make_adapter("toledo8217", sim.path, poll_s=0.15)
    wait_for(stable_at(adapter, 0))
    seen = []
    adapter.subscribe(seen.append)
    sim.set_weight(400)
    wait_for(stable_at(adapter, 400))
    firsts = [r for r in seen if r.weight_known and r.net_g == 400]
    assert firsts[0].state is ScaleState.MOTION and firsts[-1].state is ScaleState.STABLE


def test_toledo_that_sends_a_weight_once_then_only_status(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=1200, send_once=True)
    adapter = make_adapter("toledo8217", sim.path)
    wait_for(stable_at(adapter, 1200))
    time.sleep(0.2)  # only "?@" frames now: the weight is kept
    assert adapter.latest().net_g == 1200 and adapter.weigh_for_sale().net_g == 1200
    assert sim.received.count(b"W") > 5


def test_toledo_hardware_tare_and_clear(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=45)
    adapter = make_adapter("toledo8217", sim.path, hardware_tare=True)
    wait_for(stable_at(adapter, 45))
    r = adapter.request_tare().result(2)
    assert (r.tare_g, r.net_g, r.net_mode) == (45, 0, True)
    assert sim.model.tare_g == 45
    sim.set_weight(1045)
    r = wait_for(stable_at(adapter, 1000), what="net frames with N")
    assert (r.gross_g, r.tare_g, r.net_mode) == (1045, 45, True)
    adapter.clear_tare().result(2)
    wait_for(stable_at(adapter, 1045))
    assert sim.model.tare_g == 0


def test_toledo_refuses_a_tare_on_an_empty_platter(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=0)
    adapter = make_adapter("toledo8217", sim.path, hardware_tare=True)
    wait_for(stable_at(adapter, 0))
    with pytest.raises(TareNotPossible):
        adapter.request_tare().result(2)


def test_toledo_zero_outside_range_fails_clearly(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=5000)
    adapter = make_adapter("toledo8217", sim.path)
    wait_for(stable_at(adapter, 5000))
    with pytest.raises(ScaleCommandFailed, match="fuera del rango de cero"):
        adapter.zero().result(2)


def test_tare_is_refused_while_moving_or_disconnected(make_sim, make_adapter):
    sim = make_sim("cas", weight_g=300)
    adapter = make_adapter("cas", sim.path)
    wait_for(stable_at(adapter, 300))
    sim.set_motion(True)
    wait_for(lambda: adapter.latest().state is ScaleState.MOTION)
    with pytest.raises(TareNotPossible):
        adapter.request_tare()
    sim.unplug()
    wait_for(lambda: adapter.latest().state is ScaleState.DISCONNECTED)
    with pytest.raises(ScaleDisconnected):
        adapter.request_tare()
    with pytest.raises(CommandNotSupported):
        adapter.zero()  # CAS has no zero command
    with pytest.raises(InvalidTare):
        adapter.tare_preset(0)


def test_mtsics_hardware_tare_takes_the_balance_value_and_zero(make_sim, make_adapter):
    sim = make_sim("mtsics", weight_g=60)
    adapter = make_adapter("mtsics", sim.path, hardware_tare=True)
    wait_for(stable_at(adapter, 60))
    r = adapter.request_tare().result(2)
    assert (r.tare_g, r.net_g) == (60, 0)
    sim.set_weight(560)
    r = wait_for(stable_at(adapter, 500))
    assert r.gross_g == 560
    adapter.clear_tare().result(2)
    wait_for(stable_at(adapter, 560))
    sim.set_weight(3)  # drift on an empty platter
    wait_for(stable_at(adapter, 3))
    adapter.zero().result(2)
    wait_for(stable_at(adapter, 0))


def test_adam_zero_is_sent_without_an_answer(make_sim, make_adapter):
    sim = make_sim("adam", weight_g=250)
    adapter = make_adapter("adam", sim.path)
    wait_for(stable_at(adapter, 250))
    adapter.zero().result(2)
    wait_for(lambda: b"Z\r\n" in sim.received)


def test_toledo_echo_mode_is_detected_and_left(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=900)
    sim.device.echo = True  # someone left the scale in echo mode
    adapter = make_adapter("toledo8217", sim.path)
    wait_for(stable_at(adapter, 900), what="weights after leaving echo mode")
    assert b"F" in sim.received and not sim.device.echo


def test_magellan_barcodes_reach_the_scan_callback_while_weighing(make_sim, make_adapter):
    sim = make_sim("magellan", weight_g=1234)
    scans: list[ScanEvent] = []
    threads = []

    def on_scan(event: ScanEvent) -> None:
        threads.append(threading.current_thread())
        scans.append(event)

    adapter = make_adapter("magellan", sim.path, on_scan=on_scan)
    wait_for(stable_at(adapter, 1234))
    sim.scan("7709990000017")
    sim.scan("96385074", "F")
    sim.scan("ABC-123", "B1")
    wait_for(lambda: len(scans) == 3, what="three scans")
    assert [(s.code, s.source, s.symbology) for s in scans] == [
        ("7709990000017", "magellan", Symbology.EAN13),
        ("96385074", "magellan", Symbology.EAN8),
        ("ABC-123", "magellan", Symbology.OTHER),
    ]
    assert threads[0] is not threading.main_thread()
    assert adapter.latest().net_g == 1234


def test_magellan_pounds(make_sim, make_adapter):
    sim = make_sim("magellan", weight_g=1000, unit="lb")
    adapter = make_adapter("magellan", sim.path)
    r = wait_for(stable_at(adapter, 998))  # 2.20 lb = 997.9 g
    assert r.unit is WeightUnit.LB


def test_toledo_pounds_are_converted_not_taken_for_kilos(make_sim, make_adapter):
    sim = make_sim("toledo8217", weight_g=2268, unit="lb")  # 5.00 lb
    adapter = make_adapter("toledo8217", sim.path)
    r = wait_for(stable_at(adapter, 2268))
    assert r.unit is WeightUnit.LB


def test_cas_decimal_placement_from_settings(make_sim, make_adapter):
    from hardware.scale.protocol import DecoderOptions

    sim = make_sim("cas", weight_g=12340, cas_decimals=2)
    adapter = make_adapter("cas", sim.path, options=DecoderOptions(cas_decimals=2))
    wait_for(stable_at(adapter, 12340))


def test_adam_holds_a_weight_then_takes_silence_as_empty(make_sim, make_adapter):
    sim = make_sim("adam", weight_g=800)
    adapter = make_adapter("adam", sim.path, hold_s=0.4)
    wait_for(stable_at(adapter, 800))
    assert adapter.weigh_for_sale().net_g == 800
    wait_for(lambda: sim.device.beeps > 0, what="asked again: it beeps and sends nothing")
    assert adapter.weigh_for_sale().net_g == 800  # same weight twice, held
    sim.set_weight(0)  # goods taken off: Adam never says so
    wait_for(stable_at(adapter, 0), what="silence taken as empty")
    with pytest.raises(NothingWeighed):
        adapter.weigh_for_sale()


def test_adam_empty_scale_at_start_reads_as_zero(make_sim, make_adapter):
    sim = make_sim("adam", weight_g=0)
    adapter = make_adapter("adam", sim.path)
    wait_for(stable_at(adapter, 0))
    assert sim.device.beeps > 0


def test_epelsa_initial_frames_are_not_a_confirmed_weight(make_sim, make_adapter):
    sim = make_sim("epelsa", weight_g=600, stream_interval_s=0.1)
    adapter = make_adapter("epelsa", sim.path)
    seen = []
    adapter.subscribe(seen.append)
    wait_for(stable_at(adapter, 600))
    assert seen[0].state is ScaleState.MOTION  # "I" frames first


def test_port_missing_at_start_is_disconnected_then_found(tmp_path, make_adapter, make_sim):
    link = tmp_path / "ttyUSB-late"
    adapter = make_adapter("cas", str(link))
    r = wait_for(lambda: (x := adapter.latest()).state is ScaleState.DISCONNECTED and "cannot open" in x.error
                 and x)
    assert "No such file" in r.error_message("en")
    with pytest.raises(ScaleDisconnected):
        adapter.weigh_for_sale()
    make_sim("cas", weight_g=100, link=link)
    wait_for(stable_at(adapter, 100), what="found once plugged")


@pytest.mark.parametrize("replug_before_noticed", [False, True])
def test_unplug_that_leaves_the_old_port_silent(make_sim, make_adapter, replug_before_noticed):
    sim = make_sim("cas", weight_g=420)
    adapter = make_adapter("cas", sim.path)
    wait_for(stable_at(adapter, 420))
    sim.unplug(quietly=True)  # the open port neither fails nor answers
    if replug_before_noticed:
        sim.replug()  # same path, new device; the adapter's old descriptor is dead
    else:
        wait_for(lambda: adapter.latest().state is ScaleState.DISCONNECTED, what="silence noticed")
        sim.replug()
    sim.set_weight(430)
    wait_for(stable_at(adapter, 430), timeout=3, what="the new device is read")


def test_state_for_the_hardware_registry(make_sim, make_adapter):
    sim = make_sim("mtsics", weight_g=100)
    adapter = make_adapter("mtsics", sim.path)
    wait_for(stable_at(adapter, 100))
    st = adapter.state()
    assert (st.device, st.protocol, st.port, st.connected) == ("scale", "mtsics", sim.path, True)
    sim.unplug()
    wait_for(lambda: not adapter.state().connected)
    st = adapter.state()
    assert st.last_event == "desconectado" and st.last_error
    sim.replug()
    wait_for(stable_at(adapter, 100), timeout=3, what="reconnected")
    assert adapter.state().last_event in ("conectado", "responde de nuevo")


def test_weights_after_silence_are_reported_as_an_event(make_sim, make_adapter):
    """The port stays open while the scale is silent: no "connected" on recovery,
    but the device list must not keep showing "disconnected" next to a live weight."""
    sim = make_sim("mtsics", weight_g=100)
    adapter = make_adapter("mtsics", sim.path)
    wait_for(stable_at(adapter, 100))
    sim.set_fault(Fault.SILENCE)
    wait_for(lambda: adapter.state().last_event == "desconectado", what="silence noticed")
    sim.set_fault(Fault.NONE)
    wait_for(stable_at(adapter, 100), what="answering again")
    assert adapter.state().last_event == "responde de nuevo" and adapter.state().connected


def test_subscribers_hear_changes_only_and_can_unsubscribe(make_sim, make_adapter):
    sim = make_sim("cas", weight_g=100)
    adapter = make_adapter("cas", sim.path)
    seen = []
    unsubscribe = adapter.subscribe(seen.append)
    wait_for(stable_at(adapter, 100))
    time.sleep(0.2)
    count = len(seen)
    assert count <= 4  # "not connected", motion (first frame), stable... not one per poll
    unsubscribe()
    sim.set_weight(200)
    wait_for(stable_at(adapter, 200))
    assert len(seen) == count


def test_weigh_for_sale_refuses_motion(make_sim, make_adapter):
    sim = make_sim("epelsa", weight_g=100)
    adapter = make_adapter("epelsa", sim.path)
    wait_for(stable_at(adapter, 100))
    sim.set_motion(True)
    wait_for(lambda: adapter.latest().state is ScaleState.MOTION)
    with pytest.raises(WeightNotStable):
        adapter.weigh_for_sale()
