"""Timings of the coreutils verifier, zhanhe_audit/verify-task.sh (never part of the pass/fail tests).

For N synthetic tickets of one task (grades A-D, tickets computed here by hashlib from the
protocol's formula), it writes draw/draw.json, draw/summary.csv and draw/tickets.csv into a
temporary archive, runs `sh verify-task.sh ARCHIVE TASK` and prints the wall time and
tickets per second. Default sizes 10,000 and 100,000; pass sizes to choose others:

    .venv/bin/python benchmarks/bench_verify_task.py            # 10k and 100k
    .venv/bin/python benchmarks/bench_verify_task.py 1000000    # one million
    TMPDIR=/tmp .venv/bin/python benchmarks/bench_verify_task.py  # temporary files on disk, not /dev/shm
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "zhanhe_audit" / "verify-task.sh"
SEED = 'bench seed \\ "quoted" 100% 公开摇号 12345678901234567890'
TASK = "2026Q1-T01"
PERCENT = {"A": Fraction(1), "B": Fraction(3), "C": Fraction(10), "D": Fraction(20)}
CHECK = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(index: int) -> str:
    first17 = f"91410411{index:09d}"
    total = sum(CHECK.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + CHECK[(31 - total % 31) % 31]


def write_archive(folder: Path, count: int, seed: str = SEED, task: str = TASK) -> Path:
    """A minimal archive of one task with `count` tickets, as the draw would write it."""
    draw = folder / "draw"
    draw.mkdir(parents=True)
    (draw / "draw.json").write_text(json.dumps({"protocol": "draw-v1", "seed": seed, "quarter": task[:6]},
                                               indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    grades = "ABCD"
    strata: dict[str, list[tuple[str, str]]] = {grade: [] for grade in grades}
    prefix = f"{seed}\n{task}\n".encode()
    for index in range(count):
        code = uscc(index)
        strata[grades[index % 4]].append((hashlib.sha256(prefix + code.encode()).hexdigest(), code))
    summary = ["task_id,grade,eligible,percent,floor,quota,selected,reason"]
    tickets = ["task_id,grade,uscc,ticket,rank,selected,batch"]
    for grade, rows in strata.items():
        eligible, percent = len(rows), PERCENT[grade]
        quota = -(-(eligible * percent.numerator) // (100 * percent.denominator))
        summary.append(f"{task},{grade},{eligible},{percent},{percent},{quota},{min(quota, eligible)},")
        for rank, (ticket, code) in enumerate(sorted(rows), start=1):
            tickets.append(f"{task},{grade},{code},{ticket},{rank},{'true' if rank <= quota else 'false'},")
    (draw / "summary.csv").write_text("\n".join(summary) + "\n", encoding="utf-8")
    (draw / "tickets.csv").write_text("\n".join(tickets) + "\n", encoding="utf-8")
    return folder


def main(sizes: list[int]) -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()}, {os.cpu_count()} cores; "
          f"sh verify-task.sh on one task, temporary folder in {os.environ.get('TMPDIR') or '/dev/shm (else /tmp)'}")
    for count in sizes:
        with tempfile.TemporaryDirectory() as temp:
            archive = write_archive(Path(temp) / "archive", count)
            started = time.perf_counter()
            out = subprocess.run(["sh", str(SCRIPT), str(archive), TASK], capture_output=True, text=True)
            elapsed = time.perf_counter() - started
        if out.returncode != 0 or not out.stdout.startswith(f"MATCH: {count} tickets"):
            raise SystemExit(f"verify-task.sh failed on {count} tickets: {out.stdout}{out.stderr}")
        print(f"{count:>9,} tickets {elapsed:8.2f} s  {count / elapsed:10,.0f} tickets/s")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
