"""Fixtures for hardware tests: scale simulators on real pseudo-terminals and adapters
with short poll and silence times so every test stays fast."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.scale.adapter import ScaleAdapter
from hardware.scale.simulator import ScaleSimulator
from tests.hardware.scale.helpers import FAST


@pytest.fixture
def make_sim(tmp_path: Path) -> Iterator[Callable[..., ScaleSimulator]]:
    sims: list[ScaleSimulator] = []

    def make(protocol: str, **kwargs: object) -> ScaleSimulator:
        kwargs.setdefault("link", tmp_path / f"tty-{protocol}-{len(sims)}")
        kwargs.setdefault("stream_interval_s", 0.03)
        kwargs.setdefault("reply_delay_s", 0.05)
        sim = ScaleSimulator(protocol, **kwargs)
        sim.start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def make_adapter() -> Iterator[Callable[..., ScaleAdapter]]:
    adapters: list[ScaleAdapter] = []

    def make(protocol: str, port: str, *, wanted: bool = True, **kwargs: object) -> ScaleAdapter:
        """``wanted``: a weight is needed from the start (the calculator is open), so an
        on-demand scale (Adam) is asked like the others."""
        options = {**FAST, **kwargs}
        adapter = ScaleAdapter(protocol, port, **options)
        adapters.append(adapter)
        if wanted:
            adapter.want_weight()
        return adapter.start()

    yield make
    for adapter in adapters:
        adapter.stop()
