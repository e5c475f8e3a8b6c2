"""One quarter's draw, from its params and registers to the archive folder.

This is the adapter between files and the pure draw: it loads the params
and the registers, checks them against the freeze record, asks
``matching`` for each task's eligible population, runs ``draw`` and writes
the reviewer's files. The notebooks call these functions; so does the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import archive, freeze, history, inspectors, matching
from .draw import PROTOCOL, StratumSummary, TicketRow, draw_task
from .errors import DrawRefused, FreezeError
from .history import History
from .inspectors import Assignment, Visit
from .params import Params, load_params
from .paths import Project
from .registers import REGISTER_NAMES, Registers, load_registers

TICKET_COLUMNS = ("task_id", "grade", "uscc", "ticket", "rank", "selected", "batch")
SUMMARY_COLUMNS = ("task_id", "grade", "eligible", "percent", "floor", "quota", "selected", "reason")
POPULATION_COLUMNS = ("task_id", "grade", "active", "in_scope", "excluded", "eligible")
VISIT_COLUMNS = ("visit", "uscc", "task_id", "tasks", "items", "departments", "inspectors", "batch")
DRAW_FOLDER = "draw"
VERIFIER = Path(__file__).resolve().parent / "verify-task.sh"  # copied into every archive
INPUTS_FOLDER = "inputs"
CAP_EXCEPTIONS = "cap_exceptions.csv"


@dataclass(frozen=True)
class Inputs:
    project: Project
    quarter: str
    params: Params
    files: dict[str, str]  # register -> path relative to the project root
    hashes: dict[str, str]  # register -> SHA-256 of the file
    registers: Registers
    history: History  # visits of earlier archives on the chain

    def path(self, register: str) -> Path:
        return self.project.root / self.files[register]


@dataclass(frozen=True)
class DrawResult:
    inputs: Inputs
    tickets: list[TicketRow]
    summary: list[StratumSummary]
    eligibility: list[matching.Eligibility]
    visits: list[Visit]
    assignment: Assignment


def load_history(project: Project, quarter: str) -> History:
    """The visits of earlier quarters: ``history.csv`` in an archive's ``inputs/``, else the chain in ``outputs/``."""
    copied = project.root / history.FILE
    if copied.is_file():
        return history.parse_csv(copied.read_text(encoding="utf-8"))
    return history.from_chain(project.outputs, archive.chain_head(project.outputs, archive.series(quarter)), quarter)


def load_inputs(project: Project, quarter: str, past: History | None = None) -> Inputs:
    """Params, registers and history of ``quarter``, validated (raises the package's errors).

    Without ``past`` the history is read as ``load_history`` says.
    """
    params_path = project.params_file(quarter)
    shown = project.relative(params_path)
    params = load_params(params_path, shown)
    if params.quarter != quarter:
        raise DrawRefused(f"{shown} says quarter '{params.quarter}', expected '{quarter}'")
    files = dict(params.registers)
    paths = {name: project.register_path(files[name], shown, f"registers.{name}") for name in REGISTER_NAMES}
    registers = load_registers(paths, files, params.headers, params.unclassified_grade)
    hashes = {name: archive.sha256_file(paths[name]) for name in REGISTER_NAMES}
    past = load_history(project, quarter) if past is None else past
    return Inputs(project, quarter, params, files, hashes, registers, past)


def history_entry(inputs: Inputs) -> dict:
    """The history as the freeze records it: visits, and the SHA-256 of ``inputs/history.csv`` as the draw writes it."""
    return {"visits": len(inputs.history.visits), "sha256": archive.sha256_text(history.to_csv(inputs.history))}


