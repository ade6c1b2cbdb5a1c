"""The ``[scale]`` and ``[barcodes]`` sections of kiosk.toml.

    [scale]
    protocol = "toledo8217"        # none, toledo8217, mtsics, cas, magellan, epelsa, adam,
                                   # cas22, stgs, toledo_cont
    port = "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0"
    # baudrate / bytesize / parity / stopbits: only to override the protocol's defaults
    poll_ms = 150                  # 50..200
    require_zero_between = false   # legal-metrology mode: back to zero between weighings
    tare_presets = [{ name = "Botella 1 L", grams = 45 }, { name = "Galón", grams = 120 }]

    [barcodes]
    variable = [
      { prefixes = ["20", "21", "22"], kind = "weight", item_digits = 5 },
      { prefixes = ["23", "24", "25", "26", "27", "28", "29"], kind = "price", item_digits = 5 },
    ]
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.protocols import get as get_protocol
from kiosk.config_base import Section
from kiosk.core.barcodes import DEFAULT_LAYOUTS, MeasureKind, VariableLayout

ProtocolName = Literal["none", "toledo8217", "mtsics", "cas", "magellan", "epelsa", "adam", "cas22", "stgs",
                       "toledo_cont"]


class TarePreset(Section):
    name: str = Field(min_length=1, max_length=32)
    grams: int = Field(gt=0, le=100_000)


class ScaleSettings(Section):
    protocol: ProtocolName = "none"
    # The stable name the udev rules give the scale named in [devices] scale.
    port: str = Field("/dev/kiosk-scale", max_length=256,
                      description='a device path such as "/dev/ttyUSB0" or a pyserial URL')
    baudrate: Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] | None = None
    bytesize: Literal[7, 8] | None = None
    parity: Literal["N", "E", "O"] | None = None
    stopbits: Literal[1, 2] | None = None
    poll_ms: int = Field(150, ge=50, le=200)
    silence_ms: int = Field(1500, ge=300, le=10_000)  # no answer for this long: "disconnected"
    hold_ms: int = Field(3000, ge=500, le=60_000)  # Adam: how long a weight is held without news
    # Adam: the model family decides the command set and how the weight is read
    # (azextra / cpwplus: asked on demand, continuous: the scale streams); docs/scales.md.
    adam_model: Literal["azextra", "cpwplus", "continuous"] = "azextra"
    request_ms: int = Field(1000, ge=300, le=10_000)  # Adam on demand: pause between two requests
    unit: Literal["auto", "kg", "g", "lb"] = "auto"  # when the protocol does not say
    cas_decimals: int = Field(3, ge=0, le=4)
    capacity_g: int | None = Field(None, gt=0, le=1_000_000)
    require_zero_between: bool = False
    hardware_tare: bool = False
    tare_presets: list[TarePreset] = Field(default_factory=list)
    simulate: bool = False  # use a simulated scale (demo, training) instead of the port

    @field_validator("port")
    @classmethod
    def _port_text(cls, v: str) -> str:
        return v.strip()

    @model_validator(mode="after")
    def _port_needed(self) -> ScaleSettings:
        if self.protocol != "none" and not self.simulate and not self.port:
            raise ValueError('port is required when a protocol is set (e.g. port = "/dev/ttyUSB0")')
        return self

    @property
    def enabled(self) -> bool:
        return self.protocol != "none" or self.simulate

    def serial_settings(self, protocol: str | None = None) -> SerialSettings:
        """The protocol's defaults with any override from this section."""
        base = self.protocol_for(protocol).serial
        return SerialSettings(self.baudrate or base.baudrate, self.bytesize or base.bytesize,
                              self.parity or base.parity, self.stopbits or base.stopbits)

    def protocol_for(self, protocol: str | None = None) -> ScaleProtocol:
        """The protocol by name, an Adam as its model family speaks it."""
        name = protocol or self.protocol
        if name == "adam":
            from hardware.scale.adam import for_model

            return for_model(self.adam_model)
        return get_protocol(name)

    def decoder_options(self) -> DecoderOptions:
        return DecoderOptions(unit=self.unit, cas_decimals=self.cas_decimals)


class VariableLayoutSettings(Section):
    """One layout of in-store EAN-13 labels printed by a scale."""

    prefixes: list[str] = Field(min_length=1)
    kind: Literal["weight", "price"]
    item_digits: int = Field(5, ge=1, le=6)
    price_check: bool = False

    @field_validator("prefixes")
    @classmethod
    def _prefix_form(cls, v: list[str]) -> list[str]:
        for p in v:
            if not (len(p) == 2 and p.isdigit() and (p[0] == "2" or p == "02")):
                raise ValueError(f'prefixes are two digits from "20" to "29" (or "02" for UPC-A '
                                 f'in-store codes), got {p!r}')
        return v

    @model_validator(mode="after")
    def _value_fits(self) -> VariableLayoutSettings:
        digits = self.to_layout().value_digits
        if self.price_check and digits not in (4, 5):
            raise ValueError(f"with price_check the value needs 4 or 5 digits; item_digits = "
                             f"{self.item_digits} leaves {digits}")
        if digits < 3:
            raise ValueError(f"item_digits = {self.item_digits} leaves only {digits} digits for the value")
        return self

    def to_layout(self) -> VariableLayout:
        return VariableLayout(tuple(self.prefixes), MeasureKind(self.kind), self.item_digits, self.price_check)


def _default_layouts() -> list[VariableLayoutSettings]:
    return [VariableLayoutSettings(prefixes=list(lay.prefixes), kind=lay.kind.value,
                                   item_digits=lay.item_digits, price_check=lay.price_check)
            for lay in DEFAULT_LAYOUTS]


class BarcodeSettings(Section):
    variable: list[VariableLayoutSettings] = Field(default_factory=_default_layouts)
    validate_check_digits: bool = True

    @model_validator(mode="after")
    def _prefixes_once(self) -> BarcodeSettings:
        seen: set[str] = set()
        for layout in self.variable:
            for p in layout.prefixes:
                if p in seen:
                    raise ValueError(f'prefix "{p}" is in more than one variable layout')
                seen.add(p)
        return self

    def layouts(self) -> tuple[VariableLayout, ...]:
        return tuple(v.to_layout() for v in self.variable)
