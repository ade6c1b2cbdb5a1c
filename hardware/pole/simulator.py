"""A byte-exact 2x20 customer pole display on a pseudo-terminal, for tests, the demo
mode and the technician:

    python -m hardware.pole.simulator --protocol cd5220     # prints its port, then
    kiosk-admin display test --port /tmp/... --protocol cd5220

It executes the command set of ``hardware.pole.protocols`` the way the displays'
manuals describe (initialise, clear, overwrite mode, cursor moves, cursor on/off,
brightness, CR/LF/home/backspace/tab) on a 20x2 character grid with a cursor;
printable bytes (PC437) go to the cursor, which advances and wraps like overwrite
mode does (end of the lower line -> upper left). A command it does not know is kept
in ``unknown`` (a test fails on it) and its bytes are shown as they would be: as
characters. The port path is a symlink to the pty, so ``unplug()`` / ``replug()``
behave like a USB-serial adapter pulled out and put back.
"""

from __future__ import annotations

import argparse
import os
import select
import tempfile
import threading
import time
import tty
from pathlib import Path

from hardware.pole.protocols import COLUMNS, ENCODING, ROWS, get

ESC, US = 0x1B, 0x1F


class Screen:
    """The display's state machine. ``feed`` takes any cut of the byte stream."""

    def __init__(self, protocol: str):
        self.protocol = get(protocol).name
        self.cells = [[" "] * COLUMNS for _ in range(ROWS)]
        self.col = self.row = 0
        self.cursor_visible = True
        self.mode = "overwrite"
        self.brightness = 4
        self.unknown: list[bytes] = []
        self.commands: list[str] = []
        self._pending = b""

    @property
    def lines(self) -> tuple[str, str]:
        return tuple("".join(r) for r in self.cells)  # type: ignore[return-value]

    def _clear(self) -> None:
        self.cells = [[" "] * COLUMNS for _ in range(ROWS)]
        self.col = self.row = 0

    def _put(self, byte: int) -> None:
        self.cells[self.row][self.col] = bytes([byte]).decode(ENCODING)
        self.col += 1
        if self.col >= COLUMNS:
            self.col = 0
            self.row = (self.row + 1) % ROWS  # overwrite mode: lower right -> upper left

    def _goto(self, col: int, row: int, raw: bytes) -> None:
        if 1 <= col <= COLUMNS and 1 <= row <= ROWS:
            self.col, self.row = col - 1, row - 1
            self.commands.append(f"goto {col},{row}")
        else:
            self.unknown.append(raw)  # out of range: ignored by the display

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        self._pending = b""
        i = 0
        while i < len(data):
            used = self._command(data, i)
            if used == 0:  # incomplete: wait for the rest
                self._pending = data[i:]
                return
            i += used

    def _command(self, data: bytes, i: int) -> int:
        """Execute the command at ``data[i]``; returns its length, or 0 when cut."""
        b = data[i]
        left = len(data) - i

        def need(n: int) -> bool:
            return left >= n

        if b == 0x0C:  # CLR
            self._clear()
            self.commands.append("clear")
            return 1
        if b == 0x0D:
            self.col = 0
            return 1
        if b == 0x0A:
            self.row = (self.row + 1) % ROWS
            return 1
        if b == 0x0B:  # HOM
            self.col = self.row = 0
            return 1
        if b == 0x08:
            self.col = max(0, self.col - 1)
            return 1
        if b == 0x09:
            self.col = min(COLUMNS - 1, self.col + 1)
            return 1
        if b == 0x18:  # CAN: clear the cursor's line
            self.cells[self.row] = [" "] * COLUMNS
            self.col = 0
            return 1
        if b == ESC:
            if not need(2):
                return 0
            c = data[i + 1]
            if c == 0x40:  # ESC @
                self._clear()
                self.cursor_visible, self.mode, self.brightness = True, "overwrite", 4
                self.commands.append("init")
                return 2
            if c == 0x3D:  # ESC = n: select peripheral (both sets)
                return 3 if need(3) else 0
            if self.protocol == "cd5220":
                if c in (0x11, 0x12, 0x13):
                    self.mode = {0x11: "overwrite", 0x12: "vertical", 0x13: "horizontal"}[c]
                    self.commands.append(f"mode {self.mode}")
                    return 2
                if c == 0x5F:  # ESC _ n
                    if not need(3):
                        return 0
                    self.cursor_visible = bool(data[i + 2])
                    return 3
                if c == 0x6C:  # ESC l x y
                    if not need(4):
                        return 0
                    self._goto(data[i + 2], data[i + 3], bytes(data[i:i + 4]))
                    return 4
                if c == 0x2A:  # ESC * n brightness
                    if not need(3):
                        return 0
                    self.brightness = data[i + 2]
                    return 3
            else:
                if c == 0x74:  # ESC t n: character table
                    return 3 if need(3) else 0
            self.unknown.append(bytes(data[i:i + 2]))
            return 2
        if b == US and self.protocol == "epson":
            if not need(2):
                return 0
            c = data[i + 1]
            if c in (0x01, 0x02, 0x03):  # US MD1/MD2/MD3
                self.mode = {0x01: "overwrite", 0x02: "vertical", 0x03: "horizontal"}[c]
                self.commands.append(f"mode {self.mode}")
                return 2
            if c == 0x43:  # US C n
                if not need(3):
                    return 0
                self.cursor_visible = bool(data[i + 2] & 1)
                return 3
            if c == 0x24:  # US $ n m
                if not need(4):
                    return 0
                self._goto(data[i + 2], data[i + 3], bytes(data[i:i + 4]))
                return 4
            if c == 0x58:  # US X n brightness
                if not need(3):
                    return 0
                self.brightness = data[i + 2]
                return 3
            self.unknown.append(bytes(data[i:i + 2]))
            return 2
        if b < 0x20:
            self.unknown.append(bytes([b]))
            return 1
        self._put(b)
        return 1


