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
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from . import announced, engine, freeze, gitorder, inspectors, publish, rerender, results, text, verify_page
from .errors import ZhanheError
from .evidence import accounting
from .evidence.archived import load_archived
from .evidence.files import CAP_EXCEPTIONS_CSV, INSPECTOR_LOAD_CSV, VISITS_CSV, history_text
from .evidence.manifest import Manifest, manifest_paths, read, read_sealed, series, walk_chain
from .evidence.records import DrawRecord, kind_of, record_folders, shown
from .evidence.store import read_text
from .hashing import sha256_bytes, sha256_file
from .inputs import Inputs
from .kinds import apply_records, history_before, kind
from .layout import (
    DRAW,
    FAIRNESS,
    GIT_ORDER,
    HISTORY,
    INPUTS,
    MANIFEST,
    NOTEBOOKS,
    RESULTS_RECORD,
    SEAL,
    SUMS,
    VERIFIER,
    VERIFIER_PAGE,
    VISITS,
)
from .params import load_params
from .paths import PUBLIC, Project

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
    status: str  # "PASS", "FAIL", "SKIP" (could not run here: named in the verdict), or "NOTE": a fact about the
    # quarter that does not make verify fail
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
            shown_a, shown_b = _shown(text_a), _shown(text_b)
            return f"row {number}: recomputed '{text.visible(shown_a)}', archived '{text.visible(shown_b)}'" + (
                f"; {text.first_difference(shown_a, shown_b)}" if any(map(text.hidden, shown_a + shown_b)) else "")
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
    extra = sorted(drawn - set(recomputed) - {GIT_ORDER})  # the git proof is the 'git order' check's
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
            for optional in spec.optional_folders:  # files that vary: a results record's calendar files and form
                files |= {name for name in manifest.files if name.startswith(f"{shown(record)}/{optional}/")}
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


def _git_order(root: Path, folder: Path, inputs: Inputs | None) -> Check:
    """The freeze committed before the seed (``gitorder``): found again in git history from the archive's copies,
    and compared with what the draw archived in ``draw/git-order.json``."""
    if inputs is None:
        return Check("git order", "FAIL", "the archived inputs cannot be read, so their commits cannot be looked up")
    archived_file = folder / GIT_ORDER
    archived = gitorder.Order.from_json(read_text(archived_file, GIT_ORDER)) if archived_file.is_file() else None
    if archived is not None and not archived.proved:
        if series(inputs.quarter) != "demo":
            return Check("git order", "FAIL", f"{GIT_ORDER} says the order was not proved ({archived.reason}); only a "
                         "demo quarter is drawn without the proof")
        return Check("git order", "SKIP", f"a demo quarter, drawn without the proof: {archived.reason}")
    try:
        found = gitorder.find(root, engine.order_quarter(inputs, folder))
    except ZhanheError as error:
        return Check("git order", "FAIL", str(error))
    if isinstance(found, str):
        if found.startswith("no git history"):
            recorded = (f"; the archive records the freeze commit {_commit(archived.freeze)} and the seed commit "
                        f"{_commit(archived.seed)}: check them with 'git log' in the project's repository"
                        if archived and archived.freeze and archived.seed else "")
            return Check("git order", "SKIP", f"{found}{recorded}")
        return Check("git order", "FAIL", found)
    if archived is not None and archived != found:
        return Check("git order", "FAIL", f"{GIT_ORDER} records the freeze commit {_commit(archived.freeze)} and the "
                     f"seed commit {_commit(archived.seed)}, but git history gives {_commit(found.freeze)} and "
                     f"{_commit(found.seed)}")
    return Check("git order", "PASS", f"the freeze committed in {_commit(found.freeze)}, before the seed in "
                 f"{_commit(found.seed)}" + ("" if archived else f" ({GIT_ORDER} is not in this archive: drawn before "
                                              "the proof was archived)"))


def _commit(commit: gitorder.Commit | None) -> str:
    return "none" if commit is None else f"{commit.short} ({commit.time}, {commit.author})"


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


