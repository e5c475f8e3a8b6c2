"""A quarter's freeze and draw, from the project's files to the archive: the orchestrator.

It reads the inputs (``inputs``) with the history of the chain (``kinds``), checks them
against the freeze record (``freeze``), draws both randoms (``eligibility``, ``ranking``,
``inspectors``) and hands the files to the evidence layer (``evidence``), which writes
them. The workbook runs its notebooks inside ``draw_quarter``; the CLI calls it too.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import disclosure, eligibility, feasibility, freeze, gitorder, history, inspectors, ranking, tickets, verify_page
from .errors import AlreadyDrawn, DrawRefused, FreezeError, FreezeRefused
from .evidence import files as evidence_files
from .evidence.manifest import chain_head, file_hashes, series, write_manifest
from .evidence.records import DrawRecord
from .evidence.store import archives, building, exclusive, new_file, write_new
from .formulas import StratumSummary, quota, summarise
from .hashing import sha256_file, sha256_text
from .inputs import Inputs, load_inputs
from .inspectors import Assignment, Visit
from .kinds import history_before
from .layout import CAP_EXCEPTIONS, DRAW_RECORD, GIT_ORDER, HISTORY, INPUTS, TICKETS, VERIFIER, VERIFIER_PAGE
from .params import PROTOCOL, Task
from .paths import Project, freeze_name, params_name
from .registers import REGISTER_NAMES
from .seed import check_seed_text
from .tickets import Ranked, TicketRow, read_tickets


@dataclass(frozen=True)
class DrawResult:
    inputs: Inputs
    folder: Path  # where the draw wrote draw/tickets.csv (streamed: at province scale it is gigabytes)
    selected: list[TicketRow]  # the drawn entities: ranks 1..n of each stratum
    summary: list[StratumSummary]
    eligibility: list[eligibility.TaskEligibility]
    visits: list[Visit]
    assignment: Assignment

    def tickets(self) -> Ranked:
        """Every ticket of the draw, read back from ``draw/tickets.csv`` as columns."""
        return read_tickets(self.folder)


def project_inputs(project: Project, quarter: str) -> Inputs:
    """The inputs of ``quarter`` in the project, with the history of the earlier archives on its chain."""
    head = chain_head(project.outputs, series(quarter))
    return load_inputs(project, quarter, history_before(project.outputs, head, quarter))


# --- the freeze -------------------------------------------------------------------------------------------


def history_entry(inputs: Inputs) -> freeze.FrozenHistory:
    """The history as the freeze records it: visits, and the SHA-256 of ``inputs/history.csv`` as the draw writes it."""
    return {"visits": len(inputs.history.visits), "sha256": sha256_text(evidence_files.history_text(inputs.history))}


def check_feasible(inputs: Inputs) -> freeze.Feasibility:
    """Refuse inputs under which some entity that could be drawn would lack inspectors (protocol v1, "Inspectors":
    feasibility is proved before the seed); also refuses a task naming an item not in the register."""
    params, registers = inputs.params, inputs.registers
    found = feasibility.feasibility(quarter_eligibility(inputs), registers, params.inspection, inputs.history)
    if found.shortfalls:
        shown = [f"  - {shortfall}" for shortfall in found.shortfalls[:20]]
        if len(found.shortfalls) > 20:
            shown.append(f"  ... and {len(found.shortfalls) - 20} more")
        raise FreezeRefused(
            f"the freeze is refused: {len(found.shortfalls)} entity/department pair(s) that could be drawn would have "
            f"fewer than {params.inspection.per_department} inspectors (inspection.per_department) after the conflict "
            "rules, so a draw could not send a full team:\n" + "\n".join(shown) + "\n"
            "Add certified inspectors to the department, correct the declared conflicts, or change the params "
            "(inspection.per_department, at least 2; inspection.cross_unit), then run the freeze again. "
            "Nothing was written.")
    return {"entity_departments": found.checked, "fewest_candidates": found.fewest,
            "per_department": params.inspection.per_department}


def freeze_quarter(project: Project, quarter: str) -> tuple[Path, freeze.FreezeRecord]:
    """Write ``params/<quarter>.freeze.json``; an identical existing freeze is kept as it is.

    Everything a draw could refuse that does not depend on the seed is refused here, before
    the seed exists: invalid registers or params, a task id used already, an item that is not
    in the register, an entity that could be drawn without enough inspectors. Items whose
    publication would disclose grades are recorded, not refused (the bureau decides).
    """
    inputs = project_inputs(project, quarter)
    path = project.freeze_file(quarter)
    if path.exists():
        existing = freeze.read_record(path, quarter)
        try:
            freeze.check(existing, inputs.files, inputs.hashes, inputs.params.digest, history_entry(inputs)["sha256"])
        except FreezeError as error:
            if inputs.params.seed is None:
                raise FreezeError(f"{error}\nNo seed exists yet, so freezing again is allowed: delete "
                                  f"{project.relative(path)} (git keeps the old one) and run the freeze "
                                  "again.") from None
            raise
        return path, existing
    if inputs.params.seed is not None:
        raise FreezeRefused(f"{inputs.params_shown} has a seed already; the registers must be frozen before the seed "
                            "exists (protocol v1, 'Seed')")
    check_unused(project, quarter, inputs)
    disclosed = [found.entry() for found in disclosure.disclosures(inputs.params.tasks, inputs.registers.items)]
    record = freeze.freeze_record(quarter, PROTOCOL, files=inputs.files, hashes=inputs.hashes,
                                  registers=inputs.registers, params_digest=inputs.params.digest,
                                  history=history_entry(inputs), feasibility=check_feasible(inputs),
                                  disclosed=disclosed)
    write_new(path, record.to_json())
    return path, record


# --- the draw ---------------------------------------------------------------------------------------------


def check_ready(inputs: Inputs) -> freeze.FreezeRecord:
    """Refuse a draw without a seed or against inputs that no longer match the freeze."""
    inputs.seed  # noqa: B018 -- refuses a draw without a seed
    record = freeze.read_record(inputs.project.freeze_file(inputs.quarter), inputs.quarter)
    freeze.check(record, inputs.files, inputs.hashes, inputs.params.digest, history_entry(inputs)["sha256"])
    return record


def earlier_task_ids(project: Project, quarter: str) -> dict[str, str]:
    """Task ids drawn by other archived quarters (task id -> quarter); temporary folders are no archives."""
    used: dict[str, str] = {}
    for folder in archives(project.outputs):
        if folder.name != quarter and (folder / DRAW_RECORD).is_file():
            used |= dict.fromkeys(DrawRecord.read(folder).task_ids, folder.name)
    return used


def refuse_drawn(project: Project, quarter: str) -> None:
    final = project.archive(quarter)
    if final.exists():
        raise AlreadyDrawn(f"{project.relative(final)} exists: {quarter} was drawn already and a draw is never "
                           f"repeated. To check it, run 'make verify QUARTER={quarter}'.")


def check_unused(project: Project, quarter: str, inputs: Inputs) -> None:
    """Refuse a quarter drawn already, or a task id another archive used."""
    refuse_drawn(project, quarter)
    used = earlier_task_ids(project, quarter)
    for task in inputs.params.tasks:
        if task.task_id in used:
            raise DrawRefused(f"task id {task.task_id} was drawn already in {used[task.task_id]}; "
                              "task ids are never reused")


def quarter_eligibility(inputs: Inputs) -> list[eligibility.TaskEligibility]:
    """Every task's eligible population, as columns (``eligibility``; ``tests/oracle/matching.py`` is the reference)."""
    return eligibility.of_quarter(inputs.registers, inputs.params, inputs.history, history.year_of(inputs.quarter))


