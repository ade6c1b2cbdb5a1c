"""The push worker: started by the kiosk only on a registered till, pushes in the
background, and backs off after failures."""

from __future__ import annotations

import time

import pytest

from kiosk.services.sync_link import register
from kiosk.services.sync_push import SyncWorker, waiting_count
from tests.sync.tills import make_till, sell


def _until(condition, timeout: float = 180.0) -> bool:  # noqa: ANN001
    """Wait for ``condition`` (a loaded 2-core machine may take long; no timing is judged)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("failures", range(0, 12))
def test_the_wait_grows_after_each_failure_up_to_five_minutes(failures):
    worker = SyncWorker(db=None, state_dir=None, interval=15.0, max_delay=300.0, failures=failures)
    delay = worker.delay()
    if failures == 0:
        assert delay == 15.0
    else:
        base = min(300.0, 2.0 ** failures)
        assert 0.8 * base <= delay <= 1.2 * base


def test_a_till_working_alone_starts_no_worker(tmp_path):
    till = make_till(tmp_path, None, "alone")
    try:
        assert till.start_sync_worker() is None
    finally:
        till.close()


def test_the_worker_pushes_in_the_background_and_stops_with_the_app(tmp_path, server_url):
    till = make_till(tmp_path, None, "t")
    try:
        register(till.db, till.state_dir, server_url, "Caja 1")
        worker = till.start_sync_worker()
        assert worker is not None and till.start_sync_worker() is worker
        sell(till, 2)
        worker.wake()
        assert _until(lambda: waiting_count(till.db) == 0)
        assert _until(lambda: worker.last is not None and worker.last.waiting == 0)  # the push has returned
        assert worker.last.ok and worker.failures == 0
    finally:
        till.close()
    assert till.sync_worker is None and not worker._thread.is_alive()
