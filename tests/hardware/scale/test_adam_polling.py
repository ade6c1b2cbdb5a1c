"""How an Adam scale is asked for its weight, per model family (docs/scales.md): the
AZextra and the CPWplus only on demand (while something wants a weight) with a pause
between requests, since the scale beeps at every request for a weight it already
sent; a model set to continuous output is never asked. The Adam simulator on a pty
counts the requests it receives.

No timing is asserted that load could break: request counts are compared with the
most the adapter may send in the time that really passed (each request at least
``request_gap_s`` after the previous one), which only gets easier when the machine
is slow."""

from __future__ import annotations

import time

from hardware.scale import adam
from hardware.scale.config import ScaleSettings
from hardware.scale.factory import ScaleRig, adapter_from_settings
from hardware.scale.reading import ScaleState
from kiosk.services.scale_desk import ScaleDeskService
from tests.hardware.scale.helpers import wait_for

WAIT = 10.0
GAP = 0.25


def stable_at(adapter, grams: int):  # noqa: ANN001, ANN201
    return lambda: (r := adapter.latest()).state is ScaleState.STABLE and r.net_g == grams and r


def cycles_pass(adapter, n: int) -> None:  # noqa: ANN001
    """Wait until the adapter's reader has run ``n`` more cycles."""
    target = adapter.cycles + n
    wait_for(lambda: adapter.cycles >= target, timeout=WAIT, what=f"{n} reader cycles")


def counts(sim) -> tuple[int, int]:  # noqa: ANN001
    with sim._lock:  # the simulator's thread updates both under this lock
        return sim.device.requests, sim.device.beeps


def test_an_azextra_is_asked_only_while_a_weight_is_wanted_and_with_a_pause(make_sim, make_adapter) -> None:
    sim = make_sim("adam", weight_g=1250)
    adapter = make_adapter("adam", sim.path, wanted=False, request_gap_s=GAP, hold_s=5.0)

    # Nothing needs a weight (no calculator open): the scale is not asked at all.
    cycles_pass(adapter, 20)
    assert counts(sim) == (0, 0) and adapter.requests == 0

    started = time.monotonic()
    release = adapter.want_weight()
    wait_for(stable_at(adapter, 1250), timeout=WAIT, what="1.25 kg read on demand")
    # The weight rests: wait for a few more requests (each one makes the scale beep).
    wait_for(lambda: counts(sim)[0] >= 5, timeout=WAIT * 2, what="five requests")
    now = time.monotonic()
    requests, beeps = counts(sim)
    # At most one request per GAP since the demand began (polled every poll_s it
    # would be ~6 a second in production, here ~30 a second).
    assert requests <= 1 + (now - started) / GAP
    assert beeps == requests - 1  # the first answered the weight; the scale beeped at the others
    assert adapter.latest().net_g == 1250

    # The calculator closes: no more requests.
    release()
    release()  # releasing twice is harmless
    cycles_pass(adapter, 3)  # a request decided before the release is counted by now
    sent = adapter.requests
    cycles_pass(adapter, 20)
    assert adapter.requests == sent and not adapter.wanted
    wait_for(lambda: counts(sim)[0] == sent, timeout=WAIT, what="the simulator saw every request sent")


def test_two_wanting_the_weight_share_the_requests(make_sim, make_adapter) -> None:
    sim = make_sim("adam", weight_g=700)
    adapter = make_adapter("adam", sim.path, wanted=False, request_gap_s=GAP, hold_s=5.0)
    started = time.monotonic()
    first, second = adapter.want_weight(), adapter.want_weight()
    wait_for(stable_at(adapter, 700), timeout=WAIT, what="700 g")
    wait_for(lambda: counts(sim)[0] >= 3, timeout=WAIT * 2, what="three requests")
    assert counts(sim)[0] <= 1 + (time.monotonic() - started) / GAP  # not twice as many
    first()
    assert adapter.wanted  # the other one still needs it
    second()
    assert not adapter.wanted


