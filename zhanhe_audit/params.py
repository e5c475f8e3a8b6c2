"""The quarter's params file, ``params/<quarter>.yaml``, read and validated.

Units are converted here, once: percentages become exact ``Fraction``s,
the seed is normalised as draw protocol v1 ("Seed") requires (``seed.py``). Every
problem is reported at once, each naming its key.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import yaml

from . import uscc as uscc_codes
from .errors import ParamsError, Problem
from .registers import COLUMNS, GRADES, REGISTER_NAMES
from .seed import Seed, parse_seed

PROTOCOL = "draw-v1"
# Sampling floors per grade: Zhanhe plan, section 3.3 ("抽查比例一般不低于").
FLOORS: dict[str, Fraction] = {"A": Fraction(1), "B": Fraction(3), "C": Fraction(10), "D": Fraction(20)}
QUARTER = re.compile(r"(?P<demo>demo-)?(?P<year>\d{4})Q(?P<quarter>[1-4])\Z")
DECIMAL = re.compile(r"\d+(\.\d+)?\Z")
TOP_LEVEL_KEYS = frozenset({"quarter", "protocol", "demo", "seed", "percent", "justification", "tasks",
                            "registers", "headers", "values", "unclassified_grade", "exclusions", "inspection",
                            "frequency"})
TASK_SUFFIX = re.compile(r"[A-Za-z0-9_]+\Z")


@dataclass(frozen=True)
class Task:
    task_id: str
    items: tuple[str, ...]
    grades: tuple[str, ...]
    batches: int | None = None


@dataclass(frozen=True)
class Exclusion:
    """An entity the params exclude from the draw, with the written reason (all tasks when ``tasks`` is empty)."""

    uscc: str
    reason: str
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inspection:
    ('How inspectors are drawn (protocol v1, "Inspectors"; the cap rule is the project\'s: docs/draw-rules.md, '
     '"Workload cap").')

    per_department: int = 2  # each department of a visit sends at least two (执法人员不少于两人)
    cross_unit: bool = True  # 所所交叉: never an inspector of the entity's own home unit
    workload_slack: int = 1  # cap = ceil(demand / inspectors) + slack, per department


@dataclass(frozen=True)
class Frequency:
    """Frequency caps per calendar year, counted from earlier archives (None: no cap)."""

    per_item_per_year: int | None = None
    per_year: int | None = None


@dataclass(frozen=True)
class Params:
    quarter: str
    demo: bool
    seed: Seed | None
    percent: dict[str, Fraction]
    percent_text: dict[str, str]
    justification: dict[str, str]
    tasks: tuple[Task, ...]
    registers: dict[str, str]  # register name -> path relative to the project root
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # register -> column -> {a value as the export writes it: the value the register takes}, e.g. {A级: A}
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    unclassified_grade: str | None = None
    source: str = ""
    exclusions: tuple[Exclusion, ...] = ()
    inspection: Inspection = Inspection()
    frequency: Frequency = Frequency()
    digest: str = ""  # SHA-256 of the params without the seed: frozen with the registers


    def below_floor(self, grade: str) -> bool:
        return self.percent[grade] < FLOORS[grade]


def parse_quarter(quarter: str) -> re.Match[str]:
    match = QUARTER.match(quarter)
    if not match:
        raise ParamsError([Problem(quarter, None, None,
                                   "not a quarter; expected e.g. 2026Q1 (or demo-2026Q4 for a demo quarter)")])
    return match


def percent_fraction(text: str) -> Fraction:
    """An exact decimal string such as ``"7.5"`` as a Fraction (never a float)."""
    return Fraction(Decimal(text))


def _percent(data: object, problem) -> tuple[dict[str, Fraction], dict[str, str]]:
    percent = dict(FLOORS)
    text = {grade: str(FLOORS[grade]) for grade in GRADES}
    if data is None:
        return percent, text
    if not isinstance(data, dict):
        problem("percent", "expected a mapping of grade to percentage, e.g. {A: 1, B: 3, C: 10, D: 20}")
        return percent, text
    for grade, value in data.items():
        key = f"percent.{grade}"
        if grade not in GRADES:
            problem(key, "unknown grade; expected A, B, C or D")
            continue
        if isinstance(value, bool) or isinstance(value, float):
            problem(key, f"{value!r} loads as a floating-point number; write it in quotes, e.g. '7.5'")
            continue
        shown = str(value).strip()
        if not DECIMAL.match(shown):
            problem(key, f"'{value}' is not a percentage; expected a decimal such as 3 or '7.5'")
            continue
        exact = percent_fraction(shown)
        if exact > 100:
            problem(key, f"{shown} is more than 100 percent")
            continue
        percent[grade], text[grade] = exact, shown
    return percent, text


def _task(index: int, data: object, quarter: str, problem) -> Task | None:
    key = f"tasks[{index}]"
    if not isinstance(data, dict):
        problem(key, "expected a mapping with id, items and grades")
        return None
    task_id = data.get("id")
    if not isinstance(task_id, str) or not task_id:
        problem(f"{key}.id", f"{task_id!r} is not a task id; expected the quarter, a dash and a name, e.g. 2026Q1-T01")
        task_id = None
    elif quarter and (not task_id.startswith(quarter + "-") or not TASK_SUFFIX.match(task_id[len(quarter) + 1:])):
        # Without a valid quarter (reported under 'quarter') the prefix cannot be checked.
        problem(f"{key}.id",
                f"'{task_id}' is not a task id; expected the quarter, a dash and a name, e.g. {quarter}-T01")
        task_id = None
    items = data.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(item, str) and item for item in items):
        problem(f"{key}.items", "expected a list of inspection item ids, e.g. [SX01, SX02]")
        items = None
    grades = data.get("grades", list(GRADES))
    if not isinstance(grades, list) or not grades or any(grade not in GRADES for grade in grades) \
            or len(set(grades)) != len(grades):
        problem(f"{key}.grades", f"{grades!r}: expected a list of distinct grades from A, B, C, D")
        grades = None
    batches = data.get("batches")
    if batches is not None and (isinstance(batches, bool) or not isinstance(batches, int) or batches < 1):
        problem(f"{key}.batches", f"{batches!r}: expected a whole number of batches, 1 or more")
        batches = None
    unknown = sorted(set(data) - {"id", "items", "grades", "batches"})
    if unknown:
        problem(key, f"unknown keys {unknown}; expected id, items, grades, batches")
    if task_id is None or items is None or grades is None:
        return None
    ordered = tuple(grade for grade in GRADES if grade in grades)
    return Task(task_id, tuple(items), ordered, batches)


def _optional_whole(value: object, key: str, problem, minimum: int) -> int | None:
    """The whole number at ``key``; None when it is absent or (reported) not a whole number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        problem(key, f"{value!r}: expected a whole number, {minimum} or more")
        return None
    return value


