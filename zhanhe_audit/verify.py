"""``make verify``: re-check an archived quarter without trusting the operator.

Each check prints one line, PASS, FAIL or SKIP, and the run ends with PASS or
FAIL. The checks: the manifest's own hash; every archived file against the
manifest and SHA256SUMS of the draw or of the record appended later that
lists it (and nothing unlisted); the archived registers and params against the
archived freeze record; the archived history against the earlier archives on
the chain; the draw recomputed from the archived inputs under the
protocol version it was drawn under and compared byte for byte; every
appended record (replacements) recomputed the same way from the inputs and
the records before it; the hash chain from the quarter's latest manifest
back to the series' first, through the quarter's draw and each of its
records; and, where git history exists, that the freeze was committed before
the seed.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import yaml

from . import engine, freeze, inspectors, publish, results, verify_page
from .errors import ZhanheError
from .evidence import DRAW, HISTORY, INPUTS, MANIFEST, RESULTS_RECORD, SEAL, SUMS, VERIFIER_PAGE, VISITS
from .evidence.files import CAP_EXCEPTIONS_CSV, INSPECTOR_LOAD_CSV, VISITS_CSV, history_text
from .evidence.manifest import Manifest, manifest_paths, read, read_sealed, series, walk_chain
from .evidence.records import DrawRecord, kind_of, record_folders, shown
from .evidence.store import sha256_bytes, sha256_file
from .inputs import Inputs, load_archived
from .kinds import apply_records, history_before, kind
from .params import load_params, normalise_seed
from .paths import PUBLIC, Project, freeze_name, params_name

# Each protocol version an archive may name, with the function that recomputes its
# deterministic files into a scratch folder, at their paths in the archive. A change of
# selection or eligibility semantics adds a version here; the old ones stay, so old
# archives keep verifying. The records a version may append are the kinds of ``kinds.KINDS``.
PROTOCOLS: dict[str, Callable[[Inputs, Path], None]] = {
    "draw-v1": lambda inputs, scratch: engine.write_draw(engine.run_draw(inputs, scratch)),
}
BLOCK = 1 << 20  # files are compared a block at a time: a province's tickets.csv is a gigabyte
SEALS = (MANIFEST, SEAL, SUMS)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "PASS", "FAIL", "SKIP", or "NOTE": a fact about the quarter that does not make verify fail
    detail: str

    def __str__(self) -> str:
        return f"{self.status:<4}  {self.name:<13} {self.detail}"


def check_files(folder: Path, record: Path, manifest: Manifest) -> list[str]:
    """Problems with the files a record's manifest lists (paths relative to ``folder``)."""
    problems = []
    for name, digest in manifest.files.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name} does not match its SHA-256 in the manifest: it was changed")
    sums = record / SUMS
    if not sums.is_file() or sha256_file(sums) != manifest.sha256sums:
        problems.append(f"{sums.relative_to(folder).as_posix()} is missing or does not match the manifest")
    return problems


def _unlisted(folder: Path, manifests: list[Manifest], records: list[Path]) -> list[str]:
    listed = {name for manifest in manifests for name in manifest.files}
    for record in [folder, *records]:
        prefix = record.relative_to(folder).as_posix()
        listed |= {name if prefix == "." else f"{prefix}/{name}" for name in SEALS}
    present = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    return sorted(present - listed)


LINE_ENDS = {b"\n": "LF", b"\r\n": "CRLF", b"": "no line end"}


def first_difference(expected: BinaryIO, found: BinaryIO) -> str:
    """Where two files first differ, as 'row N: recomputed … archived …' (row 1 is the header), read a row
    at a time ('\\n' only separates rows; the last may lack it).

    Rows are compared with their line ends, so a changed or missing line end is named too.
    """
    for number, (a, b) in enumerate(itertools.zip_longest(expected, found), start=1):
        if a is None or b is None:
            old = number - 1 + (a is not None) + sum(1 for _ in expected)
            new = number - 1 + (b is not None) + sum(1 for _ in found)
            return f"row {number}: the archived file has {new} rows, the recomputation {old}"
        if a != b:
            text_a, text_b = a.rstrip(b"\r\n"), b.rstrip(b"\r\n")
            if text_a == text_b:
                end_a, end_b = a[len(text_a):], b[len(text_b):]
                return (f"row {number}: same text, different line end: recomputed {LINE_ENDS.get(end_a, repr(end_a))}, "
                        f"archived {LINE_ENDS.get(end_b, repr(end_b))}")
            return f"row {number}: recomputed '{_shown(text_a)}', archived '{_shown(text_b)}'"
    return "the files are identical"


