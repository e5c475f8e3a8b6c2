"""The git proof before the draw (``gitorder``): a quarter that is not a demo is drawn only once git shows the
freeze committed before the seed. Each way the order can be missing is refused before anything is written,
with its own message, and the commands the refusal prints, run in order in a shell, lead to a draw that
verifies (``make draw`` itself, the last command, is ``engine.draw_quarter`` here: the notebooks are not the
point)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from projects import ROOT, commit_all, git, make_project, write_params
from zhanhe_audit import engine, gitorder, verify
from zhanhe_audit.paths import Project

Q = "2026Q1"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "staff", "GIT_AUTHOR_EMAIL": "staff@example.invalid",
       "GIT_COMMITTER_NAME": "staff", "GIT_COMMITTER_EMAIL": "staff@example.invalid"}


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def _frozen(root: Path) -> Project:
    """Registers and params of the quarter, frozen, no seed yet; this checkout's .venv linked as a project has it."""
    make_project(root, Q, entities=200)
    (root / ".venv").symlink_to(ROOT / ".venv")
    (root / ".gitignore").write_text(".venv\n", encoding="utf-8")
    project = Project(root)
    engine.freeze_quarter(project, Q)
    return project


def _refusal(project: Project) -> gitorder.OrderUnproved:
    with pytest.raises(gitorder.OrderUnproved) as refused:
        engine.draw_quarter(project, Q)
    assert not (project.root / "outputs").exists()  # nothing was written
    return refused.value


def _follow(project: Project, refusal: gitorder.OrderUnproved) -> None:
    """Run the refusal's commands in order, as staff would paste them; then draw and verify."""
    assert refusal.commands[-1] == f"make draw QUARTER={Q}"
    for command in refusal.commands[:-1]:
        done = subprocess.run(["sh", "-c", command], cwd=project.root, env=ENV, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    engine.draw_quarter(project, Q)
    results = {check.name: check for check in verify.checks(project, Q)}
    assert results["git order"].status == "PASS", results["git order"].detail
    assert all(check.status != "FAIL" for check in results.values()), [str(c) for c in results.values()]


def test_nothing_committed_is_refused_with_the_commands_from_git_init(tmp_path):
    project = _frozen(tmp_path)
    write_params(tmp_path, Q, seed=True)
    refusal = _refusal(project)
    assert "is not in a git repository with a commit" in refusal.problem
    assert refusal.commands[0].startswith("git init")
    assert any("stage-without-seed 2026Q1" in command for command in refusal.commands)
    assert "Nothing was written. Run, in order:\n  1. git init" in str(refusal)
    _follow(project, refusal)


def test_freeze_and_seed_committed_together_is_refused_and_undone_then_committed_in_order(tmp_path):
    project = _frozen(tmp_path)
    write_params(tmp_path, Q, seed=True)
    commit_all(tmp_path, "everything at once")
    refusal = _refusal(project)
    assert re.search(r"The freeze record params/2026Q1.freeze.json was committed in \w{10} .* together with the seed",
                     refusal.problem)
    assert refusal.commands[0].startswith("git update-ref -d HEAD")  # it was the repository's first commit
    _follow(project, refusal)


def test_freeze_and_seed_committed_together_after_earlier_commits_is_undone_by_reset(tmp_path):
    project = _frozen(tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "registers", ".gitignore")
    git(tmp_path, "commit", "-q", "-m", "the registers as exported")
    write_params(tmp_path, Q, seed=True)
    commit_all(tmp_path, "the params, the freeze record and the seed, together")
    refusal = _refusal(project)
    assert "together with the seed" in refusal.problem
    assert refusal.commands[0].startswith("git reset --soft ")
    _follow(project, refusal)


def test_a_register_changed_after_the_freeze_commit_is_refused_naming_it_and_restored(tmp_path):
    project = _frozen(tmp_path)
    commit_all(tmp_path, "registers, params and freeze record")
    entities = tmp_path / "registers" / Q / "entities.csv"
    entities.write_text(entities.read_text(encoding="utf-8").replace("存续", "注销", 1), encoding="utf-8")
    commit_all(tmp_path, "an entity deregistered, after the freeze")
    write_params(tmp_path, Q, seed=True)
    commit_all(tmp_path, "the seed")
    refusal = _refusal(project)
    assert re.fullmatch(r"registers/2026Q1/entities.csv differ\(s\) from the freeze commit \w{10}: the draw uses "
                        r"the registers as they were frozen\.", refusal.problem)
    assert refusal.commands[0].startswith("git checkout ") and refusal.commands[0].endswith(
        "-- registers/2026Q1/entities.csv")
    assert refusal.commands[1].startswith("git commit")
    _follow(project, refusal)


def test_the_seed_uncommitted_is_refused_with_the_seed_commit_to_make(tmp_path):
    project = _frozen(tmp_path)
    commit_all(tmp_path, "registers, params and freeze record")
    write_params(tmp_path, Q, seed=True)
    refusal = _refusal(project)
    assert re.fullmatch(r"The freeze is committed \(\w{10}\), but no commit of params/2026Q1.yaml holds the seed\.",
                        refusal.problem)
    assert refusal.commands == ["git add params/2026Q1.yaml", 'git commit -m "2026Q1: the seed"',
                                "make draw QUARTER=2026Q1"]
    _follow(project, refusal)


def test_the_params_changed_after_the_seed_commit_are_refused(tmp_path):
    project = _frozen(tmp_path)
    commit_all(tmp_path, "registers, params and freeze record")
    write_params(tmp_path, Q, seed=True)
    commit_all(tmp_path, "the seed")
    params = tmp_path / "params" / f"{Q}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["seed"]["provenance"]["witnesses"] = ["someone else"]
    params.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    refusal = _refusal(project)
    assert "params/2026Q1.yaml differs from the seed commit" in refusal.problem
    _follow(project, refusal)


def test_a_demo_quarter_outside_git_is_drawn_and_its_order_says_why_it_is_unproved(tmp_path):
    make_project(tmp_path, "demo-2026Q1", entities=100)
    engine.freeze_quarter(Project(tmp_path), "demo-2026Q1")
    write_params(tmp_path, "demo-2026Q1", seed=True)
    final, _ = engine.draw_quarter(Project(tmp_path), "demo-2026Q1")
    order = gitorder.Order.from_json((final / "draw" / "git-order.json").read_text(encoding="utf-8"))
    assert not order.proved and "is not in a git repository" in order.reason
    results = {check.name: check for check in verify.checks(Project(tmp_path), "demo-2026Q1")}
    assert (results["git order"].status == "SKIP"
            and "a demo quarter, drawn without the proof" in results["git order"].detail)


def test_stage_without_seed_stages_the_frozen_params_and_leaves_the_file(tmp_path):
    _frozen(tmp_path)
    git(tmp_path, "init", "-q")
    frozen_text = (tmp_path / "params" / f"{Q}.yaml").read_text(encoding="utf-8")
    path = write_params(tmp_path, Q, seed=True)
    seeded = path.read_text(encoding="utf-8")
    gitorder.stage_without_seed(tmp_path, Q)
    assert path.read_text(encoding="utf-8") == seeded
    staged = git(tmp_path, "show", f":params/{Q}.yaml")
    assert "seed" not in yaml.safe_load(staged) and yaml.safe_load(staged) == yaml.safe_load(frozen_text)


def test_stage_without_seed_refuses_a_seed_it_cannot_cut_out_alone(tmp_path):
    """Params written as one JSON line (YAML reads JSON): no 'seed:' block on a line of its own to leave out."""
    import json

    from zhanhe_audit.errors import ParamsError

    _frozen(tmp_path)
    git(tmp_path, "init", "-q")
    path = write_params(tmp_path, Q, seed=True)
    path.write_text(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), ensure_ascii=False) + "\n",
                    encoding="utf-8")
    with pytest.raises(ParamsError, match="cannot be cut out of the text on its own"):
        gitorder.stage_without_seed(tmp_path, Q)
    assert git(tmp_path, "ls-files", "--stage") == ""  # nothing staged