def check_feasible(inputs: Inputs) -> dict:
    """Refuse inputs under which some entity that could be drawn would lack inspectors (protocol v1, "Inspectors":
    feasibility is proved before the seed); also refuses a task naming an item not in the register."""
    params, registers = inputs.params, inputs.registers
    year = history.year_of(inputs.quarter)
    pairs = [(e.task_id, uscc, items) for task in params.tasks
             for e in [matching.eligible(task, registers, params, inputs.history, year)]
             for uscc, items in e.items_for.items()]
    found = inspectors.feasibility(pairs, registers, params.inspection, inputs.history)
    if found.shortfalls:
        shown = [f"  - {shortfall}" for shortfall in found.shortfalls[:20]]
        if len(found.shortfalls) > 20:
            shown.append(f"  ... and {len(found.shortfalls) - 20} more")
        raise FreezeError(
            f"the freeze is refused: {len(found.shortfalls)} entity/department pair(s) that could be drawn would have "
            f"fewer than {params.inspection.per_department} inspectors (inspection.per_department) after the conflict "
            "rules, so a draw could not send a full team:\n" + "\n".join(shown) + "\n"
            "Add certified inspectors to the department, correct the declared conflicts, or change the params "
            "(inspection.per_department, at least 2; inspection.cross_unit), then run the freeze again. "
            "Nothing was written.")
    return {"entity_departments": found.checked, "fewest_candidates": found.fewest,
            "per_department": params.inspection.per_department}


def freeze_quarter(project: Project, quarter: str) -> tuple[Path, dict]:
    """Write ``params/<quarter>.freeze.json``; an identical existing freeze is kept as it is.

    Everything a draw could refuse that does not depend on the seed is refused here, before
    the seed exists: invalid registers or params, a task id used already, an item that is not
    in the register, an entity that could be drawn without enough inspectors.
    """
    inputs = load_inputs(project, quarter)
    path = project.freeze_file(quarter)
    if path.exists():
        existing = freeze.read_record(path, quarter)
        try:
            freeze.check(existing, inputs.files, inputs.hashes, inputs.params.digest, history_entry(inputs)["sha256"])
        except FreezeError as error:
            if inputs.params.seed is None:
                raise FreezeError(f"{error}\nNo seed exists yet, so freezing again is allowed: delete "
                                  f"{project.relative(path)} (git keeps the old one) and run the freeze again.") from None
            raise
        return path, existing
    if inputs.params.seed is not None:
        raise FreezeError(
            f"{project.relative(project.params_file(quarter))} has a seed already; the registers must be "
            "frozen before the seed exists (protocol v1, 'Seed')"
        )
    check_unused(project, quarter, inputs)
    feasibility = check_feasible(inputs)
    record = freeze.freeze_record(quarter, PROTOCOL, inputs.files, inputs.hashes, inputs.registers,
                                  inputs.params.digest, history_entry(inputs), feasibility)
    archive.write_new(path, freeze.record_json(record))
    return path, record


def check_ready(inputs: Inputs) -> dict:
    """Refuse a draw without a seed or against inputs that no longer match the freeze."""
    shown = inputs.project.relative(inputs.project.params_file(inputs.quarter))
    if inputs.params.seed is None:
        raise DrawRefused(
            f"{shown} has no seed yet: after the freeze is committed, hold the seed ceremony and write "
            "'seed.value' with its provenance into the params"
        )
    record = freeze.read_record(inputs.project.freeze_file(inputs.quarter), inputs.quarter)
    freeze.check(record, inputs.files, inputs.hashes, inputs.params.digest, history_entry(inputs)["sha256"])
    return record


def earlier_task_ids(project: Project, quarter: str) -> dict[str, str]:
    """Task ids drawn by other archived quarters (task id -> quarter); temporary folders are no archives."""
    used: dict[str, str] = {}
    for folder in archive.archives(project.outputs):
        record = folder / DRAW_FOLDER / "draw.json"
        if folder.name != quarter and record.is_file():
            for task in json.loads(record.read_text(encoding="utf-8"))["tasks"]:
                used[task["id"]] = folder.name
    return used


