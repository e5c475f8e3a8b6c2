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

This module runs the checks in order and gives the verdict; each check is a
function of a sibling module, by what it checks: ``verify_seals`` (manifest,
files, accounted), ``verify_inputs`` (freeze, history), ``verify_recomputed``
(redraw, inspectors, records, fairness, pages, public), ``verify_chain``
(chain, git order) and ``verify_announced`` (seed, the announced values,
verifiers); ``verify_check`` holds ``Check`` and the byte-for-byte comparison.
"""

from __future__ import annotations

from collections.abc import Callable

from . import announced
from .errors import ZhanheError
from .evidence.archived import load_archived
from .evidence.records import DrawRecord, record_folders
from .inputs import Inputs
from .paths import Project
from .verify_announced import announced_values, verifiers, visible_seed
from .verify_chain import chain, git_order
from .verify_check import Check
from .verify_inputs import frozen, history
from .verify_recomputed import appended, inspector_rules, public, redraw, rendered_again
from .verify_seals import accounted, sealed


def checks(project: Project, quarter_name: str, seed: str | None = None, head: str | None = None,
           pages: bool = True) -> list[Check]:
    """Every check of the quarter's archive, in order; ``seed`` and ``head`` are the announced values, if given;
    without ``pages`` the notebooks are not run again (``fairness`` and ``pages`` then not run: a quicker check,
    whose verdict names them)."""
    folder = project.archive(quarter_name)
    if not folder.is_dir():
        return [Check("archive", "FAIL", f"{project.relative(folder)} does not exist; was {quarter_name} drawn?")]
    records = record_folders(folder)
    found = sealed(folder, records)
    if found[0].status == "FAIL":
        return found
    found.append(accounted(folder, quarter_name, records))
    problem = ""
    try:
        drawn: DrawRecord | None = DrawRecord.read(folder)
        inputs: Inputs | None = load_archived(folder, quarter_name)
    except ZhanheError as error:
        drawn, inputs = None, None
        problem = f"the archived draw record or inputs cannot be read: {error}"
    found.append(visible_seed(drawn.seed) if drawn else Check("seed", "FAIL", problem))
    found.append(frozen(folder, quarter_name))
    found.append(history(project.outputs, folder, quarter_name))
    if drawn is not None and inputs is not None:
        found.append(redraw(folder, inputs, drawn.protocol))
        try:
            found.append(inspector_rules(folder, inputs))
        except ZhanheError as error:
            found.append(Check("inspectors", "FAIL", str(error)))
    else:
        found.append(Check("redraw", "FAIL", problem))
    found += rendered_again(folder, quarter_name, records) if pages else [
        Check(name, "SKIP", "not asked for (PAGES=no): the notebooks were not run again")
        for name in ("fairness", "pages")]
    found.append(appended(folder, quarter_name, inputs, records))
    found.append(chain(project.outputs, quarter_name, records))
    found += public(project, folder, quarter_name, inputs, records)
    found.append(git_order(project.root, folder, inputs))
    found += announced_values(project, quarter_name, seed, head)
    found.append(verifiers(folder))
    return found


def before_append(project: Project, quarter_name: str) -> list[Check]:
    """What must pass before a record is appended: the manifests, the files, the records so far and the chain."""
    folder = project.archive(quarter_name)
    records = record_folders(folder)
    found = sealed(folder, records)
    if found[0].status == "FAIL":
        return found
    try:
        inputs: Inputs | None = load_archived(folder, quarter_name)
    except ZhanheError:
        inputs = None
    return found + [appended(folder, quarter_name, inputs, records), chain(project.outputs, quarter_name, records)]


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
