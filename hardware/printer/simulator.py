"""A byte-exact network receipt printer (raw TCP, port 9100 style) for tests, the demo
mode and technicians.

It listens on 127.0.0.1 (port 0 = any free port), answers ``DLE EOT n`` wherever it
appears in the stream, stores each connection's data as one job (status queries
removed), opens its "drawer" on ``ESC p`` (in a printed job) and on Epson's
real-time ``DLE DC4 1 m t`` (at once, even out of paper or with the cover open) and
can misbehave on purpose:

    online        prints every job
    offline       refuses connections (the port is closed, like a switched-off printer)
    paper_out     answers "paper end / offline" and throws data away (nothing printed)
    cover_open    same with the cover open
    drop_jobs(n)  the next n jobs are cut: the connection is reset after
                  ``drop_after`` bytes, like a cable pulled in the middle of a job
    status        "ok" | "silent" (a printer without DLE EOT) | "garbage" (nonsense)

Run one by hand:  python -m hardware.printer.simulator --port 9100 --spool /tmp/jobs
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import struct
import threading
import time
from pathlib import Path

from hardware.printer.status import status_bytes

MODES = ("online", "offline", "paper_out", "cover_open")


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.sim._serve(self.request)  # type: ignore[attr-defined]


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class SimPrinter:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, spool_dir: Path | None = None,
                 drawer_close_after_s: float | None = None, drop_after: int = 64):
        self.host = host
        self.port = port
        self.spool_dir = spool_dir
        self.drawer_close_after_s = drawer_close_after_s
        self.drop_after = drop_after
        self.mode = "online"
        self.status = "ok"  # ok | silent | garbage
        self.paper = "ok"  # ok | near_end (paper_out is a mode)
        self.error = ""  # "" | autocutter | unrecoverable | auto-recoverable: reported, not acted on
        self.jobs: list[bytes] = []
        self.fragments: list[bytes] = []  # jobs cut by a dropped connection
        self.discarded: list[bytes] = []  # data received while it could not print
        self.kicks: list[tuple[int, int, int]] = []  # (pin, on_ms, off_ms)
        self.realtime_kicks: list[tuple[int, int, int]] = []  # the DLE DC4 ones among them
        self.queries = 0
        self.connections = 0
        self._drawer_open_until: float | None = None
        self._drawer_open = False
        self._drops = 0
        self._lock = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def start(self) -> SimPrinter:
        self._listen()
        return self

    def _listen(self) -> None:
        server = _Server((self.host, self.port), _Handler)
        server.sim = self  # type: ignore[attr-defined]
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sim-printer-{self.port}", daemon=True)
        self._thread.start()

    def _unlisten(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        self._unlisten()

    def __enter__(self) -> SimPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        was, self.mode = self.mode, mode
        if mode == "offline" and was != "offline":
            self._unlisten()
        elif mode != "offline" and self._server is None:
            self._listen()

    def drop_jobs(self, n: int = 1, after: int | None = None) -> None:
        """Cut the next ``n`` jobs after ``after`` bytes of job data."""
        self._drops = n
        if after is not None:
            self.drop_after = after

    # --- the drawer -------------------------------------------------------------------------
    @property
    def drawer_open(self) -> bool:
        if self._drawer_open and self._drawer_open_until is not None and time.monotonic() >= self._drawer_open_until:
            self._drawer_open = False
        return self._drawer_open

    def close_drawer(self) -> None:
        self._drawer_open = False

    # --- waiting in tests --------------------------------------------------------------------
    def wait_for_jobs(self, n: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.jobs) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            return list(self.jobs)

    # --- the printer ------------------------------------------------------------------------
    def _answer(self, n: int) -> bytes:
        self.queries += 1
        if self.status == "silent":
            return b""
        if self.status == "garbage":
            return b"?!x"
        replies = status_bytes(online=self.mode == "online", cover_open=self.mode == "cover_open",
                               paper="out" if self.mode == "paper_out" else self.paper, error=self.error,
                               drawer_pin3=self.drawer_open)
        return bytes([replies.get(n, 0x12)])

    def _serve(self, sock: socket.socket) -> None:
        self.connections += 1
        job = bytearray()
        pending = b""  # a DLE or DLE EOT split across reads
        drop: bool | None = None  # decided at the first byte of job data (status polls do not count)
        sock.settimeout(30)
        try:
            while True:
                data = sock.recv(4096)
                if not data:
                    break
                data = pending + data
                pending = b""
                i = 0
                while i < len(data):
                    b = data[i]
                    if b == 0x10:
                        if len(data) - i < 3:
                            pending = data[i:]
                            break
                        if data[i + 1] == 0x04 and 1 <= data[i + 2] <= 4:
                            answer = self._answer(data[i + 2])
                            if answer:
                                sock.sendall(answer)
                            i += 3
                            continue
                        if data[i + 1] == 0x14 and data[i + 2] == 1:  # DLE DC4 1 m t
                            if len(data) - i < 5:
                                pending = data[i:]
                                break
                            self._realtime_kick(data[i + 3], data[i + 4])
                            i += 5
                            continue
                    job.append(b)
                    i += 1
                    if drop is None:
                        drop = self._take_drop()
                    if drop and len(job) >= self.drop_after:
                        # A pulled cable: reset the connection, nothing more is read.
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        with self._lock:
                            self.fragments.append(bytes(job))
                        return
        except OSError:
            if job:
                with self._lock:
                    self.fragments.append(bytes(job))
            return
        job.extend(pending)
        if job:
            self._finish_job(bytes(job))

    def _realtime_kick(self, m: int, t: int) -> None:
        """Epson's real-time pulse: runs at once, in every mode (paper out, cover
        open), unlike ESC p, which is part of the job. Invalid m/t are ignored, as a
        printer does."""
        if m not in (0, 1) or not 1 <= t <= 8:
            return
        with self._lock:
            kick = (2 if m == 0 else 5, t * 100, t * 100)
            self.kicks.append(kick)
            self.realtime_kicks.append(kick)
            self._drawer_open = True
            self._drawer_open_until = (time.monotonic() + self.drawer_close_after_s
                                       if self.drawer_close_after_s else None)
            self._lock.notify_all()

    def _take_drop(self) -> bool:
        with self._lock:
            if self._drops > 0 and self.mode == "online":
                self._drops -= 1
                return True
            return False

    def _finish_job(self, job: bytes) -> None:
        with self._lock:
            if self.mode != "online":
                self.discarded.append(job)
                self._lock.notify_all()
                return
            self.jobs.append(job)
            for kick in _kicks(job):
                self.kicks.append(kick)
                self._drawer_open = True
                self._drawer_open_until = (time.monotonic() + self.drawer_close_after_s
                                           if self.drawer_close_after_s else None)
            if self.spool_dir is not None:
                self.spool_dir.mkdir(parents=True, exist_ok=True)
                (self.spool_dir / f"job-{len(self.jobs):05d}.bin").write_bytes(job)
            self._lock.notify_all()


def _kicks(job: bytes) -> list[tuple[int, int, int]]:
    from hardware.printer.decode import DrawerKick, decode

    return [(e.pin, e.on_ms, e.off_ms) for e in decode(job).elements if isinstance(e, DrawerKick)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated ESC/POS network printer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--spool", type=Path, help="also save each job here as job-NNNNN.bin")
    parser.add_argument("--columns", type=int, default=48)
    args = parser.parse_args(argv)
    from hardware.printer.decode import decode

    sim = SimPrinter(args.host, args.port, spool_dir=args.spool, drawer_close_after_s=3).start()
    print(f"simulated printer on {sim.url} (Ctrl-C to stop)", flush=True)
    shown = 0
    try:
        while True:
            jobs = sim.wait_for_jobs(shown + 1, timeout=1.0)
            for job in jobs[shown:]:
                shown += 1
                print(f"--- job {shown} ({len(job)} bytes) ---")
                print("\n".join(decode(job).text_lines(args.columns)), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
