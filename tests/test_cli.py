"""The zhanhe-audit command: user errors print a message, no traceback, exit 2, write nothing."""

from __future__ import annotations

import subprocess
import sys

from projects import make_project, tree
from zhanhe_audit import cli


def _run(root, *args):
    return subprocess.run([sys.executable, "-m", "zhanhe_audit.cli", "--root", str(root), *args],
                          capture_output=True, text=True)


def test_freeze_then_draw_print_what_they_did(tmp_path, demo_drawn):
    make_project(tmp_path, entities=300)
    frozen = _run(tmp_path, "freeze", "2026Q1")
    assert frozen.returncode == 0, frozen.stderr
    assert "Commit this file now" in frozen.stdout
    _, drawn = demo_drawn  # the CLI's draw as make draw ran it (every test that needs a whole draw shares it)
    assert drawn.returncode == 0, drawn.stderr
    assert "demo-2026Q4-T01" in drawn.stdout and "archive: outputs/demo-2026Q4/" in drawn.stdout
    steps = [line for line in drawn.stdout.splitlines() if line.startswith("[")]
    # each step shown once; the notebooks of one wave run side by side, each shown with its time when it is done
    assert sorted(line.split()[0] for line in steps) == [f"[{n}/7]" for n in range(1, 8)]
    assert steps[0].startswith("[1/7]") and steps[-1].startswith("[7/7] manifest")
    assert [line.endswith(" s") for line in steps[1:-1]] == [True] * 5
    assert sum(line.strip().endswith(" s") and line.strip()[0].isdigit() for line in drawn.stdout.splitlines()) == 1


def test_bad_register_prints_file_row_column_without_traceback_and_writes_nothing(tmp_path):
    make_project(tmp_path, entities=50)
    entities = tmp_path / "registers" / "2026Q1" / "entities.csv"
    lines = entities.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",A,", ",E,").replace(",B,", ",E,").replace(",C,", ",E,").replace(",D,", ",E,")
    entities.write_text("".join(lines), encoding="utf-8")
    before = tree(tmp_path)
    result = _run(tmp_path, "freeze", "2026Q1")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "registers/2026Q1/entities.csv, row 4, column 'grade'" in result.stderr
    assert tree(tmp_path) == before


def test_bad_params_name_the_key(tmp_path, capsys):
    make_project(tmp_path)
    params = tmp_path / "params" / "2026Q1.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("D: '20'", "D: 12.5"), encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "freeze", "2026Q1"]) == 2
    err = capsys.readouterr().err
    assert "params/2026Q1.yaml" in err and "key 'percent.D'" in err and "Traceback" not in err


def test_unknown_quarter_says_the_params_file_is_missing(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "draw", "2031Q1"]) == 2
    assert "params/2031Q1.yaml" in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()


def test_malformed_quarter_is_refused_before_any_file_is_read(tmp_path, capsys):
    for command in ("freeze", "draw", "verify"):
        assert cli.main(["--root", str(tmp_path), command, "2026q1"]) == 2
        err = capsys.readouterr().err
        assert "2026q1: not a quarter; expected e.g. 2026Q1" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
