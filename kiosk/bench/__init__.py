"""``kiosk-admin bench``: measures and prints figures (never a pass/fail test).

Each probe module registers functions that receive a ``BenchContext`` (a temporary
state directory with a catalog of N products) and return a dict of figures; the
command merges them into one JSON object."""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBE_MODULES = ["kiosk.bench.engine", "kiosk.bench.inventory", "kiosk.bench.long_writers", "kiosk.bench.ui",
                 "kiosk.bench.hardware_probe",
                 "kiosk.bench.scale_probe",
                 "kiosk.bench.ui_scale", "kiosk.bench.fiscal_probe", "kiosk.bench.fiscal_shop_probe", "kiosk.bench.staff",
                 "kiosk.bench.report_probe"]


@dataclass
class BenchContext:
    products: int
    workdir: Path
    options: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)  # probes may leave things for later ones


Probe = Callable[[BenchContext], dict[str, Any]]
_PROBES: list[tuple[str, Probe]] = []


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        _PROBES.append((name, fn))
        return fn
    return register


def probes() -> list[tuple[str, Probe]]:
    for module in PROBE_MODULES:
        importlib.import_module(module)
    return list(_PROBES)


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``samples`` (milliseconds in, milliseconds out)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def timed_ms(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def run(ctx: BenchContext, only: set[str] | None = None, skip: set[str] | None = None,
        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {"products": ctx.products}
    for name, fn in probes():
        if (only and name not in only) or (skip and name in skip):
            continue
        if progress:
            progress(name)
        t0 = time.perf_counter()
        results.update(fn(ctx))
        results.setdefault("probe_seconds", {})[name] = round(time.perf_counter() - t0, 2)
    return results
