"""The scale desk service (kiosk/services/scale_desk.py): what the calculator's scale
panel asks of the scale, with a real 8217 simulator on a pty behind a real adapter,
and the counter of a migrated demo database. The panel itself only calls this service."""

from __future__ import annotations

import pytest

from hardware.scale.config import TarePreset
from hardware.scale.factory import ScaleRig
from kiosk.core.cart import LineEntry
from kiosk.core.errors import DomainError
from kiosk.core.scale import ScaleState
from kiosk.services.scale_desk import NoScale, NotDemo, ScaleDeskService
from tests.hardware.scale.helpers import wait_for

WAIT = 10.0  # generous: a loaded 2-core machine


@pytest.fixture
def rig(make_sim, make_adapter):  # noqa: ANN001, ANN201
    sim = make_sim("toledo8217", weight_g=0)
    adapter = make_adapter("toledo8217", sim.path)
    wait_for(lambda: adapter.latest().state is ScaleState.STABLE, timeout=WAIT, what="the scale connected")
    return ScaleRig(adapter, sim, presets=(TarePreset(name="Bolsa", grams=6),))


def test_tare_zero_and_the_demo_controls_go_through_the_service(demo_app, rig) -> None:  # noqa: ANN001
    desk = ScaleDeskService(lambda: rig, demo_app.counter)
    assert desk.available and desk.demo and [p.grams for p in desk.presets] == [6]

    desk.demo_set_weight(1500)
    wait_for(lambda: desk.latest().net_g == 1500 and desk.latest().stable, timeout=WAIT, what="1.5 kg on the scale")
    assert desk.demo_status()["gross_g"] == 1500
    assert desk.check_weight().net_g == 1500

    # Tare = the gross now (a container), answered later in the scale's thread.
    desk.tare().add_done_callback(lambda f: None)
    wait_for(lambda: desk.latest().tare_g == 1500 and desk.latest().net_g == 0, timeout=WAIT, what="tared")
    desk.clear_tare()
    wait_for(lambda: desk.latest().tare_g == 0 and desk.latest().net_g == 1500, timeout=WAIT, what="tare cleared")
    desk.tare_preset(6)
    wait_for(lambda: desk.latest().net_g == 1494, timeout=WAIT, what="the bag's preset tare")
    desk.clear_tare()
    wait_for(lambda: desk.latest().tare_g == 0, timeout=WAIT, what="preset cleared")

    # The demo's motion and unplug controls reach the simulator, and the scale sees them.
    desk.demo_set_motion(True)
    wait_for(lambda: desk.latest().state is ScaleState.MOTION, timeout=WAIT, what="motion")
    with pytest.raises(DomainError):
        desk.check_weight()
    desk.demo_set_motion(False)
    assert desk.demo_set_plugged(False) is False
    wait_for(lambda: desk.latest().state is ScaleState.DISCONNECTED, timeout=WAIT, what="unplugged")
    assert desk.demo_set_plugged(True) is True
    wait_for(lambda: desk.latest().stable and desk.latest().net_g == 1500, timeout=WAIT, what="back")


def test_the_weight_becomes_a_cart_line_through_the_counter(demo_app, rig) -> None:  # noqa: ANN001
    desk = ScaleDeskService(lambda: rig, demo_app.counter)
    product = demo_app.catalog.by_sku("POL-DET")
    desk.demo_set_weight(1250)
    wait_for(lambda: desk.latest().net_g == 1250 and desk.latest().stable, timeout=WAIT, what="1.25 kg")
    outcome = desk.weigh(1, product)
    line = outcome.line
    assert line.quantity == 1250 and line.entry is LineEntry.SCALE
    assert demo_app.counter.cart(1).line(line.id).quantity == 1250

    # Nothing on the scale: the counter refuses and the cart is unchanged.
    desk.demo_set_weight(0)
    wait_for(lambda: desk.latest().net_g == 0 and desk.latest().stable, timeout=WAIT, what="empty")
    with pytest.raises(DomainError):
        desk.weigh(1, product)
    assert len(demo_app.counter.cart(1)) == 1


def test_without_a_scale_or_a_simulator_the_service_says_so(demo_app, rig) -> None:  # noqa: ANN001
    none = ScaleDeskService(lambda: None, demo_app.counter)
    assert not none.available and not none.demo and none.presets == ()
    with pytest.raises(NoScale) as info:
        none.latest()
    assert "balanza" in info.value.message("es").lower()
    real = ScaleDeskService(lambda: ScaleRig(rig.adapter, None), demo_app.counter)
    assert not real.demo
    with pytest.raises(NotDemo) as info:
        real.demo_set_weight(100)
    assert "simulada" in info.value.message("es")