class SimPoleDisplay:
    def __init__(self, protocol: str = "epson", link_dir: Path | None = None):
        self.screen = Screen(protocol)
        self.received = bytearray()
        self._dir = Path(tempfile.mkdtemp(prefix="pole-", dir=link_dir))
        self.path = str(self._dir / "ttyPOLE")
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition()

    @property
    def lines(self) -> tuple[str, str]:
        return self.screen.lines

    @property
    def unknown(self) -> list[bytes]:
        return self.screen.unknown

    def start(self) -> SimPoleDisplay:
        self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sim-pole", daemon=True)
        self._thread.start()
        return self

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        tmp = self.path + ".new"
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.path)

    def unplug(self) -> None:
        """The adapter pulled out: the path vanishes, the open port gets I/O errors."""
        with self._changed:
            if os.path.lexists(self.path):
                os.unlink(self.path)
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None

    def replug(self) -> None:
        """Back on a new pty; a real display powers up blank."""
        with self._changed:
            self.screen._clear()
            self._plug()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.unplug()
        try:
            os.rmdir(self._dir)
        except OSError:
            pass

    def __enter__(self) -> SimPoleDisplay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            master = self._master
            if master is None:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 1024)
            except OSError:  # unplugged meanwhile
                time.sleep(0.02)
                continue
            with self._changed:
                self.received += data
                self.screen.feed(data)
                self._changed.notify_all()

    def wait_for(self, line1: str | None = None, line2: str | None = None, timeout: float = 5.0) -> bool:
        """Wait until the display shows these lines (compared without trailing spaces)."""
        def shown() -> bool:
            l1, l2 = self.screen.lines
            return ((line1 is None or l1.rstrip() == line1.rstrip())
                    and (line2 is None or l2.rstrip() == line2.rstrip()))
        deadline = time.monotonic() + timeout
        with self._changed:
            while not shown():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def wait_until(self, predicate, timeout: float = 5.0) -> bool:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True


def framed(lines: tuple[str, str]) -> str:
    edge = "+" + "-" * COLUMNS + "+"
    return "\n".join([edge, *("|" + line + "|" for line in lines), edge])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated 2x20 customer pole display on a pseudo-terminal")
    parser.add_argument("--protocol", choices=("epson", "cd5220"), default="epson")
    args = parser.parse_args(argv)
    sim = SimPoleDisplay(args.protocol).start()
    print(f"simulated {args.protocol} pole display on {sim.path} (Ctrl-C to stop)", flush=True)
    shown = sim.lines
    print(framed(shown), flush=True)
    try:
        while True:
            sim.wait_until(lambda s: s.lines != shown, timeout=1.0)
            if sim.lines != shown:
                shown = sim.lines
                print(framed(shown), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
