"""Application errors reach the journal with their priority: when stderr is the
journal stream systemd connected ($JOURNAL_STREAM = its device:inode), every line of a
record carries journald's <N> priority prefix; anywhere else records look as usual."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from kiosk.journal_logging import JournalFormatter, is_journal_stream, priority

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import logging, sys
from kiosk import journal_logging
journal_logging.configure(logging.DEBUG)
log = logging.getLogger("kiosk.test")
log.debug("details")
log.info("lock screen drawn")
log.warning("printer offline")
log.error("sale not stored")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("scale reader failed")
log.critical("cannot start")
"""


def _run(out: Path, journal: bool) -> list[str]:
    with out.open("w") as fh:
        st = os.fstat(fh.fileno())
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("JOURNAL_STREAM", None)
        if journal:
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        subprocess.run([sys.executable, "-c", PROGRAM], stderr=fh, env=env, timeout=60, check=True)
    return out.read_text().splitlines()


def test_levels_map_to_syslog_priorities() -> None:
    assert [priority(level) for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR,
                                          logging.CRITICAL, 35)] == [7, 6, 4, 3, 2, 4]


def test_on_the_journal_stream_every_line_carries_its_priority(tmp_path: Path) -> None:
    lines = _run(tmp_path / "stderr", journal=True)
    by_text = {line[3:]: line[:3] for line in lines}
    assert by_text["DEBUG kiosk.test: details"] == "<7>"
    assert by_text["INFO kiosk.test: lock screen drawn"] == "<6>"
    assert by_text["WARNING kiosk.test: printer offline"] == "<4>"
    assert by_text["ERROR kiosk.test: sale not stored"] == "<3>"
    assert by_text["CRITICAL kiosk.test: cannot start"] == "<2>"
    # the traceback's lines are errors too (journalctl -p err shows the whole of it)
    start = lines.index("<3>ERROR kiosk.test: scale reader failed")
    trace = lines[start + 1:start + 4]
    assert trace[0] == "<3>Traceback (most recent call last):" and all(t.startswith("<3>") for t in trace)
    assert "<3>ZeroDivisionError: division by zero" in lines


def test_elsewhere_records_are_plain(tmp_path: Path) -> None:
    lines = _run(tmp_path / "stderr", journal=False)
    assert not any(line.startswith("<") for line in lines)
    assert any(line.endswith("WARNING kiosk.test: printer offline") for line in lines)


def test_an_inherited_journal_stream_of_another_file_is_not_taken(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.write_text("")
    st = os.stat(other)
    with (tmp_path / "mine").open("w") as fh:
        assert not is_journal_stream(fh, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        mine = os.fstat(fh.fileno())
        assert is_journal_stream(fh, {"JOURNAL_STREAM": f"{mine.st_dev}:{mine.st_ino}"})
        assert not is_journal_stream(fh, {"JOURNAL_STREAM": "garbage"})


def test_formatter_prefixes_each_line() -> None:
    record = logging.LogRecord("kiosk", logging.WARNING, __file__, 1, "two\nlines", None, None)
    assert JournalFormatter("%(message)s").format(record) == "<4>two\n<4>lines"