def run_draw(inputs: Inputs) -> DrawResult:
    """Both randoms: the entities of every task, then one visit per entity and its inspectors."""
    params, registers = inputs.params, inputs.registers
    seed = params.seed.value
    year = history.year_of(inputs.quarter)
    tickets: list[TicketRow] = []
    summary: list[StratumSummary] = []
    found: list[matching.Eligibility] = []
    drawn = []
    for task in params.tasks:
        eligibility = matching.eligible(task, registers, params, inputs.history, year)
        population = {grade: [entity.uscc for entity in entities] for grade, entities in eligibility.population.items()}
        rows, strata = draw_task(seed, task, population, params)
        tickets += rows
        summary += strata
        found.append(eligibility)
        drawn += [(row.task_id, row.uscc, row.ticket, row.batch, eligibility.items_for[row.uscc])
                  for row in rows if row.selected]
    visits = inspectors.plan_visits(inputs.quarter, drawn, registers)
    assignment = Assignment(caps=inspectors.workload_caps(visits, registers, params.inspection))
    visits = inspectors.assign(seed, visits, registers, params.inspection, inputs.history, assignment)
    return DrawResult(inputs, tickets, summary, found, visits, assignment)


def tickets_csv(rows: list[TicketRow]) -> str:
    return archive.csv_text(TICKET_COLUMNS, (
        (row.task_id, row.grade, row.uscc, row.ticket, row.rank, "true" if row.selected else "false",
         row.batch or "") for row in rows
    ))


def summary_csv(rows: list[StratumSummary]) -> str:
    return archive.csv_text(SUMMARY_COLUMNS, (
        (row.task_id, row.grade, row.eligible, row.percent, row.floor, row.quota, row.selected, row.reason)
        for row in rows
    ))


def populations_csv(found: list[matching.Eligibility]) -> str:
    return archive.csv_text(POPULATION_COLUMNS, (
        (e.task_id, grade, e.active[grade], e.in_scope[grade], sum(x.grade == grade for x in e.excluded),
         len(e.population[grade])) for e in found for grade in e.population
    ))


def excluded_csv(found: list[matching.Eligibility]) -> str:
    return archive.csv_text(("task_id", "grade", "uscc", "reason"),
                            ((x.task_id, x.grade, x.uscc, x.reason) for e in found for x in e.excluded))


def match_csv(result: DrawResult) -> str:
    """For every drawn entity: which of its tags qualified it for which of the task's items."""
    entities = {entity.uscc: entity for entity in result.inputs.registers.entities}
    items = result.inputs.registers.items
    by_task = {e.task_id: e for e in result.eligibility}
    rows = []
    for row in result.tickets:
        if row.selected:
            entity = entities[row.uscc]
            for item in by_task[row.task_id].items_for[row.uscc]:
                tags = sorted(matching.qualifying_tags(entity, items[item]))
                rows.append((row.task_id, row.uscc, item, ";".join(tags)))
    return archive.csv_text(("task_id", "uscc", "item_id", "qualifying_tags"), rows)


def visits_csv(visits: list[Visit]) -> str:
    return archive.csv_text(VISIT_COLUMNS, (
        (v.visit_id, v.uscc, v.task_id, ";".join(v.tasks), ";".join(v.items), ";".join(v.departments),
         ";".join(v.inspectors), v.batch or "") for v in visits
    ))


def load_csv(result: DrawResult) -> str:
    registers, assignment = result.inputs.registers, result.assignment
    return archive.csv_text(("cert_no", "name", "department", "unit", "certified", "visits", "cap"), (
        (i.cert_no, i.name, i.department, i.unit, "是" if i.certified else "否", assignment.loads[i.cert_no],
         assignment.caps.get(i.department, "")) for i in registers.inspectors.values()
    ))


