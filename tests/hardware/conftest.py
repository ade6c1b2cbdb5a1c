"""Fixtures for the hardware tests: a simulated network printer on 127.0.0.1, gpiozero
MockFactory pins, settings for the hardware sections, and waiting helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from hardware.printer.simulator import SimPrinter
from tests.conftest import make_settings


@pytest.fixture
def sim_printer() -> Iterator[SimPrinter]:
    sim = SimPrinter(drawer_close_after_s=None).start()
    yield sim
    sim.stop()


@pytest.fixture
def mock_pins():
    """A fresh MockFactory, injected into the devices; gpiozero's global factory is
    restored afterwards in case anything fell back to it."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    saved = Device.pin_factory
    factory = MockFactory()
    yield factory
    factory.reset()
    Device.pin_factory = saved


@pytest.fixture
def hw_settings(state_dir):  # noqa: ANN001, ANN201
    """make_settings with fast retries; sections given as keyword dicts."""
    def make(**sections: dict):
        printer = {"retry_min_s": 0.05, "retry_max_s": 0.2, "status_poll_s": 0.2, "timeout_s": 2.0}
        printer.update(sections.pop("printer", {}))
        return make_settings(state_dir, printer=printer, **sections)
    return make


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, step: float = 0.02) -> object:
    """Poll ``predicate`` until it is truthy; return its value or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)
