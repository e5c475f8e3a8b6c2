"""Every archived file accounted for (draw protocol v1, "Clarifications of v1").

Each file an archive may list is one of: an input proved by the freeze, a file recomputed byte
for byte (from the inputs, the seed, git history or the records before it), a page rendered from
those, a verifier shipped with the archive, or a seal (the hash lists themselves). ``ENTRIES``
says which, for every path an archive may hold, and which check of each verifier accounts for
it. A listed file that no entry accounts for fails both verifiers: the verifier page receives
this table when it is built (``verify_page``), and ``docs/archive.md`` holds it as a table
(``markdown``, kept equal by a test).

Patterns are archive paths with placeholders: ``{quarter}``, ``{register}`` (a path the freeze
record names, under ``inputs/``), ``{record}`` (a record folder's number, ``0001``), ``{year}``, \
``{file}`` (a file name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..layout import (
    BALANCE,
    CALENDAR,
    CAP_EXCEPTIONS,
    DRAW_RECORD,
    EXCLUDED,
    FORM,
    GIT_ORDER,
    HISTORY,
    HTML,
    INCLUSION,
    INPUTS,
    INSPECTOR_LOAD,
    MANIFEST,
    MATCH,
    NOTEBOOKS,
    POPULATIONS,
    RECORDS,
    REPLACEMENT_RECORD,
    REPORT_PAGE,
    RESULTS_FILE,
    RESULTS_RECORD,
    SEAL,
    SUMMARY,
    SUMS,
    TICKETS,
    TIMELINE,
    VERIFIER,
    VERIFIER_PAGE,
    VISITS,
    VISITS_FILE,
)

INPUT = "input"
RECOMPUTED = "recomputed"
PAGE = "page"
VERIFIER_KIND = "verifier"
SEAL_KIND = "seal"
CLASSES = {
    INPUT: "input proved by the freeze",
    RECOMPUTED: "recomputed byte for byte",
    PAGE: "a page rendered from those",
    VERIFIER_KIND: "a verifier shipped with the archive",
    SEAL_KIND: "a seal: the hashes of the files above",
}


@dataclass(frozen=True)
class Entry:
    pattern: str
    kind: str  # one of CLASSES
    by_verify: str  # the check of ``make verify`` that accounts for it
    by_page: str  # the check of ``verify.html`` that accounts for it
    what: str

    def regex(self, quarter: str, registers: Iterable[str]) -> re.Pattern[str]:
        """The pattern as a regular expression for this quarter (registers: the freeze record's paths)."""
        parts = re.split(r"(\{quarter\}|\{register\}|\{record\}|\{year\}|\{file\})", self.pattern)
        fills = {"{quarter}": re.escape(quarter), "{record}": r"\d{4,}", "{year}": r"\d{4}", "{file}": r"[^/]+",
                 "{register}": "(?:" + "|".join(re.escape(path) for path in sorted(registers)) + ")"}
        return re.compile("".join(fills.get(part, re.escape(part)) for part in parts) + r"\Z")


_DRAW_FILES = (DRAW_RECORD, TICKETS, SUMMARY, POPULATIONS, EXCLUDED, MATCH, VISITS, INSPECTOR_LOAD, CAP_EXCEPTIONS)
_STEPS = ("01-draw", "02-match", "03-inspectors", "04-compliance")
_SEALS = (MANIFEST, SEAL, SUMS)
_RESULTS_PAGE = "05-results"
_REPLACEMENT = f"{RECORDS}/{{record}}-replacement"
_RESULTS = f"{RECORDS}/{{record}}-results"

ENTRIES: tuple[Entry, ...] = (
    Entry(f"{INPUTS}/params/{{quarter}}.yaml", INPUT, "freeze, redraw", "freeze, params",
          "the params: their digest without the seed against the freeze record; the draw record rebuilt from them"),
    Entry(f"{INPUTS}/params/{{quarter}}.freeze.json", INPUT, "git order", "freeze (its commit: git order, make verify)",
          "the freeze record: committed before the seed, as git shows"),
    Entry(f"{INPUTS}/{{register}}", INPUT, "freeze", "freeze",
          "a register named by the freeze record: its SHA-256 against the record"),
    Entry(HISTORY, RECOMPUTED, "history", "history", "the visits of the earlier quarters on the chain"),
    *(Entry(name, RECOMPUTED, "redraw", "params, tickets, summary, eligibility, inspectors",
            "the draw, recomputed from the inputs and the seed") for name in _DRAW_FILES),
    Entry(GIT_ORDER, RECOMPUTED, "git order", "shown (a browser cannot read git)",
          "the freeze and seed commits, found again in git history"),
    *(Entry(name, RECOMPUTED, "fairness", "balance, inclusion, timeline",
            "the evidence of fairness 04-compliance computed")
      for name in (BALANCE, INCLUSION, TIMELINE)),
    *(Entry(f"{NOTEBOOKS}/{name}.ipynb", PAGE, "pages", "pages (the figures stated)", "an executed notebook")
      for name in (*_STEPS, "report")),
    *(Entry(f"{HTML}/{name}.html", PAGE, "pages", "pages (the figures stated)", "a step's page") for name in _STEPS),
    Entry(REPORT_PAGE, PAGE, "pages", "pages (the figures stated)", "the report, the archive's first page"),
    Entry(VERIFIER_PAGE, VERIFIER_KIND, "verifiers", "verifiers", "the verifier page, of a version the package knows"),
    Entry(VERIFIER, VERIFIER_KIND, "verifiers", "verifiers", "the coreutils verifier, of a version the package knows"),
    *(Entry(name, SEAL_KIND, "manifest, files", "manifest, files", "the archive's seal") for name in _SEALS),
    Entry(f"{_REPLACEMENT}/{REPLACEMENT_RECORD}", RECOMPUTED, "records", "records", "a replacement"),
    Entry(f"{_REPLACEMENT}/{VISITS_FILE}", RECOMPUTED, "records", "records", "a replacement's visit"),
    Entry(f"{_RESULTS}/{RESULTS_RECORD}", RECOMPUTED, "records", "records", "a results record"),
    Entry(f"{_RESULTS}/{RESULTS_FILE}", RECOMPUTED, "records", "records", "its normalised rows"),
    Entry(f"{_RESULTS}/{CALENDAR}/{{year}}.yaml", INPUT, "records", "records",
          "a working-day calendar the deadlines were counted with (from the State Council's notice)"),
    Entry(f"{_RESULTS}/{FORM}/{{file}}", INPUT, "records", "records",
          f"the filled form itself, whose name and SHA-256 {RESULTS_RECORD} gives: make verify reads it again"),
    Entry(f"{_RESULTS}/{NOTEBOOKS}/{_RESULTS_PAGE}.ipynb", PAGE, "pages", "pages (the figures stated)",
          "the results record's executed notebook"),
    Entry(f"{_RESULTS}/{HTML}/{_RESULTS_PAGE}.html", PAGE, "pages", "pages (the figures stated)",
          "the results record's page"),
    *(Entry(f"{folder}/{name}", SEAL_KIND, "manifest, files", "manifest, files", "the record's seal")
      for folder in (_REPLACEMENT, _RESULTS) for name in _SEALS),
)


def entry_of(path: str, quarter: str, registers: Iterable[str]) -> Entry | None:
    """The entry accounting for an archive ``path``, or None."""
    registers = list(registers)
    return next((entry for entry in ENTRIES if entry.regex(quarter, registers).match(path)), None)


def unaccounted(paths: Iterable[str], quarter: str, registers: Iterable[str]) -> list[str]:
    """The paths no entry accounts for, sorted."""
    registers = list(registers)
    return sorted(path for path in paths if entry_of(path, quarter, registers) is None)


def table() -> list[dict[str, str]]:
    """The entries as plain data: what the verifier page receives."""
    return [{"pattern": entry.pattern, "kind": entry.kind, "by_verify": entry.by_verify, "by_page": entry.by_page,
             "what": entry.what} for entry in ENTRIES]


def markdown() -> str:
    """The table for ``docs/archive.md``."""
    rows = [f"| file | class | `make verify` | `{VERIFIER_PAGE}` | what |", "|---|---|---|---|---|"]
    rows += [f"| `{entry.pattern}` | {CLASSES[entry.kind]} | {entry.by_verify} | {entry.by_page} | {entry.what} |"
             for entry in ENTRIES]
    return "\n".join(rows) + "\n"