def checks(project: Project, quarter_name: str, seed: str | None = None, head: str | None = None,
           pages: bool = True) -> list[Check]:
    """Every check of the quarter's archive, in order; ``seed`` and ``head`` are the announced values, if given;
    without ``pages`` the notebooks are not run again (``fairness`` and ``pages`` then not run: a quicker check,
    whose verdict names them)."""
    folder = project.archive(quarter_name)
    if not folder.is_dir():
        return [Check("archive", "FAIL", f"{project.relative(folder)} does not exist; was {quarter_name} drawn?")]
    records = record_folders(folder)
    found = _sealed(folder, records)
    if found[0].status == "FAIL":
        return found
    found.append(_accounted(folder, quarter_name, records))
    problem = ""
    try:
        drawn: DrawRecord | None = DrawRecord.read(folder)
        inputs: Inputs | None = load_archived(folder, quarter_name)
    except ZhanheError as error:
        drawn, inputs = None, None
        problem = f"the archived draw record or inputs cannot be read: {error}"
    found.append(_seed(drawn.seed) if drawn else Check("seed", "FAIL", problem))
    found.append(_freeze(folder, quarter_name))
    found.append(_history(project.outputs, folder, quarter_name))
    if drawn is not None and inputs is not None:
        found.append(_redraw(folder, inputs, drawn.protocol))
        try:
            found.append(_inspectors(folder, inputs))
        except ZhanheError as error:
            found.append(Check("inspectors", "FAIL", str(error)))
    else:
        found.append(Check("redraw", "FAIL", problem))
    found += _rendered(folder, quarter_name, records) if pages else [
        Check(name, "SKIP", "not asked for (PAGES=no): the notebooks were not run again") for name in ("fairness", "pages")]
    found.append(_appended(folder, quarter_name, inputs, records))
    found.append(_chain(project.outputs, quarter_name, records))
    found += _public(project, folder, quarter_name, inputs, records)
    found.append(_git_order(project.root, folder, inputs))
    found += _announced(project, quarter_name, seed, head)
    found.append(_verifiers(folder))
    return found


def _rendered(folder: Path, quarter_name: str, records: list[Path]) -> list[Check]:
    """``fairness/*.csv`` recomputed, and the notebooks and pages rendered again (``rerender``), byte for byte."""
    if not (folder / NOTEBOOKS).is_dir():
        return [Check("fairness", "PASS", "no fairness/ in this archive: drawn without its notebooks"),
                Check("pages", "PASS", "no pages in this archive: drawn without its notebooks")]
    rendered: dict[str, bytes] = {}
    try:
        with rerender.draw_pages(folder, quarter_name) as produced:
            csv_files = sorted(name for name in produced if name.startswith(f"{FAIRNESS}/"))
            fairness = _compare(folder, {name: _file(produced[name]) for name in csv_files},
                                "04-compliance run again on the archive")
            rendered |= {name: path.read_bytes() for name, path in produced.items() if name not in csv_files}
        for record in records:
            if kind_of(record) == results.KIND.name:
                with rerender.results_pages(folder, quarter_name, record) as more:
                    rendered |= {name: path.read_bytes() for name, path in more.items()}
    except ZhanheError as error:
        return [Check(name, "FAIL", f"the notebooks cannot be run again on the archive: {error}")
                for name in ("fairness", "pages")]
    return [Check("fairness", "FAIL", fairness) if fairness else
            Check("fairness", "PASS", f"{', '.join(csv_files)} recomputed (04-compliance run again on the archive): "
                  "identical byte for byte"),
            _pages(folder, rendered)]


def _pages(folder: Path, rendered: dict[str, bytes]) -> Check:
    """The pages rendered again against the archived ones: PASS when byte-identical; SKIP (a check not run) when
    only their bytes differ, not the text they show, and this machine's packages are not the ones the manifest
    records; FAIL otherwise, naming the first difference."""
    moved = rerender.environment_differences(folder)
    only_bytes = False
    for name, data in sorted(rendered.items()):
        archived = folder / name
        if not archived.is_file():
            return Check("pages", "FAIL", f"{name} is missing from the archive, which the notebooks render")
        found = archived.read_bytes()
        if found == data:
            continue
        mine, theirs = rerender.shown_text(data), rerender.shown_text(found)
        if mine != theirs:
            return Check("pages", "FAIL", f"{name} differs from the page rendered again from the archive, in the text "
                         f"it shows: {text.first_difference(mine, theirs)} (recomputed '…{_around(mine, theirs)}…')")
        if not moved:
            return Check("pages", "FAIL", f"{name} differs in its bytes from the page rendered again from the archive "
                         "with the packages that rendered it: " + text.first_difference(
                             data.decode("utf-8", "replace"), found.decode("utf-8", "replace")))
        only_bytes = True
    if only_bytes:
        return Check("pages", "SKIP", f"pages byte for byte: rendered with other package versions ({'; '.join(moved)}); "
                     "the text every page shows is identical to the archived pages'")
    return Check("pages", "PASS", f"{len(rendered)} notebooks and pages rendered again from the archive: identical "
                 "byte for byte")


