"""The coreutils-only verifier (zhanhe_audit/verify-task.sh) agrees with the Python draw."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from projects import SEED, as_in_a_terminal, make_project, seed_after_freeze
from zhanhe_audit import engine
from zhanhe_audit.paths import Project
from zhanhe_audit.uscc import complete
from zhanhe_audit.verify_page import SCRIPT as VERIFIER_SOURCE

SCRIPT = "verify-task.sh"
pytestmark = pytest.mark.skipif(not shutil.which("sha256sum"), reason="no sha256sum on this machine")


def _archive(root, seed_value=None):
    make_project(root, entities=400)
    project = Project(root)
    engine.freeze_quarter(project, "2026Q1")
    seed_after_freeze(root, "2026Q1", seed=None if seed_value is None else dict(SEED, value=seed_value))
    final, result = engine.draw_quarter(project, "2026Q1")
    return final, result


def _run(final, task):
    return subprocess.run(["sh", str(final / SCRIPT), str(final), task], capture_output=True, text=True)


def test_archive_carries_the_script():
    from zhanhe_audit.hashing import sha256_file
    from zhanhe_audit.verify_page import SCRIPT as VERIFIER

    assert VERIFIER.name == SCRIPT and VERIFIER.is_file()
    assert sha256_file(VERIFIER)


@pytest.mark.parametrize("task", ["2026Q1-T01", "2026Q1-T02"])
def test_shell_verifier_matches_python_for_every_task(tmp_path, task):
    final, result = _archive(tmp_path)
    out = _run(final, task)
    rows = sum(row.task_id == task for row in result.tickets())
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"MATCH: {rows} tickets, ranks and selected flags of {task} recomputed from the seed"


def test_shell_verifier_handles_quotes_backslashes_and_chinese_in_the_seed(tmp_path):
    final, _ = _archive(tmp_path, seed_value='公开摇号 "第一轮" C:\\\\dice 48213 90377 15620 73184')
    assert '\\"' in (final / "draw" / "draw.json").read_text(encoding="utf-8")  # JSON escapes the quotes
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 0 and out.stdout.startswith("MATCH"), out.stdout + out.stderr


def test_shell_verifier_names_the_first_mismatch_of_a_flipped_flag(tmp_path):
    final, result = _archive(tmp_path)
    first = next(row for row in result.tickets() if row.task_id == "2026Q1-T01" and row.selected)
    tickets = final / "draw" / "tickets.csv"
    line = f"2026Q1-T01,{first.grade},{first.uscc},{first.ticket},{first.rank},true,"
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(line, line.replace(",true,", ",false,")),
                       encoding="utf-8")
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 1
    assert out.stdout.startswith("MISMATCH") and first.uscc in out.stdout and ",false" in out.stdout


def test_shell_verifier_catches_a_changed_ticket(tmp_path):
    final, result = _archive(tmp_path)
    row = next(r for r in result.tickets() if r.task_id == "2026Q1-T02")
    tickets = final / "draw" / "tickets.csv"
    forged = ("f" if row.ticket[0] != "f" else "0") + row.ticket[1:]
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(row.ticket, forged), encoding="utf-8")
    out = _run(final, "2026Q1-T02")
    assert out.returncode == 1 and row.uscc in out.stdout


def test_shell_verifier_refuses_an_unknown_task(tmp_path):
    final, _ = _archive(tmp_path)
    out = _run(final, "2026Q1-T99")
    assert out.returncode == 2 and "no rows" in out.stderr


# --- the batch verifier (issue 11): one pipeline for all tickets of a task ----------------------------------

HOSTILE_SEED = ('公开摇号 "第一轮" C:\\dice\\n 100% %s %d \\" \\\\" $(echo pwned) `id` \'single\' '
                '48213 90377 15620 73184')
EVERY_TASK = [
    {"id": "{q}-T01", "items": ["SX01", "SX02"], "grades": ["A", "B", "C", "D"]},
    {"id": "{q}-T02", "items": ["SX03", "SX04"], "grades": ["A", "B", "C", "D"], "batches": 2},
    {"id": "{q}-T03", "items": ["SX01"], "grades": ["A"]},
    {"id": "{q}-T04", "items": ["SX02", "SX03"], "grades": ["C", "D"]},
]


def _run_env(final, task, **env):
    return subprocess.run(["sh", str(final / SCRIPT), str(final), task], capture_output=True, text=True,
                          env={**os.environ, **env})


def _synthetic(folder, strata, seed, task="2026Q1-T01", percent=None, extra_summary=()):
    """An archive holding only what verify-task.sh reads, its tickets computed here from the protocol
    (ticket = H(seed LF task LF uscc), ranks by (ticket, uscc), ranks 1..ceil(N p / 100) selected)."""
    percent = percent or {"A": 1, "B": 3, "C": 10, "D": 20}
    draw = folder / "draw"
    draw.mkdir(parents=True)
    (draw / "draw.json").write_text(json.dumps({"protocol": "draw-v1", "seed": seed, "quarter": task[:6]},
                                               indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = ["task_id,grade,eligible,percent,floor,quota,selected,reason", *extra_summary]
    tickets = ["task_id,grade,uscc,ticket,rank,selected,batch"]
    for grade, usccs in strata.items():
        quota = -(-len(usccs) * percent[grade] // 100)
        summary.append(f"{task},{grade},{len(usccs)},{percent[grade]},{percent[grade]},{quota},{quota},")
        ordered = sorted((hashlib.sha256(f"{seed}\n{task}\n{code}".encode()).hexdigest(), code) for code in usccs)
        tickets += [f"{task},{grade},{code},{ticket},{rank},{'true' if rank <= quota else 'false'},"
                    for rank, (ticket, code) in enumerate(ordered, start=1)]
    (draw / "summary.csv").write_text("\n".join(summary) + "\n", encoding="utf-8")
    (draw / "tickets.csv").write_text("\n".join(tickets) + "\n", encoding="utf-8")
    shutil.copyfile(VERIFIER_SOURCE, folder / SCRIPT)
    return folder


def _usccs(count, start=0):
    return [complete(f"91410411{index:09d}") for index in range(start, start + count)]


def _match_line(rows, task):
    return f"MATCH: {rows} tickets, ranks and selected flags of {task} recomputed from the seed\n"


def test_batch_verifier_matches_every_task_of_a_drawn_quarter(tmp_path):
    make_project(tmp_path, entities=400, tasks=EVERY_TASK)
    project = Project(tmp_path)
    engine.freeze_quarter(project, "2026Q1")
    seed_after_freeze(tmp_path, "2026Q1", tasks=EVERY_TASK)
    final, result = engine.draw_quarter(project, "2026Q1")
    tasks = sorted({row.task_id for row in result.tickets()})
    assert tasks == [f"2026Q1-T0{n}" for n in range(1, 5)]
    for task in tasks:
        out = _run(final, task)
        rows = sum(row.task_id == task for row in result.tickets())
        assert (out.returncode, out.stdout, out.stderr) == (0, _match_line(rows, task), "")


def _forge(final, result, task, change):
    """tickets.csv with one row of ``task`` (rank 2 of grade A) changed by ``change``; that row."""
    row = next(r for r in result.tickets() if r.task_id == task and r.grade == "A" and r.rank == 2)
    tickets = final / "draw" / "tickets.csv"
    line = f"{task},A,{row.uscc},{row.ticket},2,{'true' if row.selected else 'false'},"
    text = tickets.read_text(encoding="utf-8")
    assert text.count(line) == 1
    tickets.write_text(text.replace(line, change(line, row)), encoding="utf-8")
    return row


@pytest.mark.parametrize("change", [
    pytest.param(lambda line, row: line.replace(row.ticket, row.ticket[::-1]), id="ticket"),
    pytest.param(lambda line, row: line.replace(",2,", ",3,"), id="rank"),
    pytest.param(lambda line, row: line.replace(",true,", ",false,") if row.selected
                 else line.replace(",false,", ",true,"), id="selected"),
])
def test_batch_verifier_prints_the_first_mismatch_of_one_changed_row(tmp_path, change):
    final, result = _archive(tmp_path)
    assert _run(final, "2026Q1-T01").returncode == 0
    row = _forge(final, result, "2026Q1-T01", change)
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 1, out.stdout + out.stderr
    assert len(out.stdout.splitlines()) == 1 and out.stdout.startswith("MISMATCH in 2026Q1-T01: archived A,")
    assert row.uscc in out.stdout and "recomputed A," in out.stdout
    assert _run(final, "2026Q1-T02").returncode == 0  # the other task is untouched


def test_batch_verifier_hashes_a_hostile_seed_byte_for_byte(tmp_path):
    """Backslashes (also before a quote), %, quotes, $(...), backquotes and CJK: the seed reaches sha256sum
    unchanged, as in the protocol's hand check printf '%s\\n%s\\n%s' "$SEED" "$T" "$USCC" | sha256sum."""
    make_project(tmp_path, entities=400)
    project = Project(tmp_path)
    engine.freeze_quarter(project, "2026Q1")
    seed_after_freeze(tmp_path, "2026Q1", seed=dict(SEED, value=HOSTILE_SEED))
    final, result = engine.draw_quarter(project, "2026Q1")
    assert json.loads((final / "draw" / "draw.json").read_text(encoding="utf-8"))["seed"] == HOSTILE_SEED
    row = next(iter(result.tickets()))
    hand = subprocess.run(["sh", "-c", """printf '%s\\n%s\\n%s' "$SEED" "$T" "$U" | sha256sum"""],
                          env={**os.environ, "SEED": HOSTILE_SEED, "T": row.task_id, "U": row.uscc},
                          capture_output=True, text=True, check=True)
    assert hand.stdout.split()[0] == row.ticket
    for task in ("2026Q1-T01", "2026Q1-T02"):
        out = _run(final, task)
        assert out.returncode == 0 and out.stdout.startswith("MATCH"), out.stdout + out.stderr
    assert "pwned" not in out.stdout + out.stderr


