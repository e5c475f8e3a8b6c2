"""The archive's layout: every path of a quarter's archive, named once (the ground floor: imports nothing).

    outputs/<quarter>/                the quarter's archive
      inputs/                         exact copies of the params, freeze record and registers
        history.csv                   visits of earlier archives on the chain
      draw/                           the draw's deterministic files
      fairness/                       what 04-compliance computed
      notebooks/, html/, report.html  the executed notebooks and their pages
      verify-task.sh                  the coreutils-only verifier
      verify.html                     the reviewer's verifier page (any browser)
      records/NNNN-<kind>/            records appended later
      SHA256SUMS, manifest.json, manifest.json.sha256

``evidence`` writes and reads these files; every module that names one imports its name from here, and
nothing else in the package spells an archive path. docs/archive-layout.md describes each file.
"""

# Folders of an archive.
INPUTS = "inputs"
DRAW = "draw"
FAIRNESS = "fairness"
NOTEBOOKS = "notebooks"
HTML = "html"
RECORDS = "records"

# The draw's files (protocol v1, "Archive"); make verify recomputes each byte for byte.
DRAW_RECORD = f"{DRAW}/draw.json"
TICKETS = f"{DRAW}/tickets.csv"
SUMMARY = f"{DRAW}/summary.csv"
POPULATIONS = f"{DRAW}/populations.csv"
EXCLUDED = f"{DRAW}/excluded.csv"
MATCH = f"{DRAW}/match.csv"
VISITS_FILE = "visits.csv"  # the draw's visits, and a replacement record's new ones
VISITS = f"{DRAW}/{VISITS_FILE}"
INSPECTOR_LOAD = f"{DRAW}/inspector_load.csv"
CAP_EXCEPTIONS = f"{DRAW}/cap_exceptions.csv"  # only when the soft cap had exceptions
GIT_ORDER = f"{DRAW}/git-order.json"  # the freeze and seed commits (gitorder): recomputed from git, not from the inputs

HISTORY_FILE = "history.csv"
HISTORY = f"{INPUTS}/{HISTORY_FILE}"

BALANCE = f"{FAIRNESS}/balance.csv"
INCLUSION = f"{FAIRNESS}/inclusion.csv"
TIMELINE = f"{FAIRNESS}/timeline.csv"

REPORT_PAGE = "report.html"
VERIFIER = "verify-task.sh"
VERIFIER_PAGE = "verify.html"

# Seals of the draw and of each record.
MANIFEST = "manifest.json"
SEAL = f"{MANIFEST}.sha256"
SUMS = "SHA256SUMS"

# The files of a replacement record (records/NNNN-replacement/).
REPLACEMENT_RECORD = "replacement.json"

# The files of a results record (records/NNNN-results/): what it is, its rows, the calendar
# files it counted deadlines with, and its page (notebooks/ and html/, as in the draw).
RESULTS_RECORD = "results.json"
RESULTS_FILE = "results.csv"
CALENDAR = "calendar"
FORM = "form"  # the filled form itself, as make results read it (records made before it was kept have none)

# Temporary names: a folder or file being built ends in .partial-<pid> until it is renamed into place.
PARTIAL = ".partial-"