def _whole(value: object, key: str, problem, minimum: int, default: int) -> int:
    found = _optional_whole(value, key, problem, minimum)
    return default if found is None else found


def _mapping(data: object, key: str, allowed: set[str], problem) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        problem(key, "expected a mapping of " + ", ".join(sorted(allowed)))
        return {}
    for name in sorted(set(map(str, data)) - allowed):
        problem(f"{key}.{name}", "unknown key; expected " + ", ".join(sorted(allowed)))
    return data


def _inspection(data: object, problem) -> Inspection:
    data = _mapping(data, "inspection", {"per_department", "cross_unit", "workload_slack"}, problem)
    cross_unit = data.get("cross_unit", True)
    if not isinstance(cross_unit, bool):
        problem("inspection.cross_unit", f"{cross_unit!r}: expected true or false, without quotes")
        cross_unit = True
    return Inspection(
        per_department=_whole(data.get("per_department"), "inspection.per_department", problem, 2, 2),
        cross_unit=cross_unit,
        workload_slack=_whole(data.get("workload_slack"), "inspection.workload_slack", problem, 0, 1),
    )


def _frequency(data: object, problem) -> Frequency:
    data = _mapping(data, "frequency", {"per_item_per_year", "per_year"}, problem)
    return Frequency(
        per_item_per_year=_optional_whole(data.get("per_item_per_year"), "frequency.per_item_per_year", problem, 1),
        per_year=_optional_whole(data.get("per_year"), "frequency.per_year", problem, 1),
    )