def test_batch_verifier_hostile_seed_on_a_synthetic_archive(tmp_path):
    final = _synthetic(tmp_path / "a", {"B": _usccs(40), "D": _usccs(7, 40)}, HOSTILE_SEED)
    out = _run(final, "2026Q1-T01")
    assert (out.returncode, out.stdout, out.stderr) == (0, _match_line(47, "2026Q1-T01"), "")
    # a seed one backslash shorter gives other tickets: the script does read the seed
    other = _synthetic(tmp_path / "b", {"B": _usccs(40), "D": _usccs(7, 40)}, HOSTILE_SEED.replace("\\\\", "\\"))
    (other / "draw" / "draw.json").write_bytes((final / "draw" / "draw.json").read_bytes())
    assert _run(other, "2026Q1-T01").stdout.startswith("MISMATCH")


def test_batch_verifier_a_task_of_one_ticket_and_a_task_of_none(tmp_path):
    final = _synthetic(tmp_path, {"A": _usccs(1)}, "one ticket 12345678901234567890",
                       extra_summary=["2026Q1-T02,A,0,1,1,0,0,"])
    out = _run(final, "2026Q1-T01")
    assert (out.returncode, out.stdout, out.stderr) == (0, _match_line(1, "2026Q1-T01"), "")
    tickets = final / "draw" / "tickets.csv"
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(",1,true,", ",1,false,"), encoding="utf-8")
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 1 and out.stdout.startswith("MISMATCH in 2026Q1-T01: archived A,"), out.stdout
    out = _run(final, "2026Q1-T02")
    assert out.returncode == 2 and out.stdout == "" and "task 2026Q1-T02 has no rows" in out.stderr


