"""Cutting a byte stream into frames. Pure and incremental: bytes may arrive one at a
time, several frames at once, or with garbage in between; a frame that is cut off by
the start of the next one is dropped, never glued to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hardware.scale.protocol import DecoderOptions
from hardware.scale.reading import Event, Noise


class StxFramer:
    """Frames that start with ``start`` (STX) and end with ``end`` (CR). Bytes outside
    a frame and frames that restart or grow past ``max_len`` count as noise."""

    def __init__(self, start: bytes = b"\x02", end: bytes = b"\r", max_len: int = 32,
                 ignore: bytes = b""):
        self.start, self.end, self.max_len = start[0], end[0], max_len
        self.ignore = set(ignore)  # bytes expected between frames (ETX after Epelsa's CR)
        self._buf: bytearray | None = None
        self.noise = 0
        self.outside = bytearray()  # the last bytes seen outside frames (kept short)

    def feed(self, data: bytes) -> Iterator[bytes]:
        for byte in data:
            if byte == self.start:
                if self._buf is not None:
                    self.noise += len(self._buf) + 1
                self._buf = bytearray()
            elif self._buf is None:
                if byte not in self.ignore:
                    self.noise += 1
                    self.outside.append(byte)
                    del self.outside[:-16]
            elif byte == self.end:
                frame = bytes(self._buf)
                self._buf = None
                yield frame
            else:
                self._buf.append(byte)
                if len(self._buf) > self.max_len:
                    self.noise += len(self._buf) + 1
                    self._buf = None

    def take_noise(self) -> int:
        n, self.noise = self.noise, 0
        return n

    def drop_partial(self) -> bool:
        """Forget a frame that started but stalled (its end was lost)."""
        if self._buf is None:
            return False
        self.noise += len(self._buf) + 1
        self._buf = None
        return True


class LineFramer:
    """Lines ended by CR, LF or CR LF (an empty line between CR and LF is skipped).
    Over-long lines are noise. The line protocols (MT-SICS, Magellan, Adam) only send
    printable ASCII, so any other byte throws away the line so far: garbage from a
    wrong baud rate then cannot glue itself to the front of the next good frame."""

    def __init__(self, max_len: int = 64, printable_only: bool = True):
        self.max_len = max_len
        # CAS's 22-byte frame carries a binary lamp-status byte: its parser checks the
        # frame's exact shape instead.
        self.printable_only = printable_only
        self._buf = bytearray()
        self._overflow = False
        self.noise = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self._overflow:
                    self._overflow = False
                elif self._buf:
                    line = bytes(self._buf)
                    self._buf.clear()
                    yield line
                continue
            if self._overflow:
                self.noise += 1
                continue
            if self.printable_only and not (0x20 <= byte <= 0x7E or byte == 0x09):
                self.noise += len(self._buf) + 1
                self._buf.clear()
                continue
            self._buf.append(byte)
            if len(self._buf) > self.max_len:
                self.noise += len(self._buf)
                self._buf.clear()
                self._overflow = True

    def take_noise(self) -> int:
        n, self.noise = self.noise, 0
        return n

    def drop_partial(self) -> bool:
        if not self._buf and not self._overflow:
            return False
        self.noise += len(self._buf)
        self._buf.clear()
        self._overflow = False
        return True


class FramedDecoder:
    """The decoder of a framed protocol: a framer cuts frames out of the byte stream,
    a pure function turns each into an event (None: nothing to report), and bytes
    outside any frame are reported as noise."""

    def __init__(self, framer: StxFramer | LineFramer, parse: Callable[[bytes, DecoderOptions], Event | None],
                 options: DecoderOptions = DecoderOptions()):
        self.framer = framer
        self.parse = parse
        self.options = options

    def feed(self, data: bytes) -> list[Event]:
        events = [e for e in (self.parse(f, self.options) for f in self.framer.feed(data)) if e is not None]
        events += self.outside_frames()
        noise = self.framer.take_noise()
        if noise:
            events.append(Noise(noise))
        return events

    def outside_frames(self) -> list[Event]:
        """Events read from the bytes outside frames, before they count as noise."""
        return []

    def drop_partial(self) -> bool:
        return self.framer.drop_partial()


def framed(framer: Callable[[], StxFramer | LineFramer],
           parse: Callable[[bytes, DecoderOptions], Event | None]) -> Callable[..., FramedDecoder]:
    """A protocol's decoder factory: ``Decoder(options)`` with a fresh framer each time."""
    def make(options: DecoderOptions = DecoderOptions()) -> FramedDecoder:
        return FramedDecoder(framer(), parse, options)
    return make
