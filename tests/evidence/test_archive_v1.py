"""An archive drawn under protocol draw-v1 on 2026-11-26, with one replacement record,
kept unchanged: it must verify forever.

If this test fails after a change, the change altered what draw-v1 means (selection,
eligibility, quotas or the files' format). Such a change is a new protocol version,
added beside draw-v1 in verify_recomputed.PROTOCOLS; this archive is never re-made.
"""

import json
from pathlib import Path

from zhanhe_audit import verify
from zhanhe_audit.paths import Project

FIXTURE = Project(Path(__file__).resolve().parents[1] / "fixtures" / "archive-draw-v1")


def test_archive_made_under_draw_v1_still_verifies():
    results = verify.checks(FIXTURE, "2026Q1")
    assert [r.name for r in results] == ["manifest", "files", "accounted", "seed", "freeze", "history", "redraw",
                                         "inspectors", "fairness", "pages", "records", "chain", "public", "git order",
                                         "announced seed", "announced head", "verifiers"]
    assert {r.name: r.status for r in results if r.status != "PASS"} == {
        "public": "NOTE", "git order": "SKIP", "announced seed": "SKIP", "announced head": "SKIP"}, \
        [str(r) for r in results]
    checks = {r.name: r.detail for r in results}
    # made before draw/git-order.json, the pages and verify.html existed; its verify-task.sh is an earlier version's
    assert checks["git order"].startswith("no git history of params/2026Q1.freeze.json here")
    assert "no pages in this archive" in checks["pages"]
    assert "verify-task.sh 2d120725a98b" in checks["verifiers"] and "an earlier version's, last shipped 2026-11-26" \
        in checks["verifiers"]
    assert "1 record(s) recomputed" in checks["records"]


def test_kept_archive_records_its_protocol_version():
    drawn = json.loads((FIXTURE.archive("2026Q1") / "draw" / "draw.json").read_text(encoding="utf-8"))
    manifest = json.loads((FIXTURE.archive("2026Q1") / "manifest.json").read_text(encoding="utf-8"))
    assert drawn["protocol"] == manifest["protocol"] == "draw-v1"
