"""Faults outside the package, said in words: a full disk, a folder the command may not write, a file another
program holds open. Each gives the package's message (what failed, where, that nothing half-written was left,
what to do), no traceback, exit status 2, and leaves no archive, record or temporary folder behind."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from projects import drawn_project, make_project, seed_after_freeze, tree
from zhanhe_audit import cli, engine
from zhanhe_audit.paths import Project

Q = "2026Q1"


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def _seeded(root: Path) -> Project:
    make_project(root, Q, entities=300)
    engine.freeze_quarter(Project(root), Q)
    seed_after_freeze(root, Q)
    return Project(root)


def _failing(code: int, winerror: int | None = None):
    def fail(*args, **kwargs):
        error = OSError(code, os.strerror(code), "outputs/.2026Q1.partial-1/draw/tickets.csv")
        if winerror is not None:
            error.winerror = winerror  # what Windows gives when Excel holds the file
        raise error
    return fail


@pytest.mark.parametrize(("code", "winerror", "words"), [
    (errno.ENOSPC, None, "the disk is full (outputs/.2026Q1.partial-1/draw/tickets.csv): 磁盘已满"),
    (errno.EACCES, None, "this may not write here (outputs/.2026Q1.partial-1/draw/tickets.csv): 无写入权限"),
    (errno.EACCES, 32, "a file is open in another program (outputs/.2026Q1.partial-1/draw/tickets.csv)"),
], ids=["disk_full", "permission_denied", "held_open_on_windows"])
def test_a_fault_while_drawing_is_said_in_words_and_leaves_nothing(tmp_path, monkeypatch, capsys, code, winerror,
                                                                   words):
    project = _seeded(tmp_path)
    before = tree(tmp_path)
    monkeypatch.setattr(os, "fsync", _failing(code, winerror))  # the first file of evidence the draw writes
    status = cli.main(["--root", str(tmp_path), "draw", Q])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.startswith(f"错误 Error: {words}") and "nothing was archived or appended" in err
    assert "run the same command again" in err
    assert "Traceback" not in out + err
    left = {name: data for name, data in tree(tmp_path).items() if not name.startswith(".git/")}
    assert left == {name: data for name, data in before.items() if not name.startswith(".git/")}
    assert not project.archive(Q).exists() and list(project.outputs.iterdir()) == []


def _mount_tiny(folder: Path, size: str) -> bool:
    folder.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def test_a_real_full_disk_while_drawing_is_said_in_words_and_the_next_draw_works(tmp_path, capsys):
    """On a small tmpfs (as root; skipped where it cannot be mounted), filled to a few kilobytes of room."""
    disk = tmp_path / "disk"
    if not _mount_tiny(disk, "16m"):
        pytest.skip("no tmpfs could be mounted here (needs root): the simulated disk-full test above still runs")
    try:
        root = disk / "project"
        project = _seeded(root)
        free = shutil.disk_usage(disk).free
        (disk / "filler").write_bytes(b"\0" * (free - 48 * 1024))
        status = cli.main(["--root", str(root), "draw", Q])
        out, err = capsys.readouterr()
        assert status == 2 and "the disk is full" in err and "Traceback" not in out + err, err
        assert not project.archive(Q).exists() and [p.name for p in project.outputs.iterdir()] == []
        (disk / "filler").unlink()
        engine.draw_quarter(project, Q)  # once space is freed, the draw works
        assert project.archive(Q).is_dir()
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_a_full_disk_while_writing_the_results_form_is_said_in_words(tmp_path, monkeypatch, capsys):
    project = drawn_project(tmp_path, Q, entities=200)
    monkeypatch.setattr(os, "fsync", _failing(errno.ENOSPC))
    status = cli.main(["--root", str(project.root), "results-form", Q])
    err = capsys.readouterr().err
    assert status == 2 and "the disk is full" in err and "Traceback" not in err
    assert not (project.forms(Q) / "results-form.xlsx").exists()
