"""The reviewer's verifier page, ``verify.html``: one self-contained file that re-checks a whole draw
in any current browser, with nothing installed (the third implementation of protocol v1, beside the
package and ``verify-task.sh``).

The page is built from ``templates/verifier/``: ``page.html`` (the page, its style and words),
``verify/*.js`` (the verifier, written from ``docs/draw-protocol.md``: one file a concern, run in name
order as one script in one scope) and ``js-yaml.min.js`` (js-yaml 4.3.2, MIT, to read the params as
PyYAML does). The working days of the years the ``chinesecalendar`` package knows (its holidays and
make-up working days, by which results' deadlines are counted) are put into the verifier when the page
is built, from the installed package (``calendar_data``). Both scripts are inline, and the page's
Content-Security-Policy allows exactly those two by their SHA-256 and nothing else: no other script,
no fetch, no connection. The bytes are the same for every archive, so one SHA-256 identifies the
page of a version (``sha256()``, printed by ``make verify`` and in the README).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path

from . import text
from .evidence import accounting
from .evidence.store import write_new
from .hashing import sha256_bytes
from .layout import VERIFIER, VERIFIER_PAGE

SOURCES = Path(__file__).resolve().parent / "templates" / "verifier"
VENDOR = "js-yaml.min.js"
SCRIPTS = "verify"  # the verifier's files, joined in name order into the page's second script
CALENDAR_SLOT = "/* @CHINESE_CALENDAR@ */ null"  # in verify/11-results.js: replaced by calendar_data()
# Everything the page may do: its own two scripts, inline styles, data: images, workers from blob: URLs (which the
# verifier makes only of its own script's text, to hash on more than one thread: 02-sha256.js); no fetch, no form,
# no base.
POLICY = ("default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; worker-src blob:; "
          "connect-src 'none'; base-uri 'none'; form-action 'none'")


def _hash_source(script: str) -> str:
    """A CSP source allowing exactly this inline script (CSP Level 2, "hash-source")."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def calendar_data() -> str:
    """The chinesecalendar package's working-day data as a JSON object (a JavaScript expression): its version,
    the first and last year it covers (as ``chinese_calendar.is_workday`` takes them: the years of its
    holidays), and its holidays and make-up working days as ISO dates, sorted. A day of those years is a
    working day if it is a make-up working day, or a weekday that is not a holiday (``is_workday``)."""
    from importlib.metadata import version

    from chinese_calendar.constants import holidays, workdays

    return json.dumps({
        "package": f"chinesecalendar {version('chinesecalendar')}",
        "first": min(holidays).year,
        "last": max(holidays).year,
        "holidays": sorted(day.isoformat() for day in holidays),
        "workdays": sorted(day.isoformat() for day in workdays),
    }, separators=(",", ":"))


def script() -> str:
    """The verifier: its files in name order, in one strict-mode scope, with the calendar data put in."""
    parts = [path.read_text(encoding="utf-8") for path in sorted((SOURCES / SCRIPTS).glob("*.js"))]
    joined = "'use strict';\n(() => {\n" + "\n".join(parts) + "})();\n"
    for slot, data in ((CALENDAR_SLOT, calendar_data), *SLOTS.items()):
        if joined.count(slot) != 1:
            raise ValueError(f"the verifier must hold '{slot}' once, where its data goes")
        joined = joined.replace(slot, data())
    return joined


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def constants() -> dict[str, object]:
    """The package's constants that the verifier also needs, as one JSON object (a JavaScript expression), in the
    order the package lists them; a set becomes a sorted list, so the page's bytes do not depend on the process."""
    from . import calendar, findings, params, seed, uscc
    from .evidence import files
    from .registers import REGISTER_NAMES, cells, reading

    return {
        "protocol": params.PROTOCOL,
        "floors": {grade: str(floor) for grade, floor in params.FLOORS.items()},
        "seed_min_digits": seed.SEED_MIN_DIGITS,
        "grades": list(cells.GRADES),
        "grade_labels": cells.GRADE_LABELS,
        "active_statuses": sorted(cells.ACTIVE_STATUSES),
        "inactive_statuses": sorted(cells.INACTIVE_STATUSES),
        "true_words": sorted(cells.TRUE_WORDS),
        "false_words": sorted(cells.FALSE_WORDS),
        "all_entities": cells.ALL_ENTITIES,
        "list_separator": cells.LIST_SEPARATOR,
        "date_formats": list(cells.DATE_FORMATS),
        "registers": list(REGISTER_NAMES),
        "register_columns": {name: list(reading.COLUMNS[name]) for name in REGISTER_NAMES},
        "chinese_headers": {name: reading.CHINESE_HEADERS[name] for name in REGISTER_NAMES},
        "uscc_alphabet": uscc.ALPHABET,
        "uscc_weights": list(uscc.WEIGHTS),
        "csv_columns": {csv.path: list(csv.columns) for csv in (
            files.TICKETS_CSV, files.SUMMARY_CSV, files.POPULATIONS_CSV, files.EXCLUDED_CSV, files.MATCH_CSV,
            files.VISITS_CSV, files.INSPECTOR_LOAD_CSV, files.CAP_EXCEPTIONS_CSV, files.HISTORY_CSV,
            files.RESULTS_CSV)},
        "result_categories": list(findings.CATEGORIES),
        "not_problems": sorted(findings.NOT_PROBLEMS),
        "dispositions": list(findings.DISPOSITIONS),
        "none_needed": findings.NONE_NEEDED,
        "case_filed": findings.CASE,
        "transfer": findings.TRANSFER,
        "follow_up_statuses": list(findings.STATUSES),
        "pending": findings.PENDING,
        "closed": findings.CLOSED,
        "deadline_working_days": calendar.DEADLINE_WORKING_DAYS,
    }


