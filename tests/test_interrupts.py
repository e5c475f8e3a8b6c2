"""Draws interrupted or overlapping: Ctrl-C, SIGKILL at each point a killed draw can leave a different state, and a
second draw while the first is being built."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projects import ROOT, as_in_a_terminal, seeded_project
from zhanhe_audit import engine
from zhanhe_audit.errors import RunInProgress

pytestmark = pytest.mark.slow


def _start_and_stop(root: Path, stop: signal.Signals) -> subprocess.Popen:
    """Start a draw, wait until it is inside the notebooks, then send ``stop``."""
    process = subprocess.Popen([sys.executable, "-m", "zhanhe_audit.cli", "--root", str(root), "draw", "2026Q1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=as_in_a_terminal)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # the folder being built (beside it, once the notebooks run, the inputs cache matches too)
        if any((partial / "inputs").is_dir() for partial in (root / "outputs").glob(".2026Q1.partial-*")):
            break
        time.sleep(0.05)
    time.sleep(1.0)  # now inside papermill
    assert process.poll() is None, "the draw finished before it could be stopped"
    os.kill(process.pid, stop)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the draw was still running 60 s after {stop.name}; it had printed:\n"
                    f"{process.stdout.read()}\n{process.stderr.read()}")
    return process


def test_ctrl_c_midway_leaves_no_archive_and_nothing_partial(tmp_path):
    seeded_project(tmp_path)
    process = _start_and_stop(tmp_path, signal.SIGINT)
    assert process.returncode != 0
    assert "interrupted; nothing was written" in process.stderr.read()
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == []


# inside a notebook (the partial folder and the kernel's inputs), during the HTML export and during the manifest
# (the partial folder alone): the states a killed draw can leave (a kill inside 02-report leaves what one in 01 does)
KILL_POINTS = ["01-draw", "html", "manifest"]


def _run(root: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=root)


def _kill_chain(root: Path, points: list[str]) -> None:
    """Kill a draw at each of ``points`` in turn: each next draw removes what the killed one left, says
    so in one line, and gets further; then a draw completes, verify passes, and nothing else is left."""
    seeded_project(root)
    outputs = root / "outputs"
    left, left_cache = None, []
    for point in points:
        killed = _run(root, str(ROOT / "tests" / "interrupt.py"), point, str(root), "2026Q1")
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        assert killed.stdout.splitlines()[-1].startswith("KILLED"), killed.stdout
        if left:
            assert f"removed outputs/{left}: left by a run that was killed" in killed.stdout, killed.stdout
        # the folder being built, and beside it (once the notebooks run) the inputs handed to the kernel
        partial, *cache = sorted(path.name for path in outputs.iterdir())
        assert partial.startswith(".2026Q1.partial-") and partial != left
        assert cache == ([] if point == "manifest" else [f"{partial}.inputs.pickle"])  # gone once the steps ended
        left, left_cache = partial, cache
    drawn = _run(root, "-m", "zhanhe_audit.cli", "--root", str(root), "draw", "2026Q1")
    assert drawn.returncode == 0, drawn.stdout + drawn.stderr
    assert [line.split()[1] for line in drawn.stdout.splitlines() if line.startswith("removed ")] == [
        f"outputs/{name}:" for name in [left, *left_cache]]
    # (the pages a recovered draw renders are those of any draw: test_make_verify_passes_on_a_fresh_archive)
    verified = _run(root, "-m", "zhanhe_audit.cli", "--root", str(root), "verify", "2026Q1", "--no-pages")
    assert verified.returncode == 0 and verified.stdout.strip().splitlines()[-1] == (
        "PASS, 4 checks not run: fairness (not asked for (PAGES=no)); pages (not asked for (PAGES=no)); announced seed "
        "(not given); announced head (not given)"), verified.stdout
    time.sleep(1.5)  # an orphaned kernel notices its parent is gone within a second; it must leave nothing
    assert [path.name for path in outputs.iterdir()] == ["2026Q1"]


def test_a_draw_killed_at_any_point_is_recovered_by_the_next_draw(tmp_path):
    """SIGKILL at each of ``KILL_POINTS`` in turn, each next draw getting further, then a draw that completes."""
    _kill_chain(tmp_path, KILL_POINTS)


def test_a_second_draw_while_the_first_is_being_built_refuses_and_the_first_completes(tmp_path):
    project = seeded_project(tmp_path)
    first = subprocess.Popen([sys.executable, str(ROOT / "tests" / "interrupt.py"), "wait:manifest", str(tmp_path),
                              "2026Q1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert first.stdout.readline().strip() == "WAITING at the manifest"
        with pytest.raises(RunInProgress, match=r"another run is writing evidence under outputs/ right now "
                                              r"\(building outputs/\.2026Q1\.partial-\d+\)"):
            engine.draw_quarter(project, "2026Q1")
        (tmp_path / "go").touch()
        assert first.wait(timeout=60) == 0, first.stderr.read()
    finally:
        first.kill()
    assert [path.name for path in (tmp_path / "outputs").iterdir()] == ["2026Q1"]
    assert (tmp_path / "outputs" / "2026Q1" / "manifest.json").is_file()
