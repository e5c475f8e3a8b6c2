"""Timings of the draw (run by 'make bench'; never part of the pass/fail tests).

1. the demo quarter: load and validate the registers, then draw every task;
2. ranking one stratum of N synthetic entities, for N up to 1,000,000.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

from zhanhe_audit import quarter
from zhanhe_audit.draw import quota, rank_stratum
from zhanhe_audit.params import FLOORS
from zhanhe_audit.paths import DEMO_QUARTER, Project
from zhanhe_audit.uscc import complete

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, function, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<58} {best:8.3f} s (best of {repeat})")
    return result


def main() -> None:
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, {platform.system()}")
    project = Project(ROOT)
    inputs = timed("demo: load and validate the five registers", lambda: quarter.load_inputs(project, DEMO_QUARTER))
    print(f"  entities: {len(inputs.registers.entities)}")
    result = timed("demo: eligibility and draw of every task", lambda: quarter.run_draw(inputs))
    print(f"  tickets: {len(result.tickets)}, selected: {sum(r.selected for r in result.tickets)}")
    for count in (10_000, 100_000, 1_000_000):
        usccs = [complete(f"91410411{index:09d}") for index in range(count)]
        n = quota(count, FLOORS["A"])
        timed(f"one stratum of {count:>9,} entities (quota {n})",
              lambda usccs=usccs, n=n: rank_stratum("bench seed 12345678901234567890", "2026Q1-T01", "A", usccs, n),
              repeat=1)


if __name__ == "__main__":
    main()