# Data of the package put into the verifier when the page is built, so that both verifiers read one source:
# the names of hidden characters (``text.NAMES``), the table accounting for every archived file, and the
# constants both verifiers share (``constants``: statuses, grade words, date forms, list separator, columns, ...).
SLOTS = {
    "/* @CONSTANTS@ */ null": lambda: json.dumps(constants(), ensure_ascii=False, separators=(",", ":")),
    "/* @HIDDEN_NAMES@ */ null": lambda: _json({f"{code:04X}": name for code, name in sorted(text.NAMES.items())}),
    "/* @ACCOUNTING@ */ null": lambda: _json(accounting.table()),
    "/* @VERIFIERS@ */ null": lambda: _json(verifiers()),
}


def verifiers() -> dict[str, dict[str, str]]:
    """The verifiers a version shipped: name -> SHA-256 -> which version (this version's script; the earlier ones of
    ``verifiers.txt``). The page cannot name its own SHA-256, which depends on this very table."""
    found: dict[str, dict[str, str]] = {VERIFIER_PAGE: {},
                                        VERIFIER: {sha256_bytes(SCRIPT.read_bytes()): "this version's"}}
    for line in KNOWN.read_text(encoding="utf-8").splitlines():
        fields = line.split(None, 2)
        if fields and not line.startswith("#"):
            found[fields[1]].setdefault(fields[0], f"an earlier version's, last shipped {fields[2]}")
    return found


@cache
def page() -> bytes:
    """The page's bytes: the template with both scripts inlined and the policy naming their hashes."""
    vendor, script_ = (SOURCES / VENDOR).read_text(encoding="utf-8"), script()
    for name, source in ((VENDOR, vendor), (SCRIPTS, script_)):
        if "</script" in source.lower():
            raise ValueError(f"{name} contains '</script', which would end the inline script early")
    policy = POLICY.format(hashes=" ".join(_hash_source(text) for text in (vendor, script_)))
    html = (SOURCES / "page.html").read_text(encoding="utf-8")
    html = html.replace("@CSP@", policy).replace("@VENDOR@", vendor).replace("@SCRIPT@", script_)
    return html.encode("utf-8")


def sha256() -> str:
    """The SHA-256 of this version's page, as ``certutil -hashfile verify.html SHA256`` prints it (lower case)."""
    return sha256_bytes(page())


KNOWN = Path(__file__).resolve().parent / "verifiers.txt"
SCRIPT = Path(__file__).resolve().parent / VERIFIER  # the coreutils verifier, copied into every archive


def version_of(name: str, digest: str) -> str | None:
    """Which version shipped the verifier ``name`` (verify.html or verify-task.sh) with SHA-256 ``digest``:
    this version, an earlier one listed in ``verifiers.txt``, or None when no version did."""
    if name == VERIFIER_PAGE and digest == sha256():
        return "this version's"
    return verifiers()[name].get(digest)


def write(path: Path) -> None:
    """Write the page to ``path`` (never over an existing file)."""
    write_new(path, page())