def _shown(row: bytes) -> str:
    return row.decode("utf-8", errors="replace")


def _redraw(folder: Path, inputs: Inputs, protocol: str) -> Check:
    if protocol not in PROTOCOLS:
        return Check("redraw", "FAIL", f"protocol '{protocol}' is unknown to this version of zhanhe-audit")
    with tempfile.TemporaryDirectory(prefix="zhanhe-redraw-") as scratch:
        try:
            PROTOCOLS[protocol](inputs, Path(scratch))
        except ZhanheError as error:
            return Check("redraw", "FAIL", f"the archived inputs cannot be drawn from: {error}")
        recomputed = [path.relative_to(scratch).as_posix() for path in sorted(Path(scratch).rglob("*")) if path.is_file()]
        problem = _compare(folder, {name: _file(Path(scratch, name)) for name in recomputed},
                           f"the draw recomputed under {protocol}")
    if problem:
        return Check("redraw", "FAIL", problem)
    drawn = {path.relative_to(folder).as_posix() for path in (folder / DRAW).rglob("*") if path.is_file()}
    extra = sorted(drawn - set(recomputed))
    if extra:
        return Check("redraw", "FAIL", f"{', '.join(extra)} is in the archive, but the draw recomputed under {protocol} "
                     "has no such file")
    return Check("redraw", "PASS", f"{', '.join(recomputed)} recomputed under {protocol}: identical byte for byte")


def _compare(folder: Path, recomputed: dict[str, Callable[[], BinaryIO]], what: str) -> str | None:
    """Where the archived files first differ from their recomputation (each opened by its function), or None."""
    for name, recomputation in recomputed.items():
        archived = folder / name
        if not archived.is_file():
            return f"{name} is missing from the archive"
        with recomputation() as expected, archived.open("rb") as found:
            if not _same(expected, found):
                expected.seek(0)
                found.seek(0)
                return f"{name} differs from {what}: " + first_difference(expected, found)
    return None