def draw_record(inputs: Inputs) -> str:
    """``draw.json``: what was drawn under which protocol, seed and registers (no clock time)."""
    params = inputs.params
    record = {
        "protocol": PROTOCOL,
        "quarter": inputs.quarter,
        "demo": params.demo,
        "seed": params.seed.value,
        "seed_provenance": params.seed.provenance,
        "percent": params.percent_text,
        "inspection": vars(params.inspection),
        "frequency": vars(params.frequency),
        "exclusions": [vars(exclusion) for exclusion in params.exclusions],
        "tasks": [
            {"id": task.task_id, "items": list(task.items), "grades": list(task.grades), "batches": task.batches}
            for task in params.tasks
        ],
        "registers": {name: {"path": inputs.files[name], "sha256": inputs.hashes[name]} for name in REGISTER_NAMES},
    }
    return json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n"


CAP_EXCEPTION_COLUMNS = ("visit", "uscc", "department", "cert_no", "visits_before", "cap", "under_cap_candidates")


def cap_exceptions_csv(exceptions: list[inspectors.CapException]) -> str:
    return archive.csv_text(CAP_EXCEPTION_COLUMNS, ((e.visit_id, e.uscc, e.department, e.cert_no, e.load, e.cap,
                                                     e.under_cap) for e in exceptions))


def draw_files(result: DrawResult) -> dict[str, str]:
    """The draw's deterministic files (archive path -> text): what ``make verify`` recomputes byte for byte.

    ``cap_exceptions.csv`` is there only when the workload cap had exceptions, so that archives
    drawn before the cap was soft keep verifying byte for byte.
    """
    exceptions = result.assignment.exceptions
    return {
        f"{DRAW_FOLDER}/tickets.csv": tickets_csv(result.tickets),
        f"{DRAW_FOLDER}/summary.csv": summary_csv(result.summary),
        f"{DRAW_FOLDER}/draw.json": draw_record(result.inputs),
        f"{DRAW_FOLDER}/populations.csv": populations_csv(result.eligibility),
        f"{DRAW_FOLDER}/excluded.csv": excluded_csv(result.eligibility),
        f"{DRAW_FOLDER}/match.csv": match_csv(result),
        f"{DRAW_FOLDER}/visits.csv": visits_csv(result.visits),
        f"{DRAW_FOLDER}/inspector_load.csv": load_csv(result),
        **({f"{DRAW_FOLDER}/{CAP_EXCEPTIONS}": cap_exceptions_csv(exceptions)} if exceptions else {}),
    }


def write_draw(result: DrawResult, folder: Path) -> None:
    """The reviewer's files of the draw, under ``folder/draw/``."""
    for name, text in draw_files(result).items():
        archive.write_new(folder / name, text)


