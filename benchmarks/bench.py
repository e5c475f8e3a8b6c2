"""``make bench``: how the draw grows from a district to a province (never part of the pass/fail tests).

Everything is generated here; no large file is committed. Results go to ``outputs/bench/``
(ignored by git): ``bench.csv``, ``bench.md`` (the tables docs/measured.md quotes) and ``bench.png``
(time against entities, log-log).

1. The draw's ranking (tickets, ranks and selection of every stratum, and ``tickets.csv``:
   ``ranking.rank_all``, the project's ``draw.sql`` on DuckDB, what ``make draw`` runs) for 10k,
   100k, 1M and 10M entities in four grades, each in a process of its own so that its peak
   memory is its own; beside it, in the same run:
   - the reference engine (``tests/oracle/draw.py``, pure Python, one object per row) up to 1M;
   - the pandas baseline an analyst would write, ``groupby(grade).sample(frac=...)``:
     order-dependent, not verifiable, hashing nothing;
   - the floor (``floor.py``): hashing, sorting and writing the same rows in C, on all cores; beside it
     Python's ``hashlib`` called once per message, which is not the floor;
   - up to 1M, when pyspark and Java are there: the same ``draw.sql`` on Apache Spark
     (``spark.rank_all``, a local[2] session), its session start timed on a line of its own and
     its peak the Python process's plus the JVM's.
2. Reading and checking the entities register (CSV, Parquet and ``.xlsx``) up to 1M rows.
3. End to end: ``make draw`` and ``make verify`` on synthetic quarters of 200,000 and
   1,000,000 entities (each step timed, peak memory of the process tree), and
   ``verify-task.sh`` on the largest task.

    python benchmarks/bench.py [--quick]     (--quick: 10k and 100k only, no end to end)
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import floor
from scratch import OUT, ROOT, SEED, seed_after_freeze, synthetic_project, timed_run

SHARES = (("A", 65, 1), ("B", 25, 3), ("C", 8, 10), ("D", 2, 20))  # grade, share of entities (%), percent drawn
SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
END_TO_END = (100_000, 200_000, 1_000_000, 10_000_000)
CHECKED_BY_HAND = 1_000_000  # verify-task.sh and verify.html are timed up to this size (at 10M: minutes each)
CHAIN = 200_000  # entities of each quarter of the long archive (bench_chain.py)
# label, child, largest size (the reference engine at 10M would take minutes and about 7 GB)
LINES = (("draw (ranking.rank_all: draw.sql on DuckDB) + tickets.csv", "rank_all", SIZES[-1]),
         ("reference tests/oracle/draw.py (pure Python) + tickets.csv", "reference", 1_000_000),
         ("pandas groupby.sample", "pandas_baseline", SIZES[-1]),
         ("Python hashlib, a call per message, all cores (not the floor)", "sha_floor", SIZES[-1]))
SPARK_LINE = ("draw on Spark (spark.rank_all: draw.sql on local[2]) + tickets.csv", "spark_rank_all", 1_000_000)
SPARK_START = "Spark session start (local[2], in the same process)"
# label, child, largest size: reading and checking the entities register (one Python object per entity is the
# limit: about 0.9 GB a million; an .xlsx sheet holds at most 1,048,576 rows)
REGISTER_LINES = (("entities register, CSV: read and checked", "register_csv", 1_000_000),
                  ("entities register, Parquet: read and checked", "register_parquet", 1_000_000),
                  ("entities register, .xlsx: read and checked", "register_xlsx", 1_000_000))


def usccs(count: int) -> list[str]:
    from zhanhe_audit.uscc import complete

    return [complete(f"91410411{index:09d}") for index in range(count)]


def strata(count: int) -> list[tuple[str, list[str], int]]:
    """(grade, usccs, n) of a synthetic register of ``count`` entities."""
    from fractions import Fraction

    from zhanhe_audit.formulas import quota

    codes, found, start = usccs(count), [], 0
    for grade, share, percent in SHARES:
        size = count * share // 100
        found.append((grade, codes[start:start + size], quota(size, Fraction(percent))))
        start += size
    return found


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rank_all(count: int) -> None:
    """Child process: rank every stratum and write tickets.csv as make draw does (draw.sql on DuckDB, streamed
    into the file); print seconds and peak MB."""
    import pyarrow as pa

    from zhanhe_audit.ranking import Stratum, rank_all
    from zhanhe_audit.tickets import write_tickets

    # as make draw gives them: each stratum's codes an Arrow column (eligibility.py), built before the clock starts
    prepared = [Stratum("2027Q1-T01", grade, pa.array(codes, pa.string()), n) for grade, codes, n in strata(count)]
    before = peak_mb()
    with tempfile.TemporaryDirectory(prefix="zhanhe-bench-") as scratch:
        started = time.perf_counter()
        with (Path(scratch) / "tickets.csv").open("wb") as tickets, rank_all(SEED, prepared) as rows:
            selected = write_tickets(rows, tickets)
        seconds = time.perf_counter() - started
        size = (Path(scratch) / "tickets.csv").stat().st_size
    print(f"{seconds:.3f} {peak_mb():.0f} {before:.0f} {len(selected)} {size}")


def spark_rank_all(count: int) -> None:
    """Child process: the same draw.sql on a local Spark session (``spark.rank_all``), tickets.csv written by the
    driver; print seconds and peak MB (this process's and the JVM's, added), then the session's start in seconds."""
    from zhanhe_audit import spark
    from zhanhe_audit.ranking import Stratum
    from zhanhe_audit.tickets import write_tickets

    prepared = [Stratum("2027Q1-T01", grade, codes, n) for grade, codes, n in strata(count)]
    started = time.perf_counter()
    session = spark.start()
    start_seconds = time.perf_counter() - started
    before = peak_mb()
    with tempfile.TemporaryDirectory(prefix="zhanhe-bench-") as scratch:
        started = time.perf_counter()
        with (Path(scratch) / "tickets.csv").open("wb") as tickets, spark.rank_all(SEED, prepared, session) as rows:
            selected = write_tickets(rows, tickets)
        seconds = time.perf_counter() - started
        size = (Path(scratch) / "tickets.csv").stat().st_size
    status = Path(f"/proc/{session.sparkContext._gateway.proc.pid}/status").read_text(encoding="utf-8")
    jvm = float(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024  # the JVM's peak resident set
    session.stop()
    print(f"{seconds:.3f} {peak_mb() + jvm:.0f} {start_seconds:.3f} {peak_mb():.0f} {jvm:.0f} {before:.0f} "
          f"{len(selected)} {size}")


def reference(count: int) -> None:
    """Child process: the same with the reference engine (tests/oracle/draw.py, pure Python): the readable
    protocol."""
    sys.path.insert(0, str(ROOT / "tests"))  # the reference lives with the tests, which compare the draw with it
    from oracle.draw import rank_stratum
    from zhanhe_audit.evidence.files import TICKETS_CSV

    prepared = strata(count)
    before = peak_mb()
    started = time.perf_counter()
    rows = [row for grade, codes, n in prepared for row in rank_stratum(SEED, "2027Q1-T01", grade, codes, n)]
    text = TICKETS_CSV.text(rows)
    print(f"{time.perf_counter() - started:.3f} {peak_mb():.0f} {before:.0f} {len(rows)} {len(text)}")


def pandas_baseline(count: int) -> None:
    """Child process: what an analyst would write: not reproducible across versions, hashes nothing."""
    import pandas as pd

    frame = pd.DataFrame({"uscc": usccs(count),
                          "grade": [g for g, share, _ in SHARES for _ in range(count * share // 100)]
                          + ["A"] * (count - sum(count * s // 100 for _, s, _ in SHARES))})
    percent = {grade: p / 100 for grade, _, p in SHARES}
    started = time.perf_counter()
    sample = frame.groupby("grade", group_keys=False).apply(lambda g: g.sample(frac=percent[g.name], random_state=1))
    print(f"{time.perf_counter() - started:.3f} {peak_mb():.0f} 0 {len(sample)}")


def _hash_chunk(codes: list[str]) -> int:
    prefix = hashlib.sha256(f"{SEED}\n2027Q1-T01\n".encode())
    for code in codes:
        digest = prefix.copy()
        digest.update(code.encode())
        digest.digest()
    return len(codes)


def sha_floor(count: int) -> None:
    """Child process: the same messages hashed on all cores by Python's hashlib, a call each, nothing else."""
    codes = usccs(count)
    workers = os.cpu_count() or 1
    chunks = [codes[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        started = time.perf_counter()
        total = sum(pool.map(_hash_chunk, chunks))
    print(f"{time.perf_counter() - started:.3f} {peak_mb():.0f} 0 {total}")


def entity_rows(count: int) -> list[list[str]]:
    """``count`` entity rows: the demo's rows repeated under new codes and names (the header first)."""
    from zhanhe_audit.uscc import complete

    rows = list(csv.reader(io.StringIO((ROOT / "registers" / "demo-2026Q4" / "entities.csv")
                                       .read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    found = [header]
    for index in range(count):
        row = list(body[index % len(body)])
        row[0], row[1] = complete(f"91410411{index:09d}"), f"{row[1]}{index}"
        found.append(row)
    return found


def load_register(kind: str, count: int) -> None:
    """Child process: read and check an entities register of ``count`` rows saved as ``kind`` (csv, parquet,
    xlsx), as ``make draw`` reads one; print seconds and peak MB."""
    from zhanhe_audit.registers import entities as entity_rules
    from zhanhe_audit.registers import reading

    rows = entity_rows(count)
    with tempfile.TemporaryDirectory(prefix="zhanhe-bench-") as scratch:
        path = Path(scratch) / f"entities.{kind}"
        if kind == "csv":
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows(rows)
        elif kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({name: [row[at] for row in rows[1:]] for at, name in enumerate(rows[0])}), path)
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            for row in rows:
                sheet.append(row)
            book.save(path)
        del rows
        tags = dict(list(csv.reader(io.StringIO((ROOT / "registers" / "demo-2026Q4" / "tags.csv").read_text(
            encoding="utf-8"))))[1:])
        before = peak_mb()
        started = time.perf_counter()
        table, problems = reading.read_table(path, "entities", path.name)
        entities, found = entity_rules.parse_entities(table, tags)
        seconds = time.perf_counter() - started
    assert not problems and not found and len(entities) == count, (problems, found[:3])
    print(f"{seconds:.3f} {peak_mb():.0f} {before:.0f} {len(entities)}")


register_csv, register_parquet, register_xlsx = (functools.partial(load_register, kind)
                                                 for kind in ("csv", "parquet", "xlsx"))


def child(function: str, count: int) -> list[float]:
    """The numbers the child prints on its last line: seconds and peak MB first."""
    done = subprocess.run([sys.executable, __file__, "--child", function, str(count)], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return [float(value) for value in done.stdout.splitlines()[-1].split()]


def spark_lines() -> tuple[tuple[str, str, int], ...]:
    """The Spark line, when pyspark and Java are here."""
    from zhanhe_audit import spark

    if (missing := spark.missing()) is not None:
        print(f"the Spark line is not run: {missing}")
        return ()
    return (SPARK_LINE,)


# --- end to end ----------------------------------------------------------------------------------------


def end_to_end(count: int, rows: list[dict]) -> None:
    root = OUT / f"project-{count}"
    shutil.rmtree(root, ignore_errors=True)
    quarter = synthetic_project(root, count)
    cli = [sys.executable, "-m", "zhanhe_audit.cli", "--root", str(root)]
    seconds, peak, _ = timed_run([*cli, "freeze", quarter], root)
    rows.append({"what": f"make freeze, {count:,} entities", "entities": count, "seconds": seconds, "peak_mb": peak})
    seed_after_freeze(root, quarter)
    seconds, peak, shown = timed_run([*cli, "draw", quarter], root)
    rows.append({"what": f"make draw, {count:,} entities", "entities": count, "seconds": seconds, "peak_mb": peak})
    for line in shown.splitlines():
        if line.startswith("[") or line.strip().endswith(" s"):
            print("   ", line)
    seconds, peak, _ = timed_run([*cli, "verify", quarter], root)
    rows.append({"what": f"make verify, {count:,} entities", "entities": count, "seconds": seconds, "peak_mb": peak})
    archive = root / "outputs" / quarter
    sizes = {page.relative_to(archive).as_posix(): page.stat().st_size for page in archive.rglob("*.html")}
    rows.append({"what": f"largest page, {count:,} entities ({max(sizes, key=sizes.get)})", "entities": count,
                 "seconds": float("nan"), "peak_mb": max(sizes.values()) / 2**20})
    rows.append({"what": f"report.html, {count:,} entities", "entities": count, "seconds": float("nan"),
                 "peak_mb": sizes["report.html"] / 2**20})
    if count > CHECKED_BY_HAND:
        print(f"    verify-task.sh and verify.html: not timed above {CHECKED_BY_HAND:,} entities (minutes each)")
        return
    tickets = list(csv.reader(io.StringIO((archive / "draw" / "tickets.csv").read_text(encoding="utf-8"))))[1:]
    largest = max({row[0] for row in tickets}, key=lambda task: sum(row[0] == task for row in tickets))
    count_task = sum(row[0] == largest for row in tickets)
    seconds, peak, shown = timed_run(["sh", str(archive / "verify-task.sh"), str(archive), largest], root)
    rows.append({"what": f"verify-task.sh, {count_task:,} tickets", "entities": count_task, "seconds": seconds,
                 "peak_mb": peak})
    print("   ", shown.strip())
    if shutil.which("chromium") and shutil.which("chromedriver"):
        from bench_verify_page import page_seconds

        seconds, verdict, statuses = page_seconds(archive)
        rows.append({"what": f"verify.html in Chromium, {len(tickets):,} tickets", "entities": count,
                     "seconds": seconds, "peak_mb": float("nan")})
        print(f"    verify.html: {seconds:.1f} s, {verdict} ({statuses})")
    else:
        print("    verify.html: not timed, no chromium and chromedriver here "
              "(apt-get install chromium chromium-driver)")


def main(quick: bool) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    machine = (f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, {platform.system()}, "
               f"Python {platform.python_version()}")
    print(f"machine: {machine}")
    rows: list[dict] = []
    spark = spark_lines()
    native = floor.build()
    for count in SIZES[:2] if quick else SIZES:
        for label, function, largest in LINES + spark + REGISTER_LINES:
            if count > largest:
                continue
            seconds, peak, *more = child(function, count)
            if function == "rank_all":  # the floor of the same rows, tickets.csv's size as the draw wrote it
                rows += floor.rows(native, strata(count), count, int(more[-1]))
            rows.append({"what": label, "entities": count, "seconds": seconds, "peak_mb": peak})
            print(f"{label:<32} {count:>12,} {seconds:8.2f} s {peak:8.0f} MB")
            if function == "spark_rank_all":
                start, python, jvm = more[:3]
                rows.append({"what": SPARK_START, "entities": count, "seconds": start, "peak_mb": float("nan")})
                print(f"{'  of which: Python, JVM':<32} {'':>12} {'':>10} {python:8.0f} MB {jvm:.0f} MB; "
                      f"session start {start:.2f} s")
    if not quick:
        from bench_chain import chain

        for count in END_TO_END:
            end_to_end(count, rows)
        print(f"a long archive: eight quarters of {CHAIN:,} entities on one chain, then a ninth")
        chain(CHAIN, rows)
    with (OUT / "bench.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["what", "entities", "seconds", "peak_mb"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {machine}.", "", "| what | entities | seconds | peak MB |",
             "|---|---:|---:|---:|"]
    lines += [f"| {r['what']} | {r['entities']:,} | {r['seconds']:.2f} | {r['peak_mb']:.0f} |".replace("| nan |", "| |")
              if r["seconds"] == r["seconds"]
              else f"| {r['what']}: size in MB | {r['entities']:,} | | {r['peak_mb']:.2f} |" for r in rows]
    lines += ["", *ratios(rows)]
    (OUT / "bench.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(rows)
    print(f"written: {OUT / 'bench.md'}, {OUT / 'bench.csv'}, {OUT / 'bench.png'}")


E2E = {"make draw": "make draw, end to end", "make freeze": "make freeze, end to end",
       "make verify": "make verify, end to end"}


def series(rows: list[dict], label: str) -> dict[int, float]:
    """Seconds by entities of one line: a draw line by its label, an end-to-end step by its command."""
    if label in E2E.values():
        command = next(key for key, value in E2E.items() if value == label)
        return {r["entities"]: r["seconds"] for r in rows if r["what"] == f"{command}, {r['entities']:,} entities"}
    return {r["entities"]: r["seconds"] for r in rows if r["what"] == label}


def ratios(rows: list[dict]) -> list[str]:
    """The figures the targets are stated in: the draw against its floor (hashing + sorting + writing), and growth
    per decade."""
    draw, least = series(rows, LINES[0][0]), series(rows, floor.FLOOR)
    found = ["| entities | the draw / its floor (hashing + sorting + writing, in C) |", "|---:|---:|"]
    found += [f"| {size:,} | {draw[size] / least[size]:.2f} |" for size in sorted(draw) if size in least]
    found += ["", "| what | growth per decade (×), from the smaller size |", "|---|---|"]
    for label in (LINES[0][0], *E2E.values()):
        points = series(rows, label)
        steps = [f"{small:,} → {large:,}: ×{points[large] / points[small]:.1f}" for small in sorted(points)
                 for large in sorted(points) if large == small * 10]
        found.append(f"| {label} | {'; '.join(steps) or 'not measured'} |")
    return found


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(11, 4.5))
    for label in [line[0] for line in LINES + (SPARK_LINE,) + REGISTER_LINES] + list(E2E.values()):
        points = sorted(series(rows, label).items())
        if not points:
            continue
        axes.loglog([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
    axes.set_xlabel("entities")
    axes.set_ylabel("seconds")
    axes.set_title("time against entities (log-log)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))  # beside the plot, never over a line
    figure.tight_layout()
    figure.savefig(OUT / "bench.png", dpi=110)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        globals()[sys.argv[2]](int(sys.argv[3]))
    else:
        main("--quick" in sys.argv)
