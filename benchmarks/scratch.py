"""What every benchmark builds on: a scratch project of a synthetic quarter, drawn as a bureau draws it.

``synthetic_project`` writes a quarter of ``count`` entities (the demo's rows under new codes);
``seed_after_freeze`` commits its freeze, then its seed, in the project's own git repository;
``timed_run`` times a command and its process tree's peak memory. ``bench.py``, ``bench_chain.py``
and ``bench_verify_page.py`` import this module; it imports none of them.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "bench"
SEED = "bench seed 2026-11-26 31415 92653 58979 32384"


def synthetic_project(root: Path, count: int) -> str:
    """A project whose quarter 2027Q1 has ``count`` entities: the demo's rows repeated under new codes."""
    from zhanhe_audit.uscc import complete

    quarter = "2027Q1"
    demo = ROOT / "registers" / "demo-2026Q4"
    folder = root / "registers" / quarter
    folder.mkdir(parents=True)
    for name in ("items", "inspectors", "conflicts", "tags"):
        shutil.copyfile(demo / f"{name}.csv", folder / f"{name}.csv")
    rows = list(csv.reader(io.StringIO((demo / "entities.csv").read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    with (folder / "entities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for index in range(count):
            row = list(body[index % len(body)])
            row[0], row[1] = complete(f"91410411{index:09d}"), f"{row[1]}{index}"
            writer.writerow(row)
    params = (ROOT / "params" / "demo-2026Q4.yaml").read_text(encoding="utf-8")
    params = params[:params.index("# The seed is written AFTER")] if "# The seed is written AFTER" in params else params
    params = params.replace("demo-2026Q4", quarter).replace("demo: true", "demo: false")
    params = re.sub(r"exclusions:\n(  - .*\n    .*\n)+", "", params)
    (root / "params").mkdir()
    (root / "params" / f"{quarter}.yaml").write_text(params, encoding="utf-8")
    (root / "notebooks").symlink_to(ROOT / "notebooks")
    return quarter


def seed_after_freeze(root: Path, quarter: str, seed: str = SEED, day: str | None = None) -> None:
    """As a bureau does it, in ``root``'s own git repository (made here): the registers, the params without the
    seed and the freeze record committed, then the seed written into the params and committed, the order
    ``make draw`` asks git to prove (protocol v1, 'Freeze'). The seed is dated ``day``, today unless given: a date
    before the freeze commit's puts the timeline out of order (04-compliance's ✗)."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args], cwd=root,
                       check=True, capture_output=True)

    if not (root / ".git").exists():
        git("init", "-q")
    git("add", f"registers/{quarter}", f"params/{quarter}.yaml", f"params/{quarter}.freeze.json")
    git("commit", "-q", "-m", f"{quarter}: registers, params and freeze record")
    path = root / "params" / f"{quarter}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f'seed:\n  value: "{seed}"\n  provenance:\n'
                    f'    method: "bench"\n    date: "{day or date.today().isoformat()}"\n    witnesses: ["bench"]\n',
                    encoding="utf-8")
    git("add", f"params/{quarter}.yaml")
    git("commit", "-q", "-m", f"{quarter}: the seed")


def timed_run(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Seconds, peak MB of the process tree (the largest child's resident set), and stdout."""
    started = time.perf_counter()
    measure = ["/usr/bin/time", "-f", "PEAK %M"] if Path("/usr/bin/time").exists() else []  # Debian's time
    done = subprocess.run([*measure, *command], cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    peak = float(re.search(r"PEAK (\d+)", done.stderr)[1]) / 1024 if "PEAK" in done.stderr else float("nan")
    return time.perf_counter() - started, peak, done.stdout
