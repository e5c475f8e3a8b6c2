"""The checks of ``make verify`` on the archive's order in time: the hash chain from the quarter's latest manifest back
to the series' first, through its draw and each of its records ('chain'), and, where git history exists, the freeze
committed before the seed ('git order').
"""

from __future__ import annotations

from pathlib import Path

from . import engine, gitorder
from .errors import ZhanheError
from .evidence.manifest import manifest_paths, read, series, walk_chain
from .evidence.records import shown
from .evidence.store import read_text
from .hashing import sha256_file
from .inputs import Inputs
from .layout import GIT_ORDER, MANIFEST
from .verify_check import Check


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
            return Check("chain", "FAIL",
                         f"{previous.path} does not have the SHA-256 that {other} recorded: it was changed")
    return None


def chain(outputs: Path, quarter_name: str, records: list[Path]) -> Check:
    """Follow the previous-manifest links from the quarter's latest manifest back to the series' first.

    The walk must pass through the quarter's draw manifest and each of its records, in
    order (other quarters' manifests may come between); and no later manifest may name
    one of them that is missing or changed.
    """
    own = _own_manifests(quarter_name, records)
    start = own[-1]
    if not (outputs / start).is_file():
        return Check("chain", "FAIL",
                     f"{start} is missing, so the chain cannot start from the quarter's latest manifest")
    try:
        steps = walk_chain(outputs, start)
    except ZhanheError as error:
        return Check("chain", "FAIL", str(error))
    met = [step.path for step in steps]
    mine = [path for path in reversed(met) if path in own]
    if mine != own:
        absent = [path for path in own if path not in met]
        if absent:
            return Check("chain", "FAIL", f"the chain from {start} back to the first manifest, {met[-1]}, "
                         f"does not pass through {', '.join(absent)}: the quarter's manifests are not one chain")
        return Check("chain", "FAIL", f"the chain from {start} meets the manifests of {quarter_name} out of order: "
                     f"{' <- '.join(reversed(mine))}")
    later = _named_later(outputs, quarter_name)
    if later:
        return later
    through = f"; it passes through the draw and the {len(records)} record(s) of {quarter_name}" if records else ""
    return Check("chain", "PASS",
                 f"{len(met) - 1} earlier manifest(s) back to the first, {met[-1]}, all match{through}")


def git_order(root: Path, folder: Path, inputs: Inputs | None) -> Check:
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
