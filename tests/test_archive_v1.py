"""An archive drawn under protocol draw-v1 on 2026-11-26, with one replacement record,
kept unchanged: it must verify forever.

If this test fails after a change, the change altered what draw-v1 means (selection,
eligibility, quotas or the files' format). Such a change is a new protocol version,
added beside draw-v1 in verify.PROTOCOLS; this archive is never re-made.
"""

import json
from pathlib import Path

from zhanhe_audit import verify
from zhanhe_audit.paths import Project

FIXTURE = Project(Path(__file__).resolve().parent / "fixtures" / "archive-draw-v1")


def test_archive_made_under_draw_v1_still_verifies():
    results = verify.checks(FIXTURE, "2026Q1")
    assert [r.status for r in results if r.name not in ("public", "git order", "page")] == ["PASS"] * 8, \
        [str(r) for r in results]
    assert [r.name for r in results] == ["manifest", "files", "freeze", "history", "redraw", "inspectors", "records",
                                         "chain", "public", "git order", "page"]
    # made before verify.html existed: the note gives the SHA-256 of this version's page instead
    assert "no verify.html in this archive" in next(r.detail for r in results if r.name == "page")
    assert next(r for r in results if r.name == "public").status == "SKIP"  # no results recorded in it
    assert "1 record(s) recomputed" in next(r.detail for r in results if r.name == "records")


def test_kept_archive_records_its_protocol_version():
    drawn = json.loads((FIXTURE.archive("2026Q1") / "draw" / "draw.json").read_text(encoding="utf-8"))
    manifest = json.loads((FIXTURE.archive("2026Q1") / "manifest.json").read_text(encoding="utf-8"))
    assert drawn["protocol"] == manifest["protocol"] == "draw-v1"
