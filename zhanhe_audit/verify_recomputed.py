"""The checks of ``make verify`` that recompute the archive from its own inputs and compare byte for byte: the draw
under the protocol version it was drawn under ('redraw'), the second random's rules on the archived visits
('inspectors'), every appended record after the ones before it ('records'), the fairness files and the pages
rendered again ('fairness', 'pages'), and the public files rebuilt ('public', then the 'follow-up' facts).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from . import announced, engine, inspectors, publish, rerender, results, text
from .errors import ZhanheError
from .evidence.files import CAP_EXCEPTIONS_CSV, INSPECTOR_LOAD_CSV, VISITS_CSV
from .evidence.manifest import read
from .evidence.records import kind_of, shown
from .hashing import sha256_bytes
from .inputs import Inputs
from .kinds import apply_records, kind
from .layout import DRAW, FAIRNESS, GIT_ORDER, MANIFEST, NOTEBOOKS, RESULTS_RECORD, VISITS
from .paths import PUBLIC, Project
from .verify_check import Check, compare, from_file, from_text

# Each protocol version an archive may name, with the function that recomputes its
# deterministic files into a scratch folder, at their paths in the archive. A change of
# selection or eligibility semantics adds a version here; the old ones stay, so old
# archives keep verifying. The records a version may append are the kinds of ``kinds.KINDS``.
PROTOCOLS: dict[str, Callable[[Inputs, Path], None]] = {
    "draw-v1": lambda inputs, scratch: engine.write_draw(engine.run_draw(inputs, scratch)),
}


def redraw(folder: Path, inputs: Inputs, protocol: str) -> Check:
    if protocol not in PROTOCOLS:
        return Check("redraw", "FAIL", f"protocol '{protocol}' is unknown to this version of zhanhe-audit")
    with tempfile.TemporaryDirectory(prefix="zhanhe-redraw-") as scratch:
        try:
            PROTOCOLS[protocol](inputs, Path(scratch))
        except ZhanheError as error:
            return Check("redraw", "FAIL", f"the archived inputs cannot be drawn from: {error}")
        recomputed = [path.relative_to(scratch).as_posix() for path in sorted(Path(scratch).rglob("*"))
                      if path.is_file()]
        problem = compare(folder, {name: from_file(Path(scratch, name)) for name in recomputed},
                           f"the draw recomputed under {protocol}")
    if problem:
        return Check("redraw", "FAIL", problem)
    drawn = {path.relative_to(folder).as_posix() for path in (folder / DRAW).rglob("*") if path.is_file()}
    extra = sorted(drawn - set(recomputed) - {GIT_ORDER})  # the git proof is the 'git order' check's
    if extra:
        return Check("redraw", "FAIL", f"{', '.join(extra)} is in the archive, but the draw recomputed under "
                     f"{protocol} has no such file")
    return Check("redraw", "PASS", f"{', '.join(recomputed)} recomputed under {protocol}: identical byte for byte")


def inspector_rules(folder: Path, inputs: Inputs) -> Check:
    """The second random's rules re-checked on the archived visits, independently of the code that drew them."""
    visits = VISITS_CSV.read(folder)
    exceptions = CAP_EXCEPTIONS_CSV.read_if_present(folder)
    caps = inspectors.caps_of(INSPECTOR_LOAD_CSV.read(folder))
    entities = inputs.registers.entities.lookup(visit.uscc for visit in visits)
    for row, visit in enumerate(visits, start=2):
        strangers = ([] if visit.uscc in entities else [visit.uscc]) + [
            cert for cert in visit.inspectors if cert not in inputs.registers.inspectors]
        if strangers:  # drawn from the archived registers, a visit names no one outside them
            return Check("inspectors", "FAIL", f"{VISITS} row {row} ({visit.visit_id}) names {strangers[0]}, "
                         f"who is not in the archived registers: the visits or the registers were changed")
    found = inspectors.violations(visits, inputs.registers, inputs.params.inspection, inputs.history, caps, exceptions)
    broken = {rule: pairs for rule, pairs in found.items() if pairs}
    if broken:
        listed = "; ".join(f"{inspectors.RULE_NAMES[rule]}: {', '.join(f'{a} {b}'.strip() for a, b in pairs[:3])}"
                           for rule, pairs in broken.items())
        return Check("inspectors", "FAIL", f"{VISITS} breaks the inspector rules: {listed}")
    listed = f"{len(exceptions)} cap exception(s), each at or over the cap" if exceptions else "no cap exception"
    return Check("inspectors", "PASS", f"{len(visits)} visits: no conflict of interest, same home unit or previous "
                 f"inspector, every department sends {inputs.params.inspection.per_department}; {listed}")


def appended(folder: Path, quarter_name: str, inputs: Inputs | None, records: list[Path]) -> Check:
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
        problem = compare(record, {name: from_text(text) for name, text in texts.items()},
                           "the record recomputed from the archived inputs and the records before it")
        if problem:
            return Check("records", "FAIL", f"{shown(record)}/{problem}")
    names = ", ".join(shown(record) for record in records)
    return Check("records", "PASS", f"{len(records)} record(s) recomputed from the archived inputs, each after the "
                 f"ones before it: {names}, identical byte for byte")


def rendered_again(folder: Path, quarter_name: str, records: list[Path]) -> list[Check]:
    """``fairness/*.csv`` recomputed, and the notebooks and pages rendered again (``rerender``), byte for byte."""
    if not (folder / NOTEBOOKS).is_dir():
        return [Check("fairness", "PASS", "no fairness/ in this archive: drawn without its notebooks"),
                Check("pages", "PASS", "no pages in this archive: drawn without its notebooks")]
    rendered: dict[str, bytes] = {}
    try:
        with rerender.draw_pages(folder, quarter_name) as produced:
            csv_files = sorted(name for name in produced if name.startswith(f"{FAIRNESS}/"))
            fairness = compare(folder, {name: from_file(produced[name]) for name in csv_files},
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
        return Check("pages", "SKIP", "pages byte for byte: rendered with other package versions "
                     f"({'; '.join(moved)}); "
                     "the text every page shows is identical to the archived pages'")
    return Check("pages", "PASS", f"{len(rendered)} notebooks and pages rendered again from the archive: identical "
                 "byte for byte")


def _around(mine: str, theirs: str) -> str:
    at = next((index for index, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
              min(len(mine), len(theirs)))
    return text.visible(mine[max(0, at - 30):at + 30])


def public(project: Project, folder: Path, quarter_name: str, inputs: Inputs | None,
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
        differ = sorted(name for name in rebuilt.keys() | data.public.keys()
                        if rebuilt.get(name) != data.public.get(name))
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
