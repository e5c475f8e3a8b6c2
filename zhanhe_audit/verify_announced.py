"""The checks of ``make verify`` on what a reviewer compares by hand: the archived seed, every character of it visible
('seed'), the announced seed and chain head, when given ('announced seed', 'announced head'), and the archive's
verifiers, with the SHA-256 to compare before opening the page ('verifiers').
"""

from __future__ import annotations

from pathlib import Path

from . import announced, verify_page
from .errors import ZhanheError
from .hashing import sha256_file
from .layout import VERIFIER, VERIFIER_PAGE
from .paths import Project
from .verify_check import Check


def visible_seed(seed: str) -> Check:
    """The archived seed holds no character that cannot be seen: the seed shown is the seed drawn with."""
    problem = announced.seed_problem(seed)
    if problem:
        return Check("seed", "FAIL", problem)
    return Check("seed", "PASS", f"'{seed}': every character can be seen (no control, format or other white space "
                 "character)")


def announced_values(project: Project, quarter_name: str, seed: str | None, head: str | None) -> list[Check]:
    """The announced seed and head compared byte for byte, when given (SKIP, a check not run, when not)."""
    try:
        anchors = announced.anchors(project.outputs, quarter_name)
    except ZhanheError as error:
        return [Check("announced", "FAIL", f"the archive's seed and manifests cannot be read: {error}")]
    found = []
    if seed is None:
        found.append(Check("announced seed", "SKIP", "not given: compare the seed above with the one announced, or "
                           "run again with SEED='…'"))
    else:
        problem = announced.compare_seed(seed, anchors.seed)
        found.append(Check("announced seed", "FAIL", problem) if problem else
                     Check("announced seed", "PASS", "identical, character for character, to the archived seed"))
    if head is None:
        found.append(Check("announced head", "SKIP", "not given: compare the chain head above with the one last "
                           "announced, or run again with HEAD=…"))
    else:
        problem = announced.compare_head(project.outputs, quarter_name, head)
        where = "this archive's head" if head.strip().lower() == anchors.head.sha256 else "a manifest before its head"
        found.append(Check("announced head", "FAIL", problem) if problem else
                     Check("announced head", "PASS", f"{head.strip().lower()} is {where} on the chain"))
    return found


def verifiers(folder: Path) -> Check:
    """The archive's verifiers are this version's or an earlier version's (``verify_page.version_of``), with the
    page's SHA-256, which a reviewer compares with their own hash of it before opening it."""
    problems, shown_as = [], []
    for name in (VERIFIER_PAGE, VERIFIER):
        path = folder / name
        if not path.is_file():
            continue
        digest = sha256_file(path)
        version = verify_page.version_of(name, digest)
        if version is None:
            problems.append(f"{name} (SHA-256 {digest}) is not the {name} of any version of zhanhe-audit")
        shown_as.append(f"{name} {digest} ({version})")
    if problems:
        return Check("verifiers", "FAIL", "; ".join(problems))
    if not shown_as:
        return Check("verifiers", "PASS", "no verifier in this archive (drawn before they were part of it); "
                     "'zhanhe-audit verifier-page OUT.html' writes this version's page, "
                     f"SHA-256 {verify_page.sha256()}")
    return Check("verifiers", "PASS", "; ".join(shown_as) + f". Check the page before opening it: certutil -hashfile "
                 f"{VERIFIER_PAGE} SHA256 (Windows), sha256sum {VERIFIER_PAGE}")
