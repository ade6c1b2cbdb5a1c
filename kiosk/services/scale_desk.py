"""The scale as the selling screens use it, behind one service.

The calculator's scale panel asks this service for the newest reading, whether that
weight can be sold, the tare commands (tare = the gross now, a preset container,
clear), "Usar peso" (through the counter) and, in demo mode only, the simulated
scale's controls. The screens never hold the adapter or the simulator: those belong
to the hardware manager (hardware/scale, built when the hardware starts), and this
service looks them up at each call, so a scale that appears with the hardware is
seen without rebuilding the screens.

Every call that needs a scale raises ``NoScale`` (a DomainError with a Spanish
message on the screen) when none is configured or the hardware has not started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.core.errors import DomainError
from kiosk.core.scale import Answer, NamedTare, ScaleControls, ScaleDemo, ScaleReading, Weighed
from kiosk.i18n import N_


class NoScale(DomainError):
    code = "no_scale"
    template = N_("No scale is configured.")


class NotDemo(DomainError):
    code = "not_demo_scale"
    template = N_("Only the demo's simulated scale can be moved from the screen.")


class ScaleDeskService:
    """``rig``: returns the running scale rig (``adapter``, ``simulator``, ``presets``:
    hardware.scale.factory.ScaleRig) or None; ``counter``: the selling service that
    turns a stable weight into a cart line."""

    def __init__(self, rig: Callable[[], Any], counter: Any):
        self._rig = rig
        self.counter = counter

    # --- what is there ---------------------------------------------------------------------
    def _current(self) -> Any:
        rig = self._rig()
        if rig is None:
            raise NoScale()
        return rig

    def _adapter(self) -> ScaleControls:
        return self._current().adapter

    @property
    def available(self) -> bool:
        return self._rig() is not None

    @property
    def presets(self) -> tuple[NamedTare, ...]:
        rig = self._rig()
        return tuple(rig.presets) if rig is not None else ()

    @property
    def demo(self) -> bool:
        """A simulated scale the screen may move (demo mode, training)."""
        rig = self._rig()
        return rig is not None and rig.simulator is not None

    # --- readings and sale rules -------------------------------------------------------------
    def want_weight(self) -> Callable[[], None]:
        """The panel needs the weight while it is open: a scale read on demand (Adam)
        is asked only then. Call the returned function when the panel closes."""
        rig = self._rig()
        if rig is None:
            return lambda: None
        return rig.adapter.want_weight()

    def latest(self) -> ScaleReading:
        return self._adapter().latest()

    def check_weight(self) -> Weighed:
        """The weight that would be sold now; raises a DomainError saying why not."""
        return self._adapter().check_weight()

    def weigh(self, user_id: int, product: Any, line_id: int | None = None) -> Any:
        """"Usar peso": the counter rings up the stable net weight (with its tare) as a
        new line or as line ``line_id``'s new weight (kiosk.services.counter.Outcome)."""
        return self.counter.weigh(user_id, product, self._adapter(), line_id)

    # --- tare commands (their answers come later, in the scale's thread) ------------------------
    def tare(self) -> Answer:
        return self._adapter().request_tare()

    def tare_preset(self, grams: int) -> ScaleReading:
        return self._adapter().tare_preset(grams)

    def clear_tare(self) -> Answer:
        return self._adapter().clear_tare()

    # --- the demo's simulated scale --------------------------------------------------------------
    def _simulator(self) -> ScaleDemo:
        sim = self._current().simulator
        if sim is None:
            raise NotDemo()
        return sim

    def demo_status(self) -> dict[str, object]:
        """``gross_g``, ``motion``, ``plugged`` (and the simulator's other fields)."""
        return self._simulator().status()

    def demo_set_weight(self, grams: int) -> None:
        self._simulator().set_weight(int(grams))

    def demo_set_motion(self, moving: bool) -> None:
        self._simulator().set_motion(bool(moving))

    def demo_set_plugged(self, plugged: bool) -> bool:
        """Plug the simulated scale in or pull it out; returns whether it is plugged now."""
        sim = self._simulator()
        if plugged and not sim.plugged:
            sim.replug()
        elif not plugged and sim.plugged:
            sim.unplug()
        return sim.plugged
