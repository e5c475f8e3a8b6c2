"""Build small throw-away projects for tests: a copy of the demo registers, cut down."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import yaml

from zhanhe_audit.paths import Project

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "registers" / "demo-2026Q4"
SEED = {
    "value": "test seed 2026-01-05 48213 90377 15620 73184",
    "provenance": {"method": "test", "date": "2026-01-05", "witnesses": ["pytest"]},
}
TASKS = [
    {"id": "{q}-T01", "items": ["SX01", "SX02"], "grades": ["A", "B", "C", "D"]},
    {"id": "{q}-T02", "items": ["SX03", "SX04"], "grades": ["A", "B", "C", "D"], "batches": 2},
]


def make_project(root: Path, quarter: str = "2026Q1", entities: int = 2000, seed: bool = False,
                 tasks: list[dict] | None = None) -> Path:
    """A project folder with params/<quarter>.yaml and registers/<quarter>/ (the first ``entities`` demo rows)."""
    folder = root / "registers" / quarter
    folder.mkdir(parents=True)
    for name in ("items", "inspectors", "conflicts", "tags"):
        shutil.copyfile(DEMO / f"{name}.csv", folder / f"{name}.csv")
    lines = (DEMO / "entities.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "entities.csv").write_text("".join(lines[: entities + 1]), encoding="utf-8")
    # keep only conflicts whose entity is still in the register
    kept = {line.split(",")[0] for line in lines[1 : entities + 1]}
    conflicts = (DEMO / "conflicts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "conflicts.csv").write_text(
        "".join([conflicts[0]] + [line for line in conflicts[1:] if line.split(",")[1] in kept]), encoding="utf-8"
    )
    write_params(root, quarter, seed=seed, tasks=tasks)
    return root


def drawn_project(root: Path, quarter: str = "2026Q1", entities: int = 300, tasks: list[dict] | None = None,
                  conflicts: tuple[str, ...] = ()) -> Project:
    """A project with ``quarter`` made, frozen, seeded and drawn by the engine (no papermill);
    ``conflicts`` are extra rows of conflicts.csv."""
    from zhanhe_audit import engine

    project = seeded_project(root, quarter, entities=entities, tasks=tasks, conflicts=conflicts)
    engine.draw_quarter(project, quarter)
    return project


def seeded_project(root: Path, quarter: str = "2026Q1", entities: int = 300, tasks: list[dict] | None = None,
                   conflicts: tuple[str, ...] = ()) -> Project:
    """A project with ``quarter`` made, frozen and seeded, ready for ``make draw``; ``conflicts`` are extra rows
    of conflicts.csv."""
    from zhanhe_audit import engine

    make_project(root, quarter, entities=entities, tasks=tasks)
    if conflicts:
        path = root / "registers" / quarter / "conflicts.csv"
        path.write_text(path.read_text(encoding="utf-8") + "".join(f"{row}\n" for row in conflicts), encoding="utf-8")
    project = Project(root)
    engine.freeze_quarter(project, quarter)
    seed_after_freeze(root, quarter, tasks=tasks)
    return project


def git(root: Path, *args: str) -> str:
    """git in ``root`` as a test's committer (CI's clean machine has no git identity)."""
    return subprocess.run(["git", "-c", "user.name=pytest", "-c", "user.email=pytest@example.invalid", *args],
                          cwd=root, capture_output=True, text=True, check=True).stdout


def commit_all(root: Path, message: str) -> None:
    """Everything in ``root`` committed (a repository made first where there is none)."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def seed_after_freeze(root: Path, quarter: str, tasks: list[dict] | None = None, seed: dict | None = None) -> None:
    """As a bureau does it: the registers, the params without the seed and the freeze record committed, then
    the seed written into the params and committed (the order ``make draw`` asks git to prove)."""
    commit_all(root, f"{quarter}: registers, params and freeze record")
    write_params(root, quarter, seed=True, tasks=tasks, value=seed)
    commit_all(root, f"{quarter}: the seed")


def write_params(root: Path, quarter: str, seed: bool, tasks: list[dict] | None = None,
                 value: dict | None = None) -> Path:
    data = {
        "quarter": quarter,
        "protocol": "draw-v1",
        "percent": {"A": 1, "B": 3, "C": 10, "D": "20"},
        "tasks": [dict(task, id=task["id"].format(q=quarter)) for task in (tasks or TASKS)],
        "registers": {name: f"registers/{quarter}/{name}.csv"
                      for name in ("entities", "items", "inspectors", "conflicts", "tags")},
    }
    if seed:
        data["seed"] = value or SEED
    path = root / "params" / f"{quarter}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, for before/after comparisons."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


HEADERS = {
    "entities": "uscc,name,grade,tags,unit,status,established",
    "items": "item_id,name,department,legal_basis,target_tags,kind",
    "inspectors": "cert_no,name,department,unit,certified",
    "conflicts": "cert_no,uscc,reason",
    "tags": "code,name",
}


def write_rows_project(root: Path, quarter: str, seed: str, rows: dict[str, list[str]], tasks: list[dict],
                       **params) -> Project:
    """A throw-away project from literal CSV rows: registers/<quarter>/*.csv and params drawing
    100 % of every grade (so every eligible entity is visited), with ``params`` added."""
    folder = root / "registers" / quarter
    folder.mkdir(parents=True)
    for name, header in HEADERS.items():
        (folder / f"{name}.csv").write_text("".join(f"{line}\n" for line in [header, *rows.get(name, [])]),
                                            encoding="utf-8")
    data = {
        "quarter": quarter,
        "percent": {"A": 100, "B": 100, "C": 100, "D": 100},
        "tasks": [dict(task, id=f"{quarter}-{task['id']}") for task in tasks],
        "registers": {name: f"registers/{quarter}/{name}.csv" for name in HEADERS},
        "seed": {"value": seed, "provenance": {"method": "test", "date": "2026-01-05", "witnesses": ["pytest"]}},
        **params,
    }
    (root / "params").mkdir()
    (root / "params" / f"{quarter}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Project(root)


def copy_project(target: Path) -> Path:
    """The project's files as git sees them (tracked and new), with this checkout's .venv."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def make(root: Path, *targets: str) -> subprocess.CompletedProcess:
    """``make TARGET`` in ``root``; -o takes .venv as up to date (it is this checkout's, linked)."""
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", *targets], cwd=root,
                          capture_output=True, text=True)


def as_in_a_terminal() -> None:
    """For a child that a test interrupts: Ctrl-C delivered as in a terminal. A shell without job control
    (a CI step, a command run in the background) starts its children with SIGINT ignored, and an ignored
    signal cannot be trapped by ``sh`` nor turned into KeyboardInterrupt by Python."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_draw(inputs, under: Path):
    """``engine.run_draw`` with its ``draw/tickets.csv`` in a new folder under ``under`` (a test's temporary folder)."""
    from zhanhe_audit import engine

    return engine.run_draw(inputs, Path(tempfile.mkdtemp(prefix="draw-", dir=under)))
