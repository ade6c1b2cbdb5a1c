"""The protocols by name (the names ``[scale] protocol`` and ``kiosk-admin`` use)."""

from __future__ import annotations

from hardware.scale import adam, cas, cas22, epelsa, magellan, mtsics, stgs, toledo8217, toledo_cont
from hardware.scale.protocol import ScaleProtocol

PROTOCOLS: dict[str, ScaleProtocol] = {
    m.PROTOCOL.name: m.PROTOCOL
    for m in (toledo8217, mtsics, cas, magellan, epelsa, adam, cas22, stgs, toledo_cont)
}
NAMES: tuple[str, ...] = tuple(PROTOCOLS)


def get(name: str) -> ScaleProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown scale protocol {name!r}; expected one of {', '.join(NAMES)}") from None
