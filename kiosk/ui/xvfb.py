"""Start a private Xvfb display for UI tests and the UI benchmark when no display
is available (CI, SSH sessions). Fails loudly when Xvfb is not installed: a UI test
that cannot open a display must fail, never skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import time


class XvfbError(RuntimeError):
    pass


class Xvfb:
    def __init__(self, width: int = 1920, height: int = 1200, depth: int = 24):
        self.size = (width, height, depth)
        self.proc: subprocess.Popen | None = None
        self.display = ""

    def start(self) -> str:
        exe = shutil.which("Xvfb")
        if exe is None:
            raise XvfbError("Xvfb is not installed (Debian package 'xvfb'): UI tests need a display")
        read_fd, write_fd = os.pipe()
        w, h, d = self.size
        self.proc = subprocess.Popen(
            [exe, "-displayfd", str(write_fd), "-screen", "0", f"{w}x{h}x{d}", "-nolisten", "tcp",
             "-noreset"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write_fd)
        number = b""
        deadline = time.monotonic() + 15
        with os.fdopen(read_fd, "rb") as fh:
            while time.monotonic() < deadline and not number.endswith(b"\n"):
                chunk = fh.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else ""
            self.stop()
            raise XvfbError(f"Xvfb did not start: {err.strip() or 'no display number reported'}")
        self.display = f":{number.decode().strip()}"
        return self.display

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