def test_the_demo_in_this_repository_has_the_proof():
    """The bundled demo was frozen and committed before its seed: a clone of this repository proves the order."""
    from zhanhe_audit.paths import DEMO_QUARTER

    if subprocess.run(["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout (a source tarball): the demo is drawn with its order unproved")
    inputs = engine.project_inputs(Project(ROOT), DEMO_QUARTER)
    order = engine.prove_order(inputs)
    assert order.proved, order.reason
    assert order.freeze.short == "09a38dd06f" and order.seed.short == "4ae278a8a2"


def test_object_id_is_the_id_git_gives_the_bytes(tmp_path):
    files = {"empty.csv": b"", "crlf.csv": "uscc,name\r\n91410411MA00000000,张三 商行\r\n".encode(),
             "large.bin": os.urandom(3 * (1 << 20) + 17)}  # more than one chunk of object_id's reads
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        shown = subprocess.run(["git", "hash-object", "--no-filters", name], cwd=tmp_path, capture_output=True,
                               text=True, check=True).stdout.strip()
        assert gitorder.object_id(tmp_path / name) == shown, name


def test_registers_committed_through_a_line_ending_filter_are_proved_by_gits_own_hash_object(tmp_path):
    """Where git stores other bytes than the file's (here: CRLF lines under a text attribute, stored as LF), the
    quick id differs from the committed blob, git's hash-object decides, and the draw is proved as before."""
    make_project(tmp_path, Q, entities=200)
    entities = tmp_path / "registers" / Q / "entities.csv"
    entities.write_bytes(entities.read_bytes().replace(b"\n", b"\r\n"))  # as Excel saves a CSV on Windows
    (tmp_path / ".gitattributes").write_text("*.csv text eol=lf\n", encoding="utf-8")
    project = Project(tmp_path)
    engine.freeze_quarter(project, Q)
    commit_all(tmp_path, "registers, params and freeze record")
    write_params(tmp_path, Q, seed=True)
    commit_all(tmp_path, "the seed")
    committed = git(tmp_path, "rev-parse", f"HEAD:registers/{Q}/entities.csv").strip()
    assert gitorder.object_id(entities) != committed  # git stored the file's lines with LF
    engine.draw_quarter(project, Q)
    order = gitorder.Order.from_json((project.archive(Q) / "draw" / "git-order.json").read_text(encoding="utf-8"))
    assert order.proved and order.freeze.commit == git(tmp_path, "rev-parse", "HEAD~1").strip()


def test_registers_committed_as_they_are_are_proved_without_asking_git_to_hash_them(tmp_path, monkeypatch):
    """The quick path: bytes git stores unfiltered are proved by ``object_id`` alone; git's own ``hash-object``,
    37 s on a register of 10,000,000 entities, is never run (the line-ending test above shows the fallback)."""
    project = _frozen(tmp_path)
    commit_all(tmp_path, "registers, params and freeze record")
    write_params(tmp_path, Q, seed=True)
    commit_all(tmp_path, "the seed")
    asked = []
    real = gitorder._Git.__call__

    def watched(self, *args, **kwargs):
        asked.append(args[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(gitorder._Git, "__call__", watched)
    engine.draw_quarter(project, Q)
    order = gitorder.Order.from_json((project.archive(Q) / "draw" / "git-order.json").read_text(encoding="utf-8"))
    assert order.proved and asked and "hash-object" not in asked, asked