def _around(mine: str, theirs: str) -> str:
    at = next((index for index, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), min(len(mine), len(theirs)))
    return text.visible(mine[max(0, at - 30):at + 30])


def _accounted(folder: Path, quarter_name: str, records: list[Path]) -> Check:
    """Every listed file is one the archive format accounts for (``evidence.accounting``)."""
    listed = {name for manifest in [read(folder / MANIFEST, MANIFEST),
                                    *(read(record / MANIFEST, f"{shown(record)}/{MANIFEST}") for record in records)]
              for name in manifest.files}
    try:
        registers = freeze.read_record(Project(folder / INPUTS).freeze_file(quarter_name), quarter_name).registers
    except ZhanheError as error:
        return Check("accounted", "FAIL", f"the freeze record cannot be read, so the registers it names are unknown: "
                     f"{error}")
    strangers = accounting.unaccounted(listed, quarter_name, (entry["path"] for entry in registers.values()))
    if strangers:
        return Check("accounted", "FAIL", f"{', '.join(text.visible(name) for name in strangers)}: listed in a manifest, "
                     "but no file of this kind belongs in an archive (docs/archive.md): nothing recomputes or proves it")
    return Check("accounted", "PASS", f"each of the {len(listed)} listed files is an input proved by the freeze, a file "
                 "recomputed byte for byte, a page rendered from those, a verifier or a seal (docs/archive.md)")


def _seed(seed: str) -> Check:
    """The archived seed holds no character that cannot be seen: the seed shown is the seed drawn with."""
    problem = announced.seed_problem(seed)
    if problem:
        return Check("seed", "FAIL", problem)
    return Check("seed", "PASS", f"'{seed}': every character can be seen (no control, format or other white space "
                 "character)")


def _announced(project: Project, quarter_name: str, seed: str | None, head: str | None) -> list[Check]:
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


def _verifiers(folder: Path) -> Check:
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
                     f"'zhanhe-audit verifier-page OUT.html' writes this version's page, SHA-256 {verify_page.sha256()}")
    return Check("verifiers", "PASS", "; ".join(shown_as) + f". Check the page before opening it: certutil -hashfile "
                 f"{VERIFIER_PAGE} SHA256 (Windows), sha256sum {VERIFIER_PAGE}")


def _public(project: Project, folder: Path, quarter_name: str, inputs: Inputs | None,
            records: list[Path]) -> list[Check]:
    """The public files rebuilt from the archive and its records: the SHA-256 the latest results record lists,
    and the published tree ``public/<quarter>/`` where it exists; then the follow-up facts (NOTE)."""
    latest = [record for record in records if kind_of(record) == results.KIND.name][-1:]
    if not latest:
        return [Check("public", "NOTE", "no results recorded yet, so nothing is published")]
    if inputs is None:
        return [Check("public", "FAIL", "the archived inputs cannot be read")]
    try:
        state = apply_records(folder, records)
        data = results.ResultsRecord.read(latest[0])
        current = results.latest(state)
        files = publish.public_files(inputs, state.visits, current, data.public_format, announced.head_of(latest[0]))
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


def report(project: Project, quarter_name: str, out: Callable[[str], None] = print, seed: str | None = None,
           head: str | None = None, pages: bool = True) -> bool:
    """Print the archive's anchors, one line per check, then the verdict; return whether no check failed.

    The verdict is ``PASS`` only when every check ran and passed; ``PASS, 2 checks not run: …`` names each check
    that could not run here (git order without git history, the announced values not given) and why; ``FAIL: …``
    names the checks that failed.
    """
    out(f"verify {quarter_name}: {project.relative(project.archive(quarter_name))}/")
    try:
        for line in announced.anchors(project.outputs, quarter_name).lines():
            out(line)
    except ZhanheError:
        pass  # a check below names what cannot be read
    results = checks(project, quarter_name, seed, head, pages)
    for result in results:
        out(str(result))
    out(verdict(results))
    return all(result.status != "FAIL" for result in results)


def verdict(results: list[Check]) -> str:
    """``PASS``; ``PASS, N checks not run: name (why), …``; or ``FAIL: name, …``."""
    failed = [result.name for result in results if result.status == "FAIL"]
    if failed:
        return f"FAIL: {', '.join(failed)}"
    skipped = [result for result in results if result.status == "SKIP"]
    if not skipped:
        return "PASS"
    listed = "; ".join(f"{result.name} ({result.detail.split(':')[0]})" for result in skipped)
    return f"PASS, {len(skipped)} check{'s' if len(skipped) > 1 else ''} not run: {listed}"
