"""What a scale reports: gross, tare and net weight in whole grams, the unit the scale
itself uses, and its state. Pounds and kilograms become grams through the exact
factors in ``kiosk.core.units`` (1 lb = 453.59237 g), rounded half-up to the gram."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from kiosk.core.units import Uom, to_base


class ScaleState(StrEnum):
    STABLE = "stable"
    MOTION = "motion"
    UNDER_ZERO = "under_zero"
    OVER_CAPACITY = "over_capacity"
    DISCONNECTED = "disconnected"
    ERROR = "error"


class WeightUnit(StrEnum):
    G = "g"
    KG = "kg"
    LB = "lb"


UOM_OF: dict[WeightUnit, Uom] = {WeightUnit.G: Uom.G, WeightUnit.KG: Uom.KG, WeightUnit.LB: Uom.LB}

_UNIT_NAMES = {"g": WeightUnit.G, "kg": WeightUnit.KG, "lb": WeightUnit.LB, "lbs": WeightUnit.LB}


def parse_unit(text: str) -> WeightUnit | None:
    return _UNIT_NAMES.get(text.strip().lower())


def to_grams(value: Decimal | str | int, unit: WeightUnit) -> int:
    """A weight as the scale wrote it -> whole grams (exact factor, half-up)."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return to_base(number, UOM_OF[unit])


@dataclass(frozen=True)
class ScaleReading:
    """One reading. ``gross_g``/``tare_g``/``net_g`` are meaningful when
    ``weight_known`` (a scale in motion or overloaded may send no number at all).

    Parsers fill in the weight the scale displays as both gross and net; the adapter
    then applies the tares it knows about (``net_mode``: the scale said the number
    it sent is already net of a tare taken on the scale itself).
    """

    state: ScaleState
    gross_g: int = 0
    tare_g: int = 0
    net_g: int = 0
    unit: WeightUnit | None = None  # as the scale reported it; None when it did not say
    weight_known: bool = True
    net_mode: bool = False
    error: str = ""  # English message template (translated when shown)
    error_params: tuple[tuple[str, str], ...] = ()
    at: float = field(default_factory=time.monotonic, compare=False)

    @property
    def stable(self) -> bool:
        return self.state is ScaleState.STABLE

    @property
    def connected(self) -> bool:
        return self.state is not ScaleState.DISCONNECTED

    @classmethod
    def weighed(cls, grams: int, unit: WeightUnit, state: ScaleState = ScaleState.STABLE,
                *, net_mode: bool = False) -> ScaleReading:
        if state is ScaleState.STABLE and grams < 0:
            state = ScaleState.UNDER_ZERO
        return cls(state, gross_g=grams, net_g=grams, unit=unit, net_mode=net_mode)

    @classmethod
    def without_weight(cls, state: ScaleState, unit: WeightUnit | None = None, error: str = "",
                       *, net_mode: bool = False) -> ScaleReading:
        return cls(state, unit=unit, weight_known=False, error=error, net_mode=net_mode)

    @classmethod
    def disconnected(cls, why: str = "", **params: object) -> ScaleReading:
        return cls(ScaleState.DISCONNECTED, weight_known=False, error=why,
                   error_params=tuple((k, str(v)) for k, v in params.items()))

    @classmethod
    def failed(cls, why: str, **params: object) -> ScaleReading:
        return cls(ScaleState.ERROR, weight_known=False, error=why,
                   error_params=tuple((k, str(v)) for k, v in params.items()))

    def error_message(self, language: str | None = None) -> str:
        """The error in ``language`` (default: the UI's), parameters filled in."""
        if not self.error:
            return ""
        from kiosk.i18n import translate

        text = translate(self.error, language)
        return text.format(**dict(self.error_params)) if self.error_params else text

    def stamped(self, at: float) -> ScaleReading:
        return replace(self, at=at)

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON (``kiosk-admin scale read --json``)."""
        return {
            "gross_g": self.gross_g if self.weight_known else None,
            "tare_g": self.tare_g,
            "net_g": self.net_g if self.weight_known else None,
            "unit": self.unit.value if self.unit else None,
            "stable": self.stable,
            "state": self.state.value,
            "net_mode": self.net_mode,
            "error": self.error_message("en"),
        }


# --- what a decoder can hand the adapter besides readings ---------------------------

@dataclass(frozen=True)
class NoChange:
    """An answer that carries no new weight but says nothing moved (an 8217 status
    frame without flags after a weight was sent once)."""

    net_mode: bool = False
    flags: int = 0  # protocol status bits, for interpreting command replies


@dataclass(frozen=True)
class Reply:
    """The answer to a tare/zero/clear-tare command."""

    command: str  # "tare" | "zero" | "clear_tare"
    ok: bool
    tare_g: int | None = None  # the tare the scale reports it took, when it says
    why: str = ""


@dataclass(frozen=True)
class ScanCode:
    """A barcode that arrived on the scale's port (Magellan scanner-scales)."""

    code: str
    symbology: object | None  # kiosk.core.barcodes.Symbology


@dataclass(frozen=True)
class EchoMode:
    """8217 echo mode: entered, left, or our own request came back echoed."""

    on: bool


@dataclass(frozen=True)
class Noise:
    """Bytes that were not part of any valid frame (garbage, cut frames)."""

    size: int


Event = ScaleReading | NoChange | Reply | ScanCode | EchoMode | Noise


# --- what the till's screens may ask of a scale (hardware/scale implements it) ------------

class Weighed(Protocol):
    net_g: int
    tare_g: int
    unit: WeightUnit | None


class Answer(Protocol):
    """A scale command's answer, which comes later (a concurrent.futures.Future)."""

    def add_done_callback(self, fn: Callable[[Any], object]) -> None: ...

    def exception(self, timeout: float | None = None) -> BaseException | None: ...


@runtime_checkable
class ScaleControls(Protocol):
    """The scale as the selling screens use it: the newest reading, whether it can be
    sold now, and the tare commands (hardware.scale.adapter.ScaleAdapter)."""

    def latest(self) -> ScaleReading: ...

    def want_weight(self) -> Callable[[], None]: ...  # asked while wanted (Adam); returns "release"

    def check_weight(self) -> Weighed: ...  # raises a DomainError saying why not

    def weigh_for_sale(self) -> Weighed: ...

    def rearm(self) -> None: ...

    def request_tare(self) -> Answer: ...

    def tare_preset(self, grams: int) -> ScaleReading: ...

    def clear_tare(self) -> Answer: ...


@runtime_checkable
class ScaleDemo(Protocol):
    """The demo mode's simulated scale, moved from the calculator's demo control
    (hardware.scale.simulator.ScaleSimulator)."""

    @property
    def plugged(self) -> bool: ...

    def status(self) -> dict[str, object]: ...

    def set_weight(self, grams: int) -> None: ...

    def set_motion(self, moving: bool) -> None: ...

    def unplug(self, quietly: bool = False) -> None: ...

    def replug(self) -> None: ...


class NamedTare(Protocol):
    name: str
    grams: int


class ScaleDesk(Protocol):
    """The scale the screens see (``Shell.scale``; hardware.scale.factory.ScaleRig)."""

    adapter: ScaleControls
    simulator: ScaleDemo | None
    presets: tuple[NamedTare, ...]