def run_draw(inputs: Inputs, folder: Path, rank: ranking.Rank = ranking.rank_all) -> DrawResult:
    """Both randoms: the entities of every task (all strata ranked at once, as columns, by ``rank``, and written
    to ``folder/draw/tickets.csv`` as they stream), then one visit per entity and its inspectors."""
    params, registers = inputs.params, inputs.registers
    found = quarter_eligibility(inputs)
    strata: list[tuple[Task, ranking.Stratum]] = []
    for task, eligible in zip(params.tasks, found, strict=True):
        for grade in task.grades:
            usccs = eligible.strata[grade]  # each once: ranking checks it
            strata.append((task, ranking.Stratum(task.task_id, grade, usccs, quota(len(usccs), params.percent[grade]),
                                                 task.batches)))
    with new_file(folder / TICKETS) as written, rank(inputs.seed, [stratum for _, stratum in strata]) as rows:
        selected = tickets.write_tickets(rows, written)
    drawn_in = Counter((row.task_id, row.grade) for row in selected)
    summary = [summarise(task, s.grade, len(s.usccs), s.quota, drawn_in[s.task_id, s.grade], params)
               for task, s in strata]
    by_task = {eligible.task_id: eligible for eligible in found}
    entities = registers.entities.lookup(row.uscc for row in selected)
    drawn = [(row.task_id, row.uscc, row.ticket, row.batch, by_task[row.task_id].items_for(entities[row.uscc]))
             for row in selected]
    visits = inspectors.plan_visits(inputs.quarter, drawn, registers)
    assignment = Assignment(caps=inspectors.workload_caps(visits, registers, params.inspection))
    visits = inspectors.assign(inputs.seed, visits, registers, params.inspection, inputs.history, assignment)
    return DrawResult(inputs, folder, selected, summary, found, visits, assignment)


