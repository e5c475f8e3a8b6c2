"""An export's own values mapped onto the register's (params ``values``): a grade column that reads ``A级``
everywhere is refused in one line that names the mapping to write, and read once the params map it; the mapping
is frozen with the params, archived with them, and both verifiers apply it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from test_verify_page import run_page

from conftest import needs_chromium
from projects import SEED, commit_all, make_project
from zhanhe_audit import engine, verify
from zhanhe_audit.errors import RegisterError
from zhanhe_audit.paths import Project

Q = "2026Q1"
VALUES = {"entities": {"grade": {"A级": "A", "B级": "B", "C级": "C", "D级": "D"}, "status": {"开业（存续）": "存续"}}}


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def _exported(root: Path) -> Project:
    """A project whose entities register writes grades as 'A级' and the active status as '开业（存续）'."""
    make_project(root, Q, entities=300)
    path = root / "registers" / Q / "entities.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row["grade"] = row["grade"] + "级"
        row["status"] = "开业（存续）" if row["status"] == "存续" else row["status"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return Project(root)


def _with_values(root: Path) -> None:
    params = root / "params" / f"{Q}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    params.write_text(yaml.safe_dump({**data, "values": VALUES}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _frozen_and_seeded(root: Path) -> Project:
    """Exported, mapped, frozen and committed, then the seed added to the same params and committed."""
    project = _exported(root)
    _with_values(root)
    engine.freeze_quarter(project, Q)
    commit_all(root, "registers, params and freeze record")
    params = root / "params" / f"{Q}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    params.write_text(yaml.safe_dump({**data, "seed": SEED}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    commit_all(root, "the seed")
    return project


def test_an_export_s_own_grade_words_are_refused_in_one_line_naming_the_mapping(tmp_path):
    project = _exported(tmp_path)
    with pytest.raises(RegisterError) as refused:
        engine.freeze_quarter(project, Q)
    text = str(refused.value)
    grade_lines = [line for line in text.splitlines() if "column 'grade'" in line and "'A级'" in line]
    assert len(grade_lines) == 1 and "rows 2, " in grade_lines[0]
    assert "values: {entities: {grade: {'A级': A}}}" in grade_lines[0]
    assert not (tmp_path / "params" / f"{Q}.freeze.json").exists()


def test_mapped_values_are_frozen_drawn_archived_and_verified(tmp_path):
    project = _frozen_and_seeded(tmp_path)
    final, result = engine.draw_quarter(project, Q)
    grades = {stratum.grade for stratum in result.summary if stratum.eligible}
    assert grades == {"A", "B", "C", "D"}
    assert "values:" in (final / "inputs" / "params" / f"{Q}.yaml").read_text(encoding="utf-8")
    checks = {check.name: check for check in verify.checks(project, Q)}
    assert all(check.status != "FAIL" for check in checks.values()), [str(c) for c in checks.values()]


def test_changing_the_mapping_after_the_freeze_is_refused_by_the_draw(tmp_path):
    project = _exported(tmp_path)
    _with_values(tmp_path)
    engine.freeze_quarter(project, Q)
    params = tmp_path / "params" / f"{Q}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["values"]["entities"]["grade"]["C级"] = "D"  # once the seed is known, move C to D
    params.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from zhanhe_audit.errors import FreezeError

    with pytest.raises(FreezeError, match="params"):
        engine.freeze_quarter(project, Q)


@needs_chromium
def test_the_page_applies_the_archived_mapping(tmp_path, browser):
    final, _ = engine.draw_quarter(_frozen_and_seeded(tmp_path), Q)
    outcome = run_page(browser, final / "verify.html", final)
    assert outcome.failed() == [], outcome.failed()
    assert outcome.status(Q)["eligibility"] == "PASS"