def test_a_cpwplus_is_asked_with_g_and_its_t_never_tares(make_sim, make_adapter) -> None:
    sim = make_sim("adam", weight_g=1250, adam_model="cpwplus")
    adapter = make_adapter(adam.CPWPLUS, sim.path, request_gap_s=GAP, hold_s=5.0)
    wait_for(stable_at(adapter, 1250), timeout=WAIT, what="1.25 kg from a CPWplus")
    assert b"G\r\n" in sim.received and b"P" not in sim.received
    assert not adam.CPWPLUS.has("tare") and not adam.CPWPLUS.has("zero")
    # Tare is done by the kiosk: the scale's own tare is untouched.
    adapter.request_tare().result(timeout=WAIT)
    wait_for(lambda: adapter.latest().tare_g == 1250 and adapter.latest().net_g == 0, timeout=WAIT, what="tared")
    assert sim.model.tare_g == 0 and b"T\r\n" not in sim.received


def test_a_scale_set_to_continuous_output_is_never_asked(make_sim, make_adapter) -> None:
    sim = make_sim("adam", weight_g=1250, adam_model="continuous")
    adapter = make_adapter(adam.CONTINUOUS, sim.path)  # wanted, yet nothing is sent
    wait_for(stable_at(adapter, 1250), timeout=WAIT, what="1.25 kg streamed")
    cycles_pass(adapter, 20)
    assert counts(sim)[0] == 0 and adapter.requests == 0 and sim.received == b""
    # Unlike on request, a continuous scale says when it is empty or moving.
    sim.set_weight(0)
    wait_for(stable_at(adapter, 0), timeout=WAIT, what="back to zero")
    sim.set_weight(900)
    sim.set_motion(True)
    wait_for(lambda: adapter.latest().state is ScaleState.MOTION, timeout=WAIT, what="motion")
    sim.set_motion(False)
    wait_for(stable_at(adapter, 900), timeout=WAIT, what="900 g settled")
    # Silence from a streaming scale means it is gone.
    sim.unplug()
    wait_for(lambda: adapter.latest().state is ScaleState.DISCONNECTED, timeout=WAIT, what="unplugged")


def test_the_model_family_comes_from_the_settings() -> None:
    for model, poll in (("azextra", b"P\r\n"), ("cpwplus", b"G\r\n"), ("continuous", None)):
        conf = ScaleSettings(protocol="adam", port="/dev/ttyUSB0", adam_model=model, request_ms=1500)
        adapter = adapter_from_settings(conf)
        assert adapter.protocol.name == "adam" and adapter.protocol.poll == poll
        assert adapter.on_demand is (model != "continuous") and adapter.request_gap_s == 1.5
        assert adapter.serial.baudrate == 4800


def test_the_scale_desk_wants_the_weight_only_while_asked(make_sim, make_adapter, demo_app) -> None:  # noqa: ANN001
    sim = make_sim("adam", weight_g=400)
    adapter = make_adapter("adam", sim.path, wanted=False, request_gap_s=GAP, hold_s=5.0)
    desk = ScaleDeskService(lambda: ScaleRig(adapter, sim), demo_app.counter)
    release = desk.want_weight()  # what the calculator's scale panel does when it opens
    wait_for(lambda: desk.latest().net_g == 400, timeout=WAIT, what="400 g")
    release()  # ... and when it closes
    assert not adapter.wanted
    assert ScaleDeskService(lambda: None, demo_app.counter).want_weight()() is None  # no scale: nothing to do


def test_label_printouts_give_the_weight_and_ignore_the_other_lines() -> None:
    data = (b"Date 12/09/2026\r\nTime 14:56:27\r\nGross Wt 1.234 kg\r\nUnit Wt. 123 g\r\nPCS 10 pcs\r\n\r\n"
            b"Net Wt. 0.500 kg\r\nNo. 5\r\nTotal 1.734 kg\r\n")
    events = adam.Decoder().feed(data)
    weights = [(e.net_g, e.net_mode) for e in events if hasattr(e, "net_g")]
    assert weights == [(1234, False), (500, True)]
    assert not [e for e in events if type(e).__name__ == "Noise"]