def _file(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def _text(text: str) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(text.encode("utf-8"))


def _same(expected: BinaryIO, found: BinaryIO) -> bool:
    while True:
        block = expected.read(BLOCK)
        if block != found.read(BLOCK):
            return False
        if not block:
            return True


def _inspectors(folder: Path, inputs: Inputs) -> Check:
    """The second random's rules re-checked on the archived visits, independently of the code that drew them."""
    visits = VISITS_CSV.read(folder)
    exceptions = CAP_EXCEPTIONS_CSV.read_if_present(folder)
    caps = inspectors.caps_of(INSPECTOR_LOAD_CSV.read(folder))
    entities = inputs.registers.entities.lookup(visit.uscc for visit in visits)
    for row, visit in enumerate(visits, start=2):
        strangers = ([] if visit.uscc in entities else [visit.uscc]) + [
            cert for cert in visit.inspectors if cert not in inputs.registers.inspectors]
        if strangers:  # drawn from the archived registers, a visit names no one outside them
            return Check("inspectors", "FAIL", f"{VISITS} row {row} ({visit.visit_id}) names {strangers[0]}, who is not "
                         f"in the archived registers: the visits or the registers were changed")
    found = inspectors.violations(visits, inputs.registers, inputs.params.inspection, inputs.history, caps, exceptions)
    broken = {rule: pairs for rule, pairs in found.items() if pairs}
    if broken:
        listed = "; ".join(f"{inspectors.RULE_NAMES[rule]}: {', '.join(f'{a} {b}'.strip() for a, b in pairs[:3])}"
                           for rule, pairs in broken.items())
        return Check("inspectors", "FAIL", f"{VISITS} breaks the inspector rules: {listed}")
    listed = f"{len(exceptions)} cap exception(s), each at or over the cap" if exceptions else "no cap exception"
    return Check("inspectors", "PASS", f"{len(visits)} visits: no conflict of interest, same home unit or previous "
                 f"inspector, every department sends {inputs.params.inspection.per_department}; {listed}")


def _freeze(folder: Path, quarter_name: str) -> Check:
    inputs_root = Project(folder / INPUTS)
    try:
        record = freeze.read_record(inputs_root.freeze_file(quarter_name), quarter_name)
        files = {name: entry["path"] for name, entry in record.registers.items()}
        hashes = {name: sha256_file(inputs_root.root / path) for name, path in files.items()}
        params = load_params(inputs_root.params_file(quarter_name))
        freeze.check(record, files, hashes, params.digest, sha256_file(folder / HISTORY))
    except ZhanheError as error:
        return Check("freeze", "FAIL", str(error).replace("\n", " "))
    frozen = "the params (seed apart) and the history" if record.history is not None else "the params (seed apart)"
    return Check("freeze", "PASS", f"the {len(files)} archived registers, {frozen} match the archived freeze "
                 f"record of {record.frozen_at}")


def _own_manifests(quarter_name: str, records: list[Path]) -> list[str]:
    """The quarter's manifests, oldest first, as the chain names them (relative to ``outputs``)."""
    return [f"{quarter_name}/{MANIFEST}"] + [f"{quarter_name}/{shown(record)}/{MANIFEST}" for record in records]


def _named_later(outputs: Path, quarter_name: str) -> Check | None:
    """A FAIL when a manifest of the series names one of this quarter's manifests that is missing or changed.

    This is how deleting the quarter's latest record shows, once anything was chained after it.
    """
    for path in manifest_paths(outputs, series(quarter_name)):
        other = path.relative_to(outputs).as_posix()
        try:
            previous = read(path, other).previous
        except ZhanheError:
            continue  # a broken manifest: its own quarter's verification names it
        if previous is None or not previous.path.startswith(f"{quarter_name}/"):
            continue
        if not (outputs / previous.path).is_file():
            return Check("chain", "FAIL", f"{other} names {previous.path} as the previous manifest, and it is missing: "
                         f"a record or the draw of {quarter_name} was deleted or moved")
        if sha256_file(outputs / previous.path) != previous.sha256:
            return Check("chain", "FAIL", f"{previous.path} does not have the SHA-256 that {other} recorded: it was changed")
    return None


def _history(outputs: Path, folder: Path, quarter_name: str) -> Check:
    """``inputs/history.csv`` is what the chain held before the draw: recomputed from the draw
    manifest's previous manifest back to the first (visits of earlier quarters only)."""
    archived = folder / HISTORY
    if not archived.is_file():
        return Check("history", "FAIL", f"{HISTORY} is missing")
    try:
        previous = read(folder / MANIFEST, MANIFEST).previous
        expected = history_text(history_before(outputs, previous, quarter_name))
    except ZhanheError as error:
        return Check("history", "FAIL", f"the earlier manifests cannot be read to recompute the history: {error}")
    problem = _compare(folder, {HISTORY: _text(expected)}, "the visits the chain held before the draw")
    if problem:
        return Check("history", "FAIL", problem)
    visits = len(expected.splitlines()) - 1
    return Check("history", "PASS", f"{HISTORY} ({visits} earlier visits) matches the archives before this draw on "
                 "the chain")


def _chain(outputs: Path, quarter_name: str, records: list[Path]) -> Check:
    """Follow the previous-manifest links from the quarter's latest manifest back to the series' first.

    The walk must pass through the quarter's draw manifest and each of its records, in
    order (other quarters' manifests may come between); and no later manifest may name
    one of them that is missing or changed.
    """
    own = _own_manifests(quarter_name, records)
    start = own[-1]
    if not (outputs / start).is_file():
        return Check("chain", "FAIL", f"{start} is missing, so the chain cannot start from the quarter's latest manifest")
    try:
        steps = walk_chain(outputs, start)
    except ZhanheError as error:
        return Check("chain", "FAIL", str(error))
    met = [step.path for step in steps]
    mine = [path for path in reversed(met) if path in own]
    if mine != own:
        absent = [path for path in own if path not in met]
        if absent:
            return Check("chain", "FAIL", f"the chain from {start} back to the first manifest, {met[-1]}, does not pass "
                         f"through {', '.join(absent)}: the quarter's manifests are not one chain")
        return Check("chain", "FAIL", f"the chain from {start} meets the manifests of {quarter_name} out of order: "
                     f"{' <- '.join(reversed(mine))}")
    later = _named_later(outputs, quarter_name)
    if later:
        return later
    through = f"; it passes through the draw and the {len(records)} record(s) of {quarter_name}" if records else ""
    return Check("chain", "PASS", f"{len(met) - 1} earlier manifest(s) back to the first, {met[-1]}, all match{through}")


def _appended(folder: Path, quarter_name: str, inputs: Inputs | None, records: list[Path]) -> Check:
    """Each appended record recomputed from the archived inputs and the records before it, byte for byte."""
    if not records:
        return Check("records", "PASS", "no appended records")
    for number, record in enumerate(records, start=1):
        if not record.name.startswith(f"{number:04d}-"):
            return Check("records", "FAIL", f"{shown(record)} comes where record {number:04d} should be: an appended "
                         "record is missing")
    if inputs is None:
        return Check("records", "FAIL", "the archived inputs cannot be read")
    for index, record in enumerate(records):
        try:
            spec = kind(record)
            manifest = read(record / MANIFEST, f"{shown(record)}/{MANIFEST}")
            files = {f"{shown(record)}/{name}" for name in spec.files}
            if spec.optional_folder:  # files that vary, e.g. the calendar files a results record counted with
                files |= {name for name in manifest.files if name.startswith(f"{shown(record)}/{spec.optional_folder}/")}
            if (manifest.kind, manifest.quarter, set(manifest.files)) != (spec.name, quarter_name, files):
                return Check("records", "FAIL", f"{shown(record)}/{MANIFEST} is not the manifest of a {spec.name} "
                             f"record of {quarter_name} listing exactly {', '.join(sorted(files))}")
            texts = spec.recompute(inputs, folder, apply_records(folder, records[:index]), record)
        except ZhanheError as error:
            return Check("records", "FAIL", f"{shown(record)} cannot be recomputed from the archived inputs and the "
                         f"records before it: {error}")
        problem = _compare(record, {name: _text(text) for name, text in texts.items()},
                           "the record recomputed from the archived inputs and the records before it")
        if problem:
            return Check("records", "FAIL", f"{shown(record)}/{problem}")
    names = ", ".join(shown(record) for record in records)
    return Check("records", "PASS", f"{len(records)} record(s) recomputed from the archived inputs, each after the "
                 f"ones before it: {names}, identical byte for byte")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def _committed(root: Path, commit: str, path: str) -> str | None:
    """``path`` (relative to ``root``, which may be a subfolder of the repository) as of ``commit``; None if absent."""
    try:
        return _git(root, "show", f"{commit}:./{path}")
    except subprocess.CalledProcessError:
        return None


def _committed_seed(root: Path, commit: str, params_file: str) -> str | None:
    """The seed value of the params as of ``commit``, or None (no file, no seed, or not readable YAML)."""
    try:
        data = yaml.safe_load(_committed(root, commit, params_file) or "")
    except yaml.YAMLError:
        return None
    seed = data.get("seed") if isinstance(data, dict) else None
    value = seed.get("value") if isinstance(seed, dict) else None
    return normalise_seed(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Commits:
    """Where git history shows the archived freeze record and the seed first committed."""

    freeze: str | None  # None: the archived freeze record was never committed
    seed: str | None  # None: no commit of the params holds the seed

    def time(self, root: Path, commit: str) -> str:
        return _git(root, "show", "-s", "--format=%cI", commit).strip()


def find_commits(root: Path, folder: Path, quarter_name: str, seed: str) -> Commits | None:
    """The commits, or None where there is no git history of this quarter's freeze record.

    The freeze commit is the first one whose freeze record is byte-identical to the archived one
    (a quarter may be frozen again while it has no seed yet); the seed commit is the first one
    whose params hold the archived seed.
    """
    params_file, freeze_file = params_name(quarter_name), freeze_name(quarter_name)
    try:
        _git(root, "rev-parse", "--git-dir")
        freezes = _git(root, "log", "--reverse", "--format=%H", "--", freeze_file).split()
        versions = _git(root, "log", "--reverse", "--format=%H", "--", params_file).split()
    except (OSError, subprocess.CalledProcessError):
        return None
    if not freezes:
        return None
    archived_file = folder / INPUTS / freeze_file
    archived = archived_file.read_bytes() if archived_file.is_file() else None
    freeze_commit = next((commit for commit in freezes
                          if (_committed(root, commit, freeze_file) or "").encode("utf-8") == archived), None)
    seed_commit = next((commit for commit in versions if _committed_seed(root, commit, params_file) == seed), None)
    return Commits(freeze_commit, seed_commit)


def _git_order(root: Path, folder: Path, quarter_name: str, seed: str) -> Check:
    """The archived freeze record was committed in a commit before the first commit holding the seed."""
    params_file, freeze_file = params_name(quarter_name), freeze_name(quarter_name)
    commits = find_commits(root, folder, quarter_name, seed)
    if commits is None:
        return Check("git order", "SKIP", f"no git history of {freeze_file} here; check the order of the freeze "
                     "and seed commits by hand")
    if not (folder / INPUTS / freeze_file).is_file():
        return Check("git order", "FAIL", f"{INPUTS}/{freeze_file} is missing from the archive, so it "
                     "cannot be compared with the committed freeze records")
    freeze_commit, seed_commit = commits.freeze, commits.seed
    if freeze_commit is None:
        return Check("git order", "FAIL", f"the archived freeze record was never committed as {freeze_file}")
    if seed_commit is None:
        return Check("git order", "FAIL", f"no commit of {params_file} holds the archived seed")
    if freeze_commit == seed_commit:
        return Check("git order", "FAIL", f"the freeze and the seed were committed together in {seed_commit[:10]}; "
                     "the freeze must come first")
    try:
        _git(root, "merge-base", "--is-ancestor", freeze_commit, seed_commit)
    except subprocess.CalledProcessError:
        return Check("git order", "FAIL", f"the seed was first committed in {seed_commit[:10]}, which does not come "
                     f"after the freeze committed in {freeze_commit[:10]}")
    return Check("git order", "PASS", f"freeze committed in {freeze_commit[:10]}, before the seed in {seed_commit[:10]}")


def _sealed(folder: Path, records: list[Path]) -> list[Check]:
    """The 'manifest' and 'files' checks (only 'manifest' when the quarter's own manifest fails)."""
    try:
        manifest, _ = read_sealed(folder)
    except ZhanheError as error:
        return [Check("manifest", "FAIL", str(error))]
    found = [Check("manifest", "PASS", f"{MANIFEST} matches {SEAL}")]
    manifests = [manifest]
    problems = check_files(folder, folder, manifest)
    for record in records:
        try:
            entry, _ = read_sealed(record)
        except ZhanheError as error:
            problems.append(f"{record.relative_to(folder).as_posix()}: {error}")
            continue
        manifests.append(entry)
        problems += check_files(folder, record, entry)
    problems += [f"{name} is in the archive but in no manifest" for name in _unlisted(folder, manifests, records)]
    count = sum(len(entry.files) for entry in manifests)
    found.append(Check("files", "FAIL", "; ".join(problems)) if problems else
                 Check("files", "PASS", f"{count} files match their SHA-256 in {len(manifests)} manifest(s) and SHA256SUMS"))
    return found


def checks(project: Project, quarter_name: str) -> list[Check]:
    folder = project.archive(quarter_name)
    if not folder.is_dir():
        return [Check("archive", "FAIL", f"{project.relative(folder)} does not exist; was {quarter_name} drawn?")]
    records = record_folders(folder)
    found = _sealed(folder, records)
    if found[0].status == "FAIL":
        return found
    found.append(_freeze(folder, quarter_name))
    found.append(_history(project.outputs, folder, quarter_name))
    try:
        drawn = DrawRecord.read(folder)
        inputs: Inputs | None = load_archived(folder, quarter_name)
    except ZhanheError as error:
        found.append(Check("redraw", "FAIL", f"the archived draw record or inputs cannot be read: {error}"))
        drawn, inputs = None, None
    if drawn is not None and inputs is not None:
        found.append(_redraw(folder, inputs, drawn.protocol))
        try:
            found.append(_inspectors(folder, inputs))
        except ZhanheError as error:
            found.append(Check("inspectors", "FAIL", str(error)))
    found.append(_appended(folder, quarter_name, inputs, records))
    found.append(_chain(project.outputs, quarter_name, records))
    found += _public(project, folder, quarter_name, inputs, records)
    if drawn is not None:
        found.append(_git_order(project.root, folder, quarter_name, drawn.seed))
    found.append(_page(folder))
    return found


def _page(folder: Path) -> Check:
    """NOTE: the verifier page's SHA-256, which a reviewer compares with their own hash of it before opening it."""
    current = verify_page.sha256()
    path = folder / VERIFIER_PAGE
    if not path.is_file():
        return Check("page", "NOTE", f"no {VERIFIER_PAGE} in this archive (drawn before the page existed); "
                     f"'zhanhe-audit verifier-page OUT.html' writes this version's page, SHA-256 {current}")
    digest = sha256_file(path)
    which = "this version's page" if digest == current else f"the page of an earlier version (this version's: {current})"
    return Check("page", "NOTE", f"{VERIFIER_PAGE} has SHA-256 {digest}, {which}; check it before opening it: "
                 f"certutil -hashfile {VERIFIER_PAGE} SHA256 (Windows), sha256sum {VERIFIER_PAGE}")


def _public(project: Project, folder: Path, quarter_name: str, inputs: Inputs | None,
            records: list[Path]) -> list[Check]:
    """The public files rebuilt from the archive and its records: the SHA-256 the latest results record lists,
    and the published tree ``public/<quarter>/`` where it exists; then the follow-up facts (NOTE)."""
    latest = [record for record in records if kind_of(record) == results.KIND.name][-1:]
    if not latest:
        return [Check("public", "SKIP", "no results recorded yet, so nothing is published")]
    if inputs is None:
        return [Check("public", "FAIL", "the archived inputs cannot be read")]
    try:
        state = apply_records(folder, records)
        data = results.ResultsRecord.read(latest[0])
        current = results.latest(state)
        files = publish.public_files(inputs, state.visits, current)
    except ZhanheError as error:
        return [Check("public", "FAIL", f"the public files cannot be rebuilt: {error}")]
    prefix = f"{PUBLIC}/{quarter_name}/"
    rebuilt = {prefix + name: sha256_bytes(data_) for name, data_ in files.items()}
    found = []
    if rebuilt != data.public:
        differ = sorted(name for name in rebuilt.keys() | data.public.keys() if rebuilt.get(name) != data.public.get(name))
        found.append(Check("public", "FAIL", f"{', '.join(differ)}: rebuilt from the archive, not what "
                           f"{shown(latest[0])}/{RESULTS_RECORD} lists"))
    else:
        published = project.public(quarter_name)
        differences = publish.differences(published, files) if published.is_dir() else []
        where = f"the published tree {project.relative(published)}/ " + ("differs: " + "; ".join(differences)
                                                                        if differences else "is identical")
        found.append(Check("public", "FAIL" if differences else "PASS",
                           f"{len(files)} public files rebuilt from the archive match {shown(latest[0])}/"
                           f"{RESULTS_RECORD}; " + (where if published.is_dir() else "no published tree here")))
    as_of = date.fromisoformat(data.as_of)
    found.append(Check("follow-up", "NOTE", f"as of {as_of}: {len(current)} results, "
                       f"{sum(result.open for result in current)} open finding(s) (a problem not closed), "
                       f"{sum(result.overdue(as_of) for result in current)} publication(s) overdue "
                       "(20 working days); facts about the quarter, not a failure of verification"))
    return found


def before_append(project: Project, quarter_name: str) -> list[Check]:
    """What must pass before a record is appended: the manifests, the files, the records so far and the chain."""
    folder = project.archive(quarter_name)
    records = record_folders(folder)
    found = _sealed(folder, records)
    if found[0].status == "FAIL":
        return found
    try:
        inputs: Inputs | None = load_archived(folder, quarter_name)
    except ZhanheError:
        inputs = None
    return found + [_appended(folder, quarter_name, inputs, records), _chain(project.outputs, quarter_name, records)]


def report(project: Project, quarter_name: str, out: Callable[[str], None] = print) -> bool:
    """Print one line per check and PASS or FAIL; return whether every check passed."""
    out(f"verify {quarter_name}: {project.relative(project.archive(quarter_name))}/")
    results = checks(project, quarter_name)
    for result in results:
        out(str(result))
    passed = all(result.status != "FAIL" for result in results)
    out("PASS" if passed else "FAIL")
    return passed
