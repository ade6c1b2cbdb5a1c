"""Log records that reach journald with their priority.

Under systemd the kiosk's stderr is a stream into the journal, and every line of it is
stored at the unit's default priority (info): ``journalctl -p warning`` would show none
of the kiosk's errors. journald reads a ``<N>`` prefix on a line as that line's syslog
priority, so when stderr *is* the journal stream (``$JOURNAL_STREAM`` names its device
and inode, as systemd sets it) each line of a record is prefixed with the priority of
the record's level, tracebacks included, and the time stamp is left to the journal.
Elsewhere (a terminal, a test, a pipe) records are formatted as usual.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

# syslog priorities (sd-daemon.h): 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug
PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))
DEBUG_PRIORITY = 7
TERMINAL_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "%(levelname)s %(name)s: %(message)s"


def priority(levelno: int) -> int:
    for level, prio in PRIORITIES:
        if levelno >= level:
            return prio
    return DEBUG_PRIORITY


class JournalFormatter(logging.Formatter):
    """``<N>`` before every line of the formatted record (journald splits on newlines)."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).split("\n"))


def is_journal_stream(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    """True when ``stream`` is the journal stream systemd connected (``$JOURNAL_STREAM``
    is "device:inode" of it), not merely something a child inherited the variable with."""
    value = (os.environ if env is None else env).get("JOURNAL_STREAM", "")
    dev, _, ino = value.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (int(dev), int(ino))


def configure(level: int, *, stream: TextIO | None = None, fmt: str = TERMINAL_FORMAT,
              env: dict[str, str] | None = None) -> logging.Handler | None:
    """Like ``logging.basicConfig``: a handler on ``stream`` (stderr), journal-aware,
    unless the root logger already has one that is not ours (a test runner's)."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "kiosk_handler", False)]
    if len(ours) != len(root.handlers):
        return None
    for old in ours:
        root.removeHandler(old)
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.kiosk_handler = True  # type: ignore[attr-defined]
    if is_journal_stream(stream, env):
        handler.setFormatter(JournalFormatter(JOURNAL_FORMAT))
    else:
        handler.setFormatter(logging.Formatter(fmt))
    root.addHandler(handler)
    root.setLevel(level)
    return handler
