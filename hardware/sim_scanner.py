"""A serial barcode scanner on a pseudo-terminal, byte-exact: the kiosk opens
``sim.path`` (``/dev/pts/N``) like a real ``/dev/ttyACM0`` and receives
``prefix + code + suffix`` for every ``scan()``. ``unplug()`` hangs the terminal
up, like pulling the USB cable.

Run one by hand (type codes, Enter sends them):
    python -m hardware.sim_scanner --suffix cr
"""

from __future__ import annotations

import argparse
import os
import sys
import tty


class SimSerialScanner:
    def __init__(self, prefix: bytes = b"", suffix: bytes = b"\r"):
        self.prefix = prefix
        self.suffix = suffix
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no CR -> LF translation: the bytes arrive as sent
        self.path = os.ttyname(self.slave)
        self.sent: list[str] = []

    def scan(self, code: str) -> None:
        self.sent.append(code)
        self.send(self.prefix + code.encode("ascii") + self.suffix)

    def send(self, raw: bytes) -> None:
        os.write(self.master, raw)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = self.slave = -1

    close = unplug

    def __enter__(self) -> SimSerialScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "none": b""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated serial barcode scanner on a pseudo-terminal")
    parser.add_argument("--prefix", default="", help="characters sent before each code")
    parser.add_argument("--suffix", choices=sorted(SUFFIXES), default="cr")
    args = parser.parse_args(argv)
    sim = SimSerialScanner(args.prefix.encode("latin-1"), SUFFIXES[args.suffix])
    print(f"scanner on {sim.path}: type a code and Enter (Ctrl-D to stop)", flush=True)
    try:
        for line in sys.stdin:
            if line.strip():
                sim.scan(line.strip())
    finally:
        sim.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
