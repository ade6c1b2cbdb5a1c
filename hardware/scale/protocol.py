"""What every scale protocol module provides, so the adapter, the detector and the
CLI can treat the six of them alike."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from hardware.scale.reading import Event, Reply


@dataclass(frozen=True)
class SerialSettings:
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"  # N, E, O
    stopbits: int = 1

    def describe(self) -> str:
        return f"{self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"

    def kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``serial.serial_for_url``."""
        return {"baudrate": self.baudrate, "bytesize": self.bytesize, "parity": self.parity,
                "stopbits": self.stopbits}

    def for_port(self, port: str) -> SerialSettings:
        """A pseudo-terminal (simulators) has no line: bits and parity mean nothing there
        and Linux refuses 7-bit or parity settings on it, so it is opened 8N1."""
        if os.path.realpath(port).startswith("/dev/pts/"):
            return replace(self, bytesize=8, parity="N", stopbits=1)
        return self


@dataclass(frozen=True)
class DecoderOptions:
    """Settings that change how frames are read (from ``[scale]``)."""

    unit: str = "auto"  # auto | kg | g | lb: the unit when the protocol does not say
    cas_decimals: int = 3


class Decoder(Protocol):
    def feed(self, data: bytes) -> list[Event]: ...

    def drop_partial(self) -> bool:
        """Forget a frame whose end never came (called after a pause in the bytes)."""
        ...


@dataclass(frozen=True)
class ScaleProtocol:
    name: str
    title: str
    serial: SerialSettings
    poll: bytes | None  # request sent every poll; None: the scale streams by itself
    decoder: Callable[[DecoderOptions], Decoder]
    commands: dict[str, bytes] = field(default_factory=dict)  # tare / zero / clear_tare
    # Commands answered by nothing at all (the adapter only sends them).
    silent_commands: frozenset[str] = frozenset()
    # The scale answers a poll only when the weight changed (Adam): silence is normal.
    silent_when_unchanged: bool = False
    # How many equal consecutive frames make a weight stable enough to sell.
    confirm_frames: int = 2
    # Whether frames say when the number is net of a tare taken on the scale.
    reports_net_mode: bool = False
    # Asked only while something needs a weight (``ScaleAdapter.want_weight``), with a
    # pause between requests (Adam: the scale beeps at each request).
    on_demand: bool = False
    # Turns the event that follows a command into its Reply (None: keep waiting).
    reply_for: Callable[[str, Event], Reply | None] | None = None

    def has(self, command: str) -> bool:
        return command in self.commands