def draw_record(inputs: Inputs) -> DrawRecord:
    """``draw.json``: what was drawn under which protocol, seed and registers (no clock time)."""
    params = inputs.params
    return DrawRecord(
        protocol=PROTOCOL,
        quarter=inputs.quarter,
        demo=params.demo,
        seed=inputs.seed,
        seed_provenance=params.seed.provenance if params.seed else {},
        percent=params.percent_text,
        inspection=vars(params.inspection),
        frequency=vars(params.frequency),
        exclusions=[vars(exclusion) for exclusion in params.exclusions],
        tasks=[{"id": task.task_id, "items": list(task.items), "grades": list(task.grades), "batches": task.batches}
               for task in params.tasks],
        registers={name: {"path": inputs.files[name], "sha256": inputs.hashes[name]} for name in REGISTER_NAMES},
    )


def draw_files(result: DrawResult) -> dict[str, str]:
    """The draw's deterministic files (archive path -> text) besides ``draw/tickets.csv``, which ``run_draw``
    wrote: what ``make verify`` recomputes byte for byte.

    ``cap_exceptions.csv`` is there only when the workload cap had exceptions, so that archives
    drawn before the cap was soft keep verifying byte for byte.
    """
    files = evidence_files
    entities = result.inputs.registers.entities.lookup(row.uscc for row in result.selected)
    by_task = {eligibility.task_id: eligibility for eligibility in result.eligibility}
    qualified = [found for row in result.selected
                 for found in by_task[row.task_id].qualified(entities[row.uscc], result.inputs.registers)]
    drawn = {
        files.SUMMARY_CSV.path: files.SUMMARY_CSV.text(result.summary),
        DRAW_RECORD: draw_record(result.inputs).to_json(),
        files.POPULATIONS_CSV.path: files.POPULATIONS_CSV.text(
            population for eligibility in result.eligibility for population in eligibility.populations()),
        files.EXCLUDED_CSV.path: files.EXCLUDED_CSV.text(
            excluded for eligibility in result.eligibility for excluded in eligibility.excluded),
        files.MATCH_CSV.path: files.MATCH_CSV.text(qualified),
        files.VISITS_CSV.path: files.VISITS_CSV.text(result.visits),
        files.INSPECTOR_LOAD_CSV.path: files.INSPECTOR_LOAD_CSV.text(
            inspectors.loads(result.inputs.registers, result.assignment)),
    }
    if result.assignment.exceptions:
        drawn[CAP_EXCEPTIONS] = files.CAP_EXCEPTIONS_CSV.text(result.assignment.exceptions)
    return drawn


