"""End to end: `make draw` and `make verify` in a temporary copy of the project, and killed runs."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys

import pytest

from projects import ROOT, make, seeded_project, tree
from zhanhe_audit import engine, handoff, verify, workbook
from zhanhe_audit.paths import DEMO_QUARTER, Project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def drawn(demo_drawn):
    """A copy of the project after `make draw` on the demo quarter (shared with the browser test)."""
    return demo_drawn


def test_make_draw_writes_a_complete_archive_with_progress(drawn):
    root, result = drawn
    archive = root / "outputs" / DEMO_QUARTER
    for name in ("report.html", "html/01-draw.html", "html/02-match.html", "html/03-inspectors.html",
                 "notebooks/01-draw.ipynb", "notebooks/report.ipynb", "draw/tickets.csv", "draw/summary.csv",
                 "draw/draw.json", "draw/visits.csv", "draw/match.csv", "draw/excluded.csv", "draw/populations.csv",
                 "draw/inspector_load.csv", "inputs/history.csv", "manifest.json", "manifest.json.sha256",
                 "SHA256SUMS", f"inputs/params/{DEMO_QUARTER}.yaml", f"inputs/params/{DEMO_QUARTER}.freeze.json",
                 f"inputs/registers/{DEMO_QUARTER}/entities.csv"):
        assert (archive / name).is_file(), name
    steps = len(workbook.notebooks()) + 2
    assert (f"[2/{steps}] 01-draw.ipynb (papermill, then its page)" in result.stdout
            and f"[{steps}/{steps}] manifest" in result.stdout
            and "open outputs/demo-2026Q4/report.html first" in result.stdout)
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["protocol"] == "draw-v1" and manifest["previous"] is None
    assert set(manifest["files"]) == {p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file()} - {
        "manifest.json", "manifest.json.sha256", "SHA256SUMS"}
    # quiet: no kernel transport warning (the kernel talks over local sockets), no setuptools noise, no traceback
    assert "WARNING" not in result.stdout + result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "公布 Announce: the draw's manifest outputs/demo-2026Q4/manifest.json has SHA-256" in result.stdout
    assert hashlib.sha256((archive / "manifest.json").read_bytes()).hexdigest() in result.stdout


def test_executed_notebooks_keep_papermill_metadata_without_clock_or_temporary_path(drawn):
    root, _ = drawn
    notebook = json.loads((root / "outputs" / DEMO_QUARTER / "notebooks" / "01-draw.ipynb").read_text(encoding="utf-8"))
    papermill = notebook["metadata"]["papermill"]
    assert papermill["parameters"] == {"quarter": DEMO_QUARTER, "archive": f"outputs/{DEMO_QUARTER}"}
    assert (papermill["input_path"], papermill["output_path"]) == ("notebooks/01-draw.ipynb", "notebooks/01-draw.ipynb")
    assert not {"start_time", "end_time", "duration"} & set(papermill)
    assert any("injected-parameters" in cell["metadata"].get("tags", []) for cell in notebook["cells"])
    assert all("execution" not in cell["metadata"] and "start_time" not in cell["metadata"].get("papermill", {})
               for cell in notebook["cells"])
    text = json.dumps(notebook)
    assert "partial-" not in text and str(root) not in text and " at 0x" not in text


@pytest.mark.parametrize("page", ["report.html", "html/01-draw.html", "html/02-match.html", "html/03-inspectors.html"])
def test_html_pages_are_self_contained_stamped_internal_and_hide_code(drawn, page):
    root, _ = drawn
    text = (root / "outputs" / DEMO_QUARTER / page).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=\"(?!data:)", text)
    assert "data:image/png;base64," in text
    assert "内部资料" in text and "演示数据" in text
    assert "workbook.open_step" not in text  # inputs hidden


def test_second_make_draw_refuses_and_leaves_the_archive_byte_identical(drawn):
    root, _ = drawn
    before = tree(root / "outputs")
    again = make(root, "draw")
    assert again.returncode != 0
    assert "make verify QUARTER=demo-2026Q4" in again.stderr and "Traceback" not in again.stderr
    assert tree(root / "outputs") == before


def test_make_verify_passes_on_a_fresh_archive(drawn):
    root, _ = drawn
    result = make(root, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == ("PASS, 3 checks not run: git order (a demo quarter, drawn without the proof); announced seed "
                         "(not given); announced head (not given)")
    assert {line.split()[1] for line in lines[4:-1] if line[:4] in ("PASS", "SKIP", "NOTE")} >= {
        "manifest", "files", "accounted", "seed", "freeze", "redraw", "fairness", "pages", "chain"}


def test_make_verify_fails_after_one_character_of_a_ticket_changes(drawn, tmp_path):
    root, _ = drawn
    copy = tmp_path / "tampered"
    shutil.copytree(root, copy, symlinks=True)
    tickets = copy / "outputs" / DEMO_QUARTER / "draw" / "tickets.csv"
    lines = tickets.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace(",true,", ",false,")
    tickets.write_text("".join(lines), encoding="utf-8")
    result = make(copy, "verify", "PAGES=no")
    assert result.returncode != 0
    assert "draw/tickets.csv" in result.stdout and "row 5" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "FAIL: files, redraw"
    assert "SKIP  pages         not asked for (PAGES=no)" in result.stdout


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE)
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    for target in targets:
        assert re.search(rf"^\s+{target}\s", shown, flags=re.MULTILINE), target
    assert {"draw", "test", "verify", "lab", "freeze", "bench"} <= set(targets)


def test_make_replace_appends_a_record_that_make_verify_accepts(drawn, tmp_path):
    import csv
    import io

    root, _ = drawn
    copy = tmp_path / "replaced"
    shutil.copytree(root, copy, symlinks=True)
    archive = copy / "outputs" / DEMO_QUARTER
    before = {k: v for k, v in tree(archive).items()}
    visit = next(csv.DictReader(io.StringIO((archive / "draw" / "visits.csv").read_text(encoding="utf-8"))))
    replaced = make(copy, "replace", f"USCC={visit['uscc']}", "REASON=已注销 (deregistered)")
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert (archive / "records" / "0001-replacement" / "replacement.json").is_file()
    after = tree(archive)
    assert {k: v for k, v in after.items() if not k.startswith("records/")} == before
    verified = make(copy, "verify", "PAGES=no")  # the replacement record has no page; the draw's pages: above
    assert verified.returncode == 0, verified.stdout
    assert ("PASS  records" in verified.stdout
            and verified.stdout.strip().splitlines()[-1].startswith("PASS, 5 checks not run"))


def test_make_results_on_the_demo_appends_a_record_writes_public_files_and_make_verify_passes(demo_results):
    root, result = demo_results
    archive = root / "outputs" / DEMO_QUARTER
    record = archive / "records" / "0001-results"
    assert {p.relative_to(record).as_posix() for p in record.rglob("*") if p.is_file()} == {
        "results.json", "results.csv", "form/results-filled.csv", "notebooks/05-results.ipynb", "html/05-results.html",
        "SHA256SUMS", "manifest.json", "manifest.json.sha256"}
    data = json.loads((record / "results.json").read_text(encoding="utf-8"))
    assert data["as_of"] == "2026-12-31" and data["source"]["name"] == "results-filled.csv"
    assert data["open_findings"] > 0 and data["overdue_publications"] > 0
    public = root / "public" / DEMO_QUARTER
    assert sorted(p.name for p in public.iterdir()) == ["publication.csv", "publication.html", "publication.xlsx",
                                                         "tasks.csv"]
    assert {f"public/{DEMO_QUARTER}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in public.iterdir()} \
        == data["public"]
    assert (root / "outputs" / "demo-violations.csv").read_text(encoding="utf-8-sig").startswith("uscc,name,quarter,")
    assert f"public: public/{DEMO_QUARTER}/" in result.stdout and "Traceback" not in result.stderr
    # make verify, quick; then its checks with the pages rendered again, in this process (the draw's pages are
    # rendered in a subprocess too: test_make_verify_passes_on_a_fresh_archive)
    rendered = {check.name: check for check in verify.checks(Project(root), DEMO_QUARTER)}
    assert rendered["pages"].status == rendered["fairness"].status == "PASS", rendered["pages"].detail
    pages = [path for path in archive.rglob("*")
             if path.parent.name in ("notebooks", "html") or path.name == "report.html"]
    assert rendered["pages"].detail.startswith(f"{len(pages)} notebooks and pages") and len(pages) == 12
    verified = make(root, "verify", "PAGES=no")
    lines = verified.stdout.strip().splitlines()
    assert verified.returncode == 0 and lines[-1].startswith("PASS, 5 checks not run: fairness"), verified.stdout
    assert "git order" in lines[-1], lines[-1]
    assert any(line.startswith("PASS  records") and "records/0001-results" in line for line in lines)
    assert any(line.startswith("PASS  public") and "is identical" in line for line in lines)
    assert any(line.startswith("NOTE  follow-up") and f"{data['open_findings']} open finding(s)" in line
               for line in lines)


def test_a_results_page_is_rendered_again_beside_the_other_quarters_archives(demo_results, tmp_path):
    """make verify renders a results record's page again beside the project's other archives (it counts the year
    so far from the chain): with a second quarter in outputs/ it failed, 'No such file or directory' (make bench's
    long archive)."""
    source, _ = demo_results
    root = tmp_path / "project"
    shutil.copytree(source, root, symlinks=True)
    shutil.copytree(root / "outputs" / DEMO_QUARTER, root / "outputs" / "demo-2027Q1", symlinks=True)
    from zhanhe_audit import rerender

    archive = root / "outputs" / DEMO_QUARTER
    with rerender.results_pages(archive, DEMO_QUARTER, archive / "records" / "0001-results") as rendered:
        assert sorted(rendered) == ["records/0001-results/html/05-results.html",
                                    "records/0001-results/notebooks/05-results.ipynb"]
        assert all(path.read_bytes() == (archive / name).read_bytes() for name, path in rendered.items())


def test_make_results_form_writes_the_fill_in_form_with_one_row_per_visit_and_item_still_without_a_result(
        demo_results):
    from openpyxl import load_workbook

    from zhanhe_audit.evidence.files import RESULTS_CSV

    root, _ = demo_results
    made = make(root, "results-form")
    assert made.returncode == 0, made.stdout + made.stderr
    sheet = load_workbook(root / "registers" / DEMO_QUARTER / "results-form.xlsx").worksheets[0]
    visits = (root / "outputs" / DEMO_QUARTER / "draw" / "visits.csv").read_text(encoding="utf-8").splitlines()[1:]
    items = sum(len(line.split(",")[4].split(";")) for line in visits)
    recorded = RESULTS_CSV.read(root / "outputs" / DEMO_QUARTER / "records" / "0001-results", "results.csv")
    assert 0 < len(recorded) < items  # the demo's results leave some rows open
    assert sheet.max_row == items - len(recorded) + 1 and sheet.cell(1, 1).value == "检查编号"
    listed = {(row[0].value, row[3].value) for row in sheet.iter_rows(min_row=2)}
    assert not listed & {result.key for result in recorded}


def test_the_steps_take_the_draws_validated_inputs_from_the_cache_and_never_read_the_registers_again(
        tmp_path, monkeypatch):
    import pickle

    project = seeded_project(tmp_path)
    inputs, _ = engine.prepare_draw(project, "2026Q1")
    folder = tmp_path / "outputs" / ".2026Q1.partial-1"
    engine.copy_inputs(inputs, folder)
    with handoff.inputs_cache(folder).open("wb") as handle:
        pickle.dump(inputs, handle)

    def refuse(*args, **kwargs):
        raise AssertionError("the registers were read and validated again")

    monkeypatch.setattr(handoff, "load_archived", refuse)
    found = handoff.archived_inputs(folder, "2026Q1")
    assert found.registers == inputs.registers and found.hashes == inputs.hashes
    assert found.project == Project(folder / "inputs")  # the archive's copies, byte-identical to what was drawn
    handoff.inputs_cache(folder).unlink()
    with pytest.raises(AssertionError, match="read and validated again"):
        handoff.archived_inputs(folder, "2026Q1")


def test_the_demo_public_tree_carries_no_grade_ticket_rank_batch_link_or_script(demo_results):
    from test_publish import leaks

    root, _ = demo_results
    public = root / "public" / DEMO_QUARTER
    record = root / "outputs" / DEMO_QUARTER / "records" / "0001-results" / "manifest.json"
    head = json.loads(record.read_text(encoding="utf-8"))["previous"]["sha256"]
    published = {path.name: path.read_bytes() for path in public.iterdir()}
    assert head in published["publication.html"].decode("utf-8")  # the chain head it was made from (public format 2)
    assert leaks(published, head) == []
    # and none of the demo's tasks drawn for one grade (T03: C, T04: D) is named
    assert not any(b"-T0" in path.read_bytes() for path in public.iterdir())


def test_the_steps_run_in_waves_whose_lanes_read_nothing_another_lane_of_the_wave_writes():
    from zhanhe_audit.steps import STEPS, Step, waves

    assert [[step.notebook for step in wave] for wave in waves(STEPS)] == [
        ["01-draw", "02-match", "03-inspectors", "04-compliance"], ["report"]]
    chain = (Step("a", (), ("x",), ("y",)), Step("b", (), ("y",), ("z",), lane=1), Step("c", (), ("x",), lane=1),
             Step("d", (), ("z", "x")))
    assert [[step.notebook for step in wave] for wave in waves(chain)] == [["a", "c"], ["b"], ["d"]]


def test_the_notebooks_run_in_two_kernels_side_by_side_give_the_bytes_of_one_kernel(drawn):
    """The lanes change when a notebook runs, never what it writes: rendered again in one kernel (as the tests render
    every draw's pages again: conftest's in_one_kernel, once for the session), the archive's notebooks, pages and
    fairness files are the bytes make draw wrote in two."""
    from zhanhe_audit import rerender, steps

    assert len({step.lane for step in steps.STEPS}) == 2  # make draw's two kernels
    root, _ = drawn
    archive = root / "outputs" / DEMO_QUARTER
    with rerender.draw_pages(archive, DEMO_QUARTER) as rendered:
        assert len(rendered) > 10 and any(name.startswith("fairness/") for name in rendered)
        assert {name: path.read_bytes() for name, path in rendered.items()} == \
            {name: (archive / name).read_bytes() for name in rendered}


def test_a_process_running_notebooks_validates_them_without_compiling_the_rfc_3987_grammar():
    """workbook keeps rfc3987_syntax out of the process (2.5 to 3 s of Lark at jsonschema's import); nbformat still
    validates a notebook, and refuses a broken one."""
    script = """
import sys
from zhanhe_audit import workbook
import nbformat, papermill, nbconvert
notebook = nbformat.read(str(workbook.notebooks()[0]), as_version=4)
nbformat.validate(notebook)
notebook.cells[0]["cell_type"] = "no such type"
try:
    nbformat.validate(notebook)
except nbformat.ValidationError:
    print("refused")
print(sys.modules.get("rfc3987_syntax", "absent"))
"""
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["refused", "None"]
