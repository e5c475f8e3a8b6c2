"""A long archive, timed (part of ``make bench``, never a pass/fail test): two years of quarters on one chain.

Eight quarters (2025Q1 to 2026Q4) of ``COUNT`` entities each are frozen, seeded and drawn by ``make draw``,
and each gets a replacement and two results records (``make replace``, ``make results`` twice). Then the
ninth quarter (2027Q1), whose history is every visit of the eight, is drawn, and every quarter is verified.
The figures to compare: the ninth quarter's ``make draw`` against the first's (which had no history), and
each quarter's ``make verify`` against the first's.

    python benchmarks/bench_chain.py [COUNT]      (default 200,000; writes outputs/bench/chain-COUNT/)
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from scratch import OUT, seed_after_freeze, synthetic_project, timed_run

QUARTERS = ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4")
NINTH = "2027Q1"
SEEDS = {quarter: f"chain bench {quarter} 31415 92653 58979 32384 62643" for quarter in (*QUARTERS, NINTH)}


def first_day(quarter: str) -> date:
    return date(int(quarter[:4]), 3 * int(quarter[-1]) - 2, 1)


def add_quarter(root: Path, template: str, quarter: str) -> None:
    """``quarter``'s registers (the template quarter's, the same entities) and params (its own task ids)."""
    source, target = root / "registers" / template, root / "registers" / quarter
    shutil.copytree(source, target)
    for form in target.glob("*filled*"):
        form.unlink()
    params = (root / "params" / f"{template}.yaml").read_text(encoding="utf-8")
    params = params[: params.index("seed:")] if "\nseed:" in params else params
    (root / "params" / f"{quarter}.yaml").write_text(params.replace(template, quarter), encoding="utf-8")


def seed(root: Path, quarter: str) -> None:
    seed_after_freeze(root, quarter, SEEDS[quarter], str(first_day(quarter)))


def filled_form(root: Path, quarter: str, half: int) -> Path:
    """A filled results form (CSV, the form's Chinese headers): one result per (visit, item) of one half of the
    quarter's current visits, nothing found, inspected in the quarter's second month, published a week later."""
    from zhanhe_audit.kinds import apply_records
    from zhanhe_audit.results_form import FORM_COLUMNS

    visits = apply_records(root / "outputs" / quarter).visits
    start = first_day(quarter) + timedelta(days=35)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.header for column in FORM_COLUMNS])
    for visit in visits[half::2]:
        for item in visit.items:
            cells = {"visit": visit.visit_id, "uscc": visit.uscc, "item": item, "start": start.isoformat(),
                     "end": (start + timedelta(days=1)).isoformat(), "inspectors": "；".join(visit.inspectors),
                     "categories": "未发现问题", "published": (start + timedelta(days=8)).isoformat()}
            writer.writerow([cells.get(column.key, "") for column in FORM_COLUMNS])
    path = root / "registers" / quarter / f"results-filled-{half + 1}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def chain(count: int, rows: list[dict]) -> None:
    root = OUT / f"chain-{count}"
    shutil.rmtree(root, ignore_errors=True)
    template = synthetic_project(root, count)  # 2027Q1's registers and params: renamed below
    for quarter in (*QUARTERS, NINTH):
        if quarter != template:
            add_quarter(root, template, quarter)
    cli = [sys.executable, "-m", "zhanhe_audit.cli", "--root", str(root)]
    for number, quarter in enumerate((*QUARTERS, NINTH), start=1):
        timed_run([*cli, "freeze", quarter], root)
        seed(root, quarter)
        seconds, peak, _ = timed_run([*cli, "draw", quarter], root)
        history = f"{number - 1} earlier quarters" if number > 1 else "no history"
        if number in (1, len(QUARTERS) + 1):
            rows.append({"what": f"make draw, {count:,} entities, quarter {number} ({history})", "entities": count,
                         "seconds": seconds, "peak_mb": peak})
        print(f"    {quarter}: make draw {seconds:.1f} s, {peak:.0f} MB ({history})", flush=True)
        if quarter == NINTH:
            break
        first = next(iter(csv.DictReader(io.StringIO(
            (root / "outputs" / quarter / "draw" / "visits.csv").read_text(encoding="utf-8")))))
        timed_run([*cli, "replace", quarter, first["uscc"], "--reason", "已注销 deregistered (bench)"], root)
        as_of = (first_day(quarter) + timedelta(days=100)).isoformat()
        for half in (0, 1):
            timed_run([*cli, "results", quarter, str(filled_form(root, quarter, half)), "--as-of", as_of], root)
    for number, quarter in enumerate((*QUARTERS, NINTH), start=1):
        seconds, peak, shown = timed_run([*cli, "verify", quarter], root)
        if not shown.rstrip().splitlines()[-1].startswith("PASS"):  # 'PASS, 3 checks not run: announced seed, …'
            raise SystemExit(f"make verify {quarter} did not pass:\n{shown}")
        records = "no records" if quarter == NINTH else "a replacement and two results records"
        rows.append({"what": f"make verify, {count:,} entities, quarter {number} ({records})", "entities": count,
                     "seconds": seconds, "peak_mb": peak})
        print(f"    {quarter}: make verify {seconds:.1f} s, {peak:.0f} MB", flush=True)


if __name__ == "__main__":
    found: list[dict] = []
    chain(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000, found)
    for row in found:
        print(f"{row['what']:<80} {row['seconds']:8.1f} s {row['peak_mb']:8.0f} MB")