def write_draw(result: DrawResult) -> None:
    """The reviewer's files of the draw, under ``draw/`` beside its tickets."""
    for name, text in draw_files(result).items():
        write_new(result.folder / name, text)


def copy_inputs(inputs: Inputs, folder: Path) -> None:
    """Copy the params, freeze record and registers, exactly as drawn, into ``folder/inputs/``; write the
    history there; copy the coreutils verifier and write the verifier page beside them."""
    project = inputs.project
    sources = [project.params_file(inputs.quarter), project.freeze_file(inputs.quarter)]
    sources += [inputs.path(name) for name in REGISTER_NAMES]
    for source in sources:
        target = folder / INPUTS / project.relative(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    write_new(folder / HISTORY, evidence_files.history_text(inputs.history))
    shutil.copyfile(verify_page.SCRIPT, folder / VERIFIER)
    verify_page.write(folder / VERIFIER_PAGE)
    for name in REGISTER_NAMES:
        if sha256_file(folder / INPUTS / inputs.files[name]) != inputs.hashes[name]:
            raise FreezeError(f"{inputs.files[name]} changed while it was being drawn; nothing was written")


def order_quarter(inputs: Inputs, folder: Path | None = None) -> gitorder.Quarter:
    """What git must prove for ``inputs``: of the project's own files, or of their copies in the archive ``folder``."""
    paths = [*inputs.files.values(), params_name(inputs.quarter), freeze_name(inputs.quarter)]
    base = inputs.project.root if folder is None else folder / INPUTS
    return gitorder.Quarter(inputs.quarter, tuple(inputs.files.values()), {path: base / path for path in paths},
                            inputs.params.digest, inputs.seed)


def prove_order(inputs: Inputs) -> gitorder.Order:
    """The freeze-before-seed order in git (``gitorder``): refused unless proved, but for a demo quarter (its own
    series, ``demo-2026Q4``, never on the real quarters' chain), whose order may stay unproved (the archive and its
    pages then say why)."""
    quarter = order_quarter(inputs)
    if series(inputs.quarter) == "demo":
        return gitorder.of_demo(inputs.project.root, quarter)
    return gitorder.prove_for_draw(inputs.project.root, quarter)


def prepare_draw(project: Project, quarter: str) -> tuple[Inputs, gitorder.Order]:
    """Every check of the inputs a draw must pass before it writes anything; the git proof of their order."""
    refuse_drawn(project, quarter)
    inputs = project_inputs(project, quarter)
    check_seed_text(inputs.seed, inputs.params_shown)  # refuses no seed, and one that does not show as it is
    freeze.read_record(project.freeze_file(quarter), quarter)  # refuses a quarter never frozen
    order = prove_order(inputs)
    check_ready(inputs)
    return inputs, order


def draw_quarter(project: Project, quarter: str, steps: Callable[[Inputs, Path], None] | None = None,
                 progress: Callable[[str], None] = lambda line: None,
                 rank: ranking.Rank = ranking.rank_all) -> tuple[Path, DrawResult]:
    """Draw ``quarter`` into ``outputs/<quarter>/``, built aside and renamed into place.

    The inputs are checked before anything is written; the archive folder's state is checked
    while this run holds ``outputs/`` (``exclusive``). The inputs are copied first, then the
    engine writes ``draw/`` (the only writer of it), then ``steps`` run in the folder being
    built (the workbook runs its notebooks there), and the manifest, chained to the series'
    latest, comes last.
    """
    inputs, order = prepare_draw(project, quarter)
    final = project.archive(quarter)
    with exclusive(project.outputs, progress):
        check_unused(project, quarter, inputs)
        previous = chain_head(project.outputs, series(quarter))
        with building(final) as folder:
            copy_inputs(inputs, folder)
            result = run_draw(inputs, folder, rank)
            write_draw(result)
            write_new(folder / GIT_ORDER, order.to_json())
            if steps is not None:
                steps(inputs, folder)
            write_manifest(folder, folder, kind="draw", quarter=quarter, protocol=PROTOCOL,
                           previous=previous, root=project.root, files=file_hashes(folder))
    return final, replace(result, folder=final)