def test_batch_verifier_keeps_the_usage_and_missing_file_messages(tmp_path):
    final = _synthetic(tmp_path, {"A": _usccs(3)}, "usage 12345678901234567890")
    out = subprocess.run(["sh", str(final / SCRIPT), str(final)], capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.startswith("usage: ") and "ARCHIVE TASK_ID" in out.stderr
    (final / "draw" / "summary.csv").unlink()
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 2 and f"missing {final}/draw/summary.csv" in out.stderr


def test_batch_verifier_leaves_no_temporary_files(tmp_path):
    final = _synthetic(tmp_path / "archive", {"A": _usccs(300), "C": _usccs(30, 300)}, HOSTILE_SEED)
    temp = tmp_path / "temp"
    temp.mkdir()
    assert _run_env(final, "2026Q1-T01", TMPDIR=str(temp)).returncode == 0
    assert _run_env(final, "2026Q1-T09", TMPDIR=str(temp)).returncode == 2
    tickets = final / "draw" / "tickets.csv"
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(",1,true,", ",1,false,", 1), encoding="utf-8")
    assert _run_env(final, "2026Q1-T01", TMPDIR=str(temp)).returncode == 1
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_batch_verifier_cleans_up_when_interrupted(tmp_path, sig):
    """INT or TERM while sha256sum runs (here held up by a slow stand-in): exit 128+N at once, temporary
    folder gone."""
    final = _synthetic(tmp_path / "archive", {"A": _usccs(500)}, "interrupt 12345678901234567890")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "sha256sum").write_text(f'#!/bin/sh\nsleep 3\nexec {shutil.which("sha256sum")} "$@"\n')
    (shim / "sha256sum").chmod(0o755)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(["sh", str(final / SCRIPT), str(final), "2026Q1-T01"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=as_in_a_terminal)
    deadline = time.monotonic() + 20
    while not list(temp.glob("*/msg/500")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(temp.glob("*/msg/500")), "the messages were never written"
    started = time.monotonic()
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 128 + sig, out + err
    assert time.monotonic() - started < 2.5  # did not wait for the stand-in's sleep
    assert list(temp.iterdir()) == []


@pytest.mark.slow
def test_batch_verifier_on_twenty_thousand_tickets_of_one_task(tmp_path):
    strata = {"A": _usccs(12_000), "B": _usccs(5_000, 12_000), "C": _usccs(2_000, 17_000), "D": _usccs(1_000, 19_000)}
    final = _synthetic(tmp_path, strata, "twenty thousand 公开 12345678901234567890")
    out = _run(final, "2026Q1-T01")
    assert (out.returncode, out.stdout, out.stderr) == (0, _match_line(20_000, "2026Q1-T01"), "")
