"""The bundled demo quarter, ``demo-2026Q4``: the command that writes its SYNTHETIC registers (made by
``demo_registers``) or its filled results form, and that form's synthetic results, made here from the demo draw.

Everything the demo writes is made up (see ``demo_registers``); every choice is deterministic (``demo_choices``),
so the files are byte-identical on every platform.

Regenerate with::

    python -m zhanhe_audit.demo registers/demo-2026Q4
    python -m zhanhe_audit.demo --results registers/demo-2026Q4/results-filled.csv
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from .demo_choices import draw
from .demo_district import DEPT_EMERGENCY, DEPT_HEALTH, DEPT_SAMR
from .demo_registers import csv_text, generate, summary, write_atomic

# --- the demo quarter's filled results form ----------------------------------------------------

RESULTS_FORM = "results-filled.csv"  # beside the demo registers
RESULTS_AS_OF = "2026-12-31"  # the as-of date ``make results`` gives the demo quarter
FILLED_VISITS = 60  # inspected so far: every VISIT_STEP-th visit (so every task has some); the others not yet
VISIT_STEP = 12
# Working days after the demo seed's date (Thursday 26 November 2026) whose deadlines fall in 2026, the last
# year the chinesecalendar package knows: Friday 27 November, Monday 30 November to Wednesday 2 December.
INSPECTION_DAYS = (date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2))
DEMO_DEPARTMENTS = (DEPT_SAMR, DEPT_HEALTH, DEPT_EMERGENCY)


def _result(index: int, visit_id: str, item: str, department: str) -> dict[str, str]:
    """The synthetic result of the ``index``-th filled row: mostly nothing found; a few problems of each
    kind, so that the demo shows corrections, a transfer, a penalty, an overdue publication and an
    open finding. Dates fall between the demo seed's date (2026-11-26) and the as-of date."""
    start = INSPECTION_DAYS[draw("start", visit_id) % len(INSPECTION_DAYS)]
    end = start + timedelta(days=3 if start.weekday() == 4 else 1)  # the next working day
    published = date(2026, 12, 14) + timedelta(days=draw("published", visit_id, item) % 8)
    result = {"start": start.isoformat(), "end": end.isoformat(), "categories": "未发现问题",
              "published": published.isoformat()}
    other = next(d for d in DEMO_DEPARTMENTS if d != department)
    kind = index if index < 6 else draw("kind", visit_id, item) % 40  # after one of each, about 15 % problems
    if kind == 0:  # a transfer to another department's remit, acknowledged
        result |= {"categories": "发现问题待后续处理", "findings": "经营项目涉及其他部门审批事项（演示）",
                   "disposition": "移交", "receiving_department": other, "status": "已移交已接收"}
    elif kind == 1:  # a case with a penalty, recorded under the entity, and the abnormal list
        result |= {"categories": "通过登记的住所（经营场所）无法联系；不配合检查情节严重",
                   "findings": "登记住所无法联系（演示）", "disposition": "立案查处", "status": "已立案",
                   "penalty_number": "湛市监罚〔2026〕901号（演示）", "penalty_date": "2026-12-18",
                   "abnormal_list": "是"}
    elif kind == 2:  # published after its deadline
        result |= {"published": "2026-12-30"}
    elif kind == 3:  # an open finding: a correction ordered, not yet checked
        result |= {"categories": "发现问题已责令改正", "findings": "未按规定明码标价（演示）",
                   "disposition": "责令改正", "status": "待处置"}
    elif kind in (4, 5):  # corrections ordered and checked, closed
        result |= {"categories": "未按规定公示应当公示的信息", "findings": "年度报告未公示（演示）",
                   "disposition": "责令改正", "status": "已办结"}
    return result


def results_rows(root: Path) -> list[dict[str, str]]:
    """The demo's filled form: the results form's rows of ``FILLED_VISITS`` visits of the demo draw
    (recomputed from the committed params and registers of the project at ``root``), filled."""
    from . import engine, results_form
    from .paths import DEMO_QUARTER, Project

    with tempfile.TemporaryDirectory(prefix="zhanhe-demo-") as scratch:
        drawn = engine.run_draw(engine.project_inputs(Project(root), DEMO_QUARTER), Path(scratch))
    rows = results_form.form_rows(drawn.inputs, drawn.visits[::VISIT_STEP][:FILLED_VISITS])
    return [row | _result(index, row["visit"], row["item"], row["department"]) for index, row in enumerate(rows)]


def results_form_text(rows: list[dict[str, str]]) -> str:
    """A filled form as staff export it from Excel: CSV, UTF-8 with BOM, the form's Chinese headers."""
    from .results_form import FORM_COLUMNS

    header = [column.header for column in FORM_COLUMNS]
    return "\ufeff" + csv_text(header, [{column.header: row.get(column.key, "") for column in FORM_COLUMNS}
                                         for row in rows])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--results":  # the demo quarter's filled results form
        write_atomic(Path(args[1]), results_form_text(results_rows(Path.cwd())))
        print(f"{args[1]}: written")
        return 0
    if len(args) != 1:
        print("usage: python -m zhanhe_audit.demo OUTPUT_FOLDER | --results FORM.csv", file=sys.stderr)
        return 2
    paths = generate(Path(args[0]))
    print(summary(paths))
    print(f"{Path(args[0]) / 'README.md'}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