def copy_inputs(inputs: Inputs, folder: Path) -> None:
    """Copy the params, freeze record and registers, exactly as drawn, into ``folder/inputs/``."""
    project = inputs.project
    sources = [project.params_file(inputs.quarter), project.freeze_file(inputs.quarter)]
    sources += [inputs.path(name) for name in REGISTER_NAMES]
    for source in sources:
        target = folder / INPUTS_FOLDER / project.relative(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    archive.write_new(folder / INPUTS_FOLDER / history.FILE, history.to_csv(inputs.history))
    shutil.copyfile(VERIFIER, folder / VERIFIER.name)
    for name in REGISTER_NAMES:
        copied = archive.sha256_file(folder / INPUTS_FOLDER / inputs.files[name])
        if copied != inputs.hashes[name]:
            raise FreezeError(f"{inputs.files[name]} changed while it was being drawn; nothing was written")


def refuse_drawn(project: Project, quarter: str) -> None:
    final = project.archive(quarter)
    if final.exists():
        raise DrawRefused(
            f"{project.relative(final)} exists: {quarter} was drawn already and a draw is never repeated. "
            f"To check it, run 'make verify QUARTER={quarter}'."
        )


def prepare_draw(project: Project, quarter: str) -> Inputs:
    """Every check of the inputs a draw must pass before it writes anything."""
    refuse_drawn(project, quarter)
    inputs = load_inputs(project, quarter)
    check_ready(inputs)
    return inputs


def check_unused(project: Project, quarter: str, inputs: Inputs) -> None:
    """Refuse a quarter drawn already, or a task id another archive used (run inside ``archive.exclusive``)."""
    refuse_drawn(project, quarter)
    used = earlier_task_ids(project, quarter)
    for task in inputs.params.tasks:
        if task.task_id in used:
            raise DrawRefused(f"task id {task.task_id} was drawn already in {used[task.task_id]}; task ids are never reused")


def draw_quarter(project: Project, quarter: str, steps: Callable[[Inputs, Path], None] | None = None,
                 progress: Callable[[str], None] = lambda line: None) -> tuple[Path, DrawResult | None]:
    """Draw ``quarter`` into ``outputs/<quarter>/``, built aside and renamed into place.

    ``steps`` produce the draw's files in the folder being built (the workbook runs its
    notebooks there); without it the engine writes them directly. Either way the
    inputs are copied first and the manifest, chained to the series' latest, last.
    The inputs are checked before anything is written; the archive folder's state is
    checked while this run holds ``outputs/`` (``archive.exclusive``).
    """
    inputs = prepare_draw(project, quarter)
    final = project.archive(quarter)
    result = None
    with archive.exclusive(project.outputs, progress):
        check_unused(project, quarter, inputs)
        previous = archive.chain_head(project.outputs, archive.series(quarter))
        with archive.building(final) as folder:
            copy_inputs(inputs, folder)
            if steps is None:
                result = run_draw(inputs)
                write_draw(result, folder)
            else:
                steps(inputs, folder)
            archive.write_manifest(folder, folder, kind="draw", quarter=quarter, protocol=PROTOCOL,
                                   previous=previous, root=project.root, files=archive.file_hashes(folder))
    return final, result


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file the archive wrote, as text."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def read_rows(folder: Path, name: str, subfolder: str = DRAW_FOLDER) -> list[dict[str, str]] | None:
    """The rows of ``<subfolder>/<name>`` of an archive, as text; None when the file is not there."""
    path = folder / subfolder / name
    return csv_rows(path) if path.is_file() else None


def read_summary(folder: Path) -> list[StratumSummary]:
    """``draw/summary.csv`` of an archive, as the report reads it back."""
    return [
        StratumSummary(r["task_id"], r["grade"], int(r["eligible"]), r["percent"], r["floor"], int(r["quota"]),
                       int(r["selected"]), r["reason"])
        for r in read_rows(folder, "summary.csv")
    ]


def read_tickets(folder: Path) -> list[TicketRow]:
    """``draw/tickets.csv`` of an archive."""
    return [
        TicketRow(r["task_id"], r["grade"], r["uscc"], r["ticket"], int(r["rank"]), r["selected"] == "true",
                  int(r["batch"]) if r["batch"] else None)
        for r in read_rows(folder, "tickets.csv")
    ]


def parse_visits(rows: list[dict[str, str]]) -> list[Visit]:
    split = lambda text: tuple(filter(None, text.split(";")))  # noqa: E731
    return [
        Visit(r["visit"], r["uscc"], r["task_id"], "", split(r["tasks"]), split(r["items"]), split(r["departments"]),
              int(r["batch"]) if r["batch"] else None, split(r["inspectors"]))
        for r in rows
    ]


def read_visits(folder: Path) -> list[Visit]:
    """``draw/visits.csv`` of an archive (the ticket column is not stored there)."""
    return parse_visits(read_rows(folder, "visits.csv"))


def read_cap_exceptions(folder: Path) -> list[inspectors.CapException]:
    """``draw/cap_exceptions.csv`` of an archive; none when the file is not there (the cap held)."""
    return [inspectors.CapException(r["visit"], r["uscc"], r["department"], r["cert_no"], int(r["visits_before"]),
                                    int(r["cap"]), int(r["under_cap_candidates"]))
            for r in read_rows(folder, CAP_EXCEPTIONS) or []]


def caps_of(load_rows: list[dict[str, str]]) -> dict[str, int]:
    """Each department's workload cap, from the rows of ``draw/inspector_load.csv``."""
    return {row["department"]: int(row["cap"]) for row in load_rows if row["cap"]}
