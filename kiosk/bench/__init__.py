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
                 "kiosk.bench.cashier",
                 "kiosk.bench.report_probe", "kiosk.bench.sync_probe"]

# Issue 18's budgets (on the machine the README names; a Pi 4 is 3-4x slower per core).
# A figure absent from a run (its probe skipped) is shown as "-".
BUDGETS: dict[str, float] = {
    "confirm_to_done_p95_ms": 100, "keystroke_to_results_p95_ms": 60, "unlock_to_catalog_ms": 200,
    "ui_start_s": 2.0, "kiosk_rss_ratio": 1.3, "idle_cpu_pct": 3, "lookup_ratio": 5, "search_ratio": 4, "checkout_ratio": 2.0,
    "import_100k_s": 10, "import_peak_rss_mb": 250, "admin_start_s": 0.8,
    "sync_push_10k_s": 10,  # issue 19: 10,000 waiting sales pushed to a local PostgreSQL
    "sync_pull_100k_s": 20,  # issue 19: a 100k catalog pulled by a new till
    "report_day_s": 5,  # issue 17: the daily report (PDF + XLSX), 2,000 sales in the 100k catalog
}


def table(results: dict[str, Any]) -> str:
    """The figures with budgets as a readable table (the JSON follows it)."""
    rows = [("figure", "value", "budget", "ok/OVER")]
    for key, budget in BUDGETS.items():
        value = results.get(key)
        verdict = "" if not isinstance(value, (int, float)) else ("ok" if value <= budget else "OVER")
        rows.append((key, "-" if value is None else str(value), f"<= {budget:g}", verdict))
    for key, value in results.items():
        if key not in BUDGETS and isinstance(value, (int, float)):
            rows.append((key, str(value), "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


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


class UnknownProbe(ValueError):
    pass


def resolve_names(names: set[str] | None, known: list[str]) -> set[str] | None:
    """Probe names as typed after --only / --skip: a probe's name, or one of the figures
    it reports (``report_day_s`` is the ``report`` probe's: the longest probe name the
    figure starts with). A name that matches no probe is an error, not an empty run."""
    if not names:
        return names
    out = set()
    for name in names:
        if name in known:
            out.add(name)
            continue
        owners = [k for k in known if name.startswith(k + "_")]
        if not owners:
            raise UnknownProbe(f"no benchmark probe {name!r}; probes: {', '.join(sorted(set(known)))}")
        out.add(max(owners, key=len))
    return out


def run(ctx: BenchContext, only: set[str] | None = None, skip: set[str] | None = None,
        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {"products": ctx.products}
    known = probes()
    only = resolve_names(only, [name for name, _fn in known])
    skip = resolve_names(skip, [name for name, _fn in known])
    for name, fn in known:
        if (only and name not in only) or (skip and name in skip):
            continue
        if progress:
            progress(name)
        t0 = time.perf_counter()
        try:
            figures = dict(fn(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken probe must not lose a long run's other figures
            results.setdefault("failed", {})[name] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        skipped = figures.pop("skipped", None)
        if skipped:  # why a figure is "-": kept from every probe that skipped something
            results.setdefault("skipped", {}).update(skipped)
        results.update(figures)
        results.setdefault("probe_seconds", {})[name] = round(time.perf_counter() - t0, 2)
    if isinstance(results.get("kiosk_rss_mb"), float) and results.get("bare_kivy_rss_mb"):
        # the memory budget is a ratio: the kiosk against a one-label Kivy app under the same display
        results["kiosk_rss_ratio"] = round(results["kiosk_rss_mb"] / results["bare_kivy_rss_mb"], 2)
    return results