def _exclusions(data: object, problem) -> tuple[Exclusion, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        problem("exclusions", "expected a list of {uscc, reason} entries")
        return ()
    found = []
    for index, entry in enumerate(data):
        key = f"exclusions[{index}]"
        if not isinstance(entry, dict):
            problem(key, "expected a mapping with uscc and reason")
            continue
        code, reason, tasks = entry.get("uscc"), entry.get("reason"), entry.get("tasks", [])
        why = uscc_codes.problem(code) if isinstance(code, str) else "expected the entity's USCC in quotes"
        if why:
            problem(f"{key}.uscc", why)
        if not isinstance(reason, str) or not reason.strip():
            problem(f"{key}.reason", "missing; every exclusion needs a written reason")
        if not isinstance(tasks, list) or not all(isinstance(task, str) for task in tasks):
            problem(f"{key}.tasks", "expected a list of task ids (or leave it out for every task)")
            tasks = []
        if isinstance(code, str) and not why and isinstance(reason, str) and reason.strip():
            found.append(Exclusion(code, reason.strip(), tuple(tasks)))
    return tuple(found)


def _values(data: object, problem) -> dict[str, dict[str, dict[str, str]]]:
    """``values``: an export's own words for a register's values, mapped onto the register's (``{entities: {grade:
    {A级: A}}}``); applied to each cell, trimmed, before it is read; frozen with the params."""
    if data is None:
        return {}
    found: dict[str, dict[str, dict[str, str]]] = {}
    if not isinstance(data, dict):
        problem("values", "expected a mapping of register to {column: {the export's value: the register's value}}, "
                "e.g. {entities: {grade: {A级: A}}}")
        return {}
    for register, columns in data.items():
        if register not in REGISTER_NAMES or not isinstance(columns, dict):
            problem(f"values.{register}", f"expected one of {', '.join(REGISTER_NAMES)}, each a mapping of its columns")
            continue
        for column, mapping in columns.items():
            if column not in COLUMNS[register]:
                problem(f"values.{register}.{column}", f"not a column of {register}; expected one of "
                        f"{', '.join(COLUMNS[register])}")
            elif not isinstance(mapping, dict) or not all(isinstance(k, str | int) and isinstance(v, str | int)
                                                          for k, v in mapping.items()):
                problem(f"values.{register}.{column}", "expected a mapping of the export's value to the register's, "
                        "both text in quotes, e.g. {'A级': 'A'}")
            else:
                found.setdefault(register, {})[column] = {str(k).strip(): str(v).strip() for k, v in mapping.items()}
    return found


def digest_without_seed(data: dict) -> str:
    """SHA-256 of the params' content, seed left out, as canonical JSON (sorted keys, no spaces).

    Frozen with the registers, so that nothing that decides the draw (percentages,
    tasks, exclusions, caps) can change once the seed is known.
    """
    content = {key: value for key, value in data.items() if key != "seed"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_params(data: object, shown: str) -> Params:
    """Validate the loaded YAML ``data`` of the file named ``shown``."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(shown, None, None, f"key '{key}': {message}"))

    if not isinstance(data, dict):
        raise ParamsError([Problem(shown, None, None,
                                   "expected a YAML mapping with quarter, seed, tasks and registers")])
    quarter = data.get("quarter")
    if not isinstance(quarter, str) or not QUARTER.match(quarter):
        problem("quarter", f"{quarter!r} is not a quarter; expected e.g. '2026Q1' in quotes")
        quarter = ""
    protocol = data.get("protocol", PROTOCOL)
    if protocol != PROTOCOL:
        problem("protocol", f"'{protocol}' is not supported; this version draws under {PROTOCOL}")
    seed = parse_seed(data.get("seed"), problem)
    percent, percent_text = _percent(data.get("percent"), problem)
    justification = data.get("justification") or {}
    if not isinstance(justification, dict):
        problem("justification", "expected a mapping of grade to a written reason")
        justification = {}
    for grade in GRADES:
        if percent[grade] < FLOORS[grade] and not str(justification.get(grade) or "").strip():
            problem(f"percent.{grade}", f"{percent_text[grade]} % is below the floor of {FLOORS[grade]} % "
                    f"(Zhanhe plan, section 3.3); give a written reason under 'justification.{grade}'")
    tasks: list[Task] = []
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        problem("tasks", "expected a list of at least one task")
    else:
        for index, raw in enumerate(raw_tasks):
            task = _task(index, raw, quarter, problem)
            if task and any(task.task_id == other.task_id for other in tasks):
                problem(f"tasks[{index}].id", f"'{task.task_id}' is used twice")
            elif task:
                tasks.append(task)
    registers = data.get("registers")
    if not isinstance(registers, dict):
        problem("registers", "expected a mapping of " + ", ".join(REGISTER_NAMES) + " to file paths")
        registers = {}
    for name in REGISTER_NAMES:
        if not isinstance(registers.get(name), str) or not registers.get(name):
            problem(f"registers.{name}", "missing; expected the path of the file, relative to the project folder")
    headers = data.get("headers") or {}
    if not isinstance(headers, dict) or any(name not in REGISTER_NAMES or not isinstance(mapping, dict)
                                            for name, mapping in headers.items()):
        problem("headers", "expected a mapping of register name to {file header: canonical column}")
        headers = {}
    values = _values(data.get("values"), problem)
    demo = data.get("demo")
    if demo is None:
        demo = False
    elif not isinstance(demo, bool):
        problem("demo", f"{demo!r}: expected true or false, without quotes")
    unknown = sorted(str(key) for key in set(data) - TOP_LEVEL_KEYS)
    if unknown:
        problem(unknown[0], f"unknown key (also: {', '.join(unknown[1:])})" if len(unknown) > 1 else "unknown key; "
                "expected " + ", ".join(sorted(TOP_LEVEL_KEYS)))
    unclassified = data.get("unclassified_grade")
    if unclassified is not None and unclassified not in GRADES:
        problem("unclassified_grade", f"{unclassified!r}: expected A, B, C or D")
    exclusions = _exclusions(data.get("exclusions"), problem)
    inspection = _inspection(data.get("inspection"), problem)
    frequency = _frequency(data.get("frequency"), problem)
    known_tasks = {task.task_id for task in tasks}
    for index, exclusion in enumerate(exclusions):
        for task_id in exclusion.tasks:
            if task_id not in known_tasks:
                problem(f"exclusions[{index}].tasks", f"'{task_id}' is not a task of this quarter")
    if problems:
        raise ParamsError(problems)
    return Params(
        quarter=quarter,
        demo=demo,
        seed=seed,
        percent=percent,
        percent_text=percent_text,
        justification={grade: str(text).strip() for grade, text in justification.items()},
        tasks=tuple(tasks),
        registers={name: registers[name] for name in REGISTER_NAMES},
        headers={name: {str(k): str(v) for k, v in mapping.items()} for name, mapping in headers.items()},
        values=values,
        unclassified_grade=unclassified,
        source=shown,
        exclusions=exclusions,
        inspection=inspection,
        frequency=frequency,
        digest=digest_without_seed(data),
    )


def load_params(path: Path, shown: str | None = None) -> Params:
    shown = shown or str(path)
    if not path.is_file():
        raise ParamsError([Problem(shown, None, None, "file not found; create it from params/demo-2026Q4.yaml "
                                   "(docs/guide-staff.md, step 1)")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ParamsError([Problem(shown, None, None, f"not valid YAML: {error}")]) from None
    return parse_params(data, shown)
