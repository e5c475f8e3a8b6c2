"""The package's shape, as tests: imports point one way (no cycle of modules, none of rooms, none among the
benchmarks), no module is over 400 lines, every archive file name is spelled once (in ``zhanhe_audit/layout.py``),
every notebook's parameters are the ones ``steps.STEPS`` declares, and a notebook's error comes back as the
package's own type.

The import graph and the spelled names are read from the source with ``ast``; nothing is imported
to find them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import papermill
import pytest

from zhanhe_audit import errors, steps, workbook
from zhanhe_audit.errors import AlreadyDrawn, ArchiveError, FreezeRefused, RegisterError, ZhanheError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "zhanhe_audit"
LAYOUT = PACKAGE / "layout.py"
NOTEBOOKS = ROOT / "notebooks"


# --- the import graph -----------------------------------------------------------------------------


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``package`` (a package's __init__ is the package)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, is_package: bool, source: str, modules: set[str], top: str = "zhanhe_audit") -> set[str]:
    """The modules of ``modules`` that the module ``name`` imports anywhere in ``source``: at the top,
    inside functions, under ``TYPE_CHECKING``; absolute and relative; ``from X import a`` is the module
    ``X.a`` when that is a module, else ``X``."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name == top or alias.name.startswith(top + ".")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    raise AssertionError(f"{name}: a relative import goes above the package")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
                if base != top and not base.startswith(top + "."):
                    continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path.name == "__init__.py", path.read_text(encoding="utf-8"), set(modules))
            for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_imports_of_resolves_every_form_of_import():
    modules = {"zhanhe_audit", "zhanhe_audit.a", "zhanhe_audit.b", "zhanhe_audit.c", "zhanhe_audit.d",
               "zhanhe_audit.e", "zhanhe_audit.sub", "zhanhe_audit.sub.x", "zhanhe_audit.sub.y"}
    source = '''
from __future__ import annotations
import os
from typing import TYPE_CHECKING
from . import a, b
from .sub import x, CONSTANT
from zhanhe_audit.c import thing
import zhanhe_audit.sub.y
if TYPE_CHECKING:
    from .d import Type
def later():
    from .e import helper
    import numpy
'''
    assert imports_of("zhanhe_audit.sub.y", False, "from .. import a\nfrom . import x\nfrom ..sub import z\n",
                      modules) == {"zhanhe_audit.a", "zhanhe_audit.sub.x", "zhanhe_audit.sub"}
    assert imports_of("zhanhe_audit.m", False, source, modules) == {
        "zhanhe_audit.a", "zhanhe_audit.b", "zhanhe_audit.sub.x", "zhanhe_audit.sub", "zhanhe_audit.c",
        "zhanhe_audit.sub.y", "zhanhe_audit.d", "zhanhe_audit.e"}
    # in a package's __init__, "." is the package itself
    assert imports_of("zhanhe_audit.sub", True, "from . import x\nfrom .. import b\n", modules) == \
        {"zhanhe_audit.sub.x", "zhanhe_audit.b"}


def test_find_cycle_reports_the_cycle_of_a_made_up_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_import_graph_sees_imports_known_from_reading_the_source():
    graph = import_graph()
    assert "zhanhe_audit.layout" in graph["zhanhe_audit.evidence.store"]  # from ..layout import PARTIAL, RECORDS
    assert "zhanhe_audit.evidence.records" in graph["zhanhe_audit.kinds"]
    assert "zhanhe_audit.evidence.files" in graph["zhanhe_audit.quarter"]
    assert "zhanhe_audit.tickets" in graph["zhanhe_audit.evidence.files"]  # from .. import tickets
    assert "zhanhe_audit.engine" in graph["zhanhe_audit.workbook"]  # from . import engine, results
    assert "zhanhe_audit.workbook" in graph["zhanhe_audit.rerender"]  # from . import workbook
    assert graph["zhanhe_audit.errors"] == set()
    assert all(target in graph for targets in graph.values() for target in targets)


def test_package_import_graph_has_no_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def rooms(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """``graph`` with each subpackage's modules, its ``__init__`` included, as one room
    (``zhanhe_audit.evidence.files`` is ``zhanhe_audit.evidence``)."""
    def room(name: str) -> str:
        return ".".join(name.split(".")[:2])

    found: dict[str, set[str]] = {}
    for name, targets in graph.items():
        found.setdefault(room(name), set()).update(room(target) for target in targets)
    return {name: targets - {name} for name, targets in found.items()}


def test_rooms_join_a_subpackages_modules_with_its_init():
    graph = {"zhanhe_audit.a": {"zhanhe_audit.sub.x"}, "zhanhe_audit.sub": set(),
             "zhanhe_audit.sub.x": {"zhanhe_audit.sub"}, "zhanhe_audit.sub.y": {"zhanhe_audit.a", "zhanhe_audit.sub.x"}}
    assert rooms(graph) == {"zhanhe_audit.a": {"zhanhe_audit.sub"}, "zhanhe_audit.sub": {"zhanhe_audit.a"}}
    assert find_cycle(rooms(graph)) == ["zhanhe_audit.a", "zhanhe_audit.sub", "zhanhe_audit.a"]
    # a module that reads only the package's __init__ still reads the package's room
    assert rooms({"zhanhe_audit.evidence": set(), "zhanhe_audit.evidence.files": {"zhanhe_audit.tickets"},
                  "zhanhe_audit.tickets": {"zhanhe_audit.evidence"}}) == {
        "zhanhe_audit.evidence": {"zhanhe_audit.tickets"}, "zhanhe_audit.tickets": {"zhanhe_audit.evidence"}}


def test_the_archive_layout_is_the_ground_floor():
    """Every module may name an archive file, so the module naming them imports nothing of the package."""
    assert import_graph()["zhanhe_audit.layout"] == set()


def test_arrows_between_the_packages_rooms_point_one_way():
    """No arrow back up between rooms: evidence/ once imported ranking and inputs, which imported evidence/."""
    cycle = find_cycle(rooms(import_graph()))
    assert cycle is None, "rooms that import each other: " + " -> ".join(cycle or [])


def test_the_benchmarks_import_each_other_one_way():
    scripts = {path.stem: path for path in sorted((ROOT / "benchmarks").glob("*.py"))}
    graph = {}
    for name, path in scripts.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = ({alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
                       | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
                       ) & set(scripts)
    assert "scratch" in graph["bench"] and "bench_chain" in graph["bench"]  # what the scripts are known to import
    cycle = find_cycle(graph)
    assert cycle is None, "benchmarks that import each other: " + " -> ".join(cycle or [])


# --- archive file names, spelled once -------------------------------------------------------------


def archive_file_names() -> dict[str, list[str]]:
    """The last path component of every constant of layout.py whose value has a '.', with the
    constants that give it; the values are evaluated from the source (f-strings of earlier constants)."""
    values: dict[str, str] = {}

    def text(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.FormattedValue) and node.format_spec is None and node.conversion == -1:
            return text(node.value)
        if isinstance(node, ast.JoinedStr):
            parts = [text(part) for part in node.values]
            known = [part for part in parts if part is not None]
            return "".join(known) if len(known) == len(parts) else None
        return None

    for node in ast.parse(LAYOUT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = text(node.value)
            assert value is not None or not isinstance(node.value, (ast.Constant, ast.JoinedStr)), ast.dump(node)
            if value is not None:
                values[node.targets[0].id] = value
    names: dict[str, list[str]] = {}
    for constant, value in values.items():
        if "." in value:
            names.setdefault(value.rsplit("/", 1)[-1], []).append(constant)
    return names


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def spelled(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) for each string literal of ``source`` that spells one of ``names``: plain strings and the
    constant parts of f-strings; docstrings are documentation and do not count."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    patterns = {name: re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-]|\.\w)") for name in names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [(node.lineno, name) for name, pattern in patterns.items() if pattern.search(node.value)]
    return sorted(set(found))


def test_archive_file_names_are_the_ones_the_protocol_names():
    names = archive_file_names()
    for name in ("tickets.csv", "manifest.json", "manifest.json.sha256", "history.csv", "visits.csv",
                 "replacement.json", "verify-task.sh", "report.html", "draw.json", "cap_exceptions.csv"):
        assert name in names, name
    assert names["visits.csv"] == ["VISITS_FILE", "VISITS"]
    assert names["manifest.json.sha256"] == ["SEAL"]  # an f-string of an earlier constant, evaluated


def test_spelled_finds_names_in_strings_and_f_strings_and_not_in_docstrings_or_longer_names():
    source = '''
"""Module docstring: draw/tickets.csv."""
A = "draw/tickets.csv"
def f(folder):
    """Writes ``manifest.json``."""
    B = f"{folder}/manifest.json"
    C = f"{folder}/manifest.json.sha256"
    D = "old_tickets.csv, tickets.csv.bak, tickets.csvx"
    E = f".{folder}.partial-{1}"
    return "see tickets.csv"
'''
    assert spelled(source, {"tickets.csv", "manifest.json", "manifest.json.sha256", ".partial-"}) == [
        (3, "tickets.csv"), (6, "manifest.json"), (7, "manifest.json.sha256"), (9, ".partial-"), (10, "tickets.csv")]


def test_each_archive_file_name_is_spelled_only_in_the_layout():
    names = set(archive_file_names())
    assert (PACKAGE / "verify-task.sh").is_file()  # the shell verifier, a second implementation, is not .py
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == LAYOUT:
            continue
        for line, name in spelled(path.read_text(encoding="utf-8"), names):
            elsewhere.append(f"{path.relative_to(ROOT)}:{line}: '{name}'")
    assert elsewhere == [], "archive file names spelled outside zhanhe_audit/layout.py:\n" + \
        "\n".join(elsewhere)


def test_demo_modules_spell_no_archive_file_name():
    """The demo modules write the synthetic registers and the demo's filled form only; they have no reason to
    name an archive file."""
    demos = sorted(PACKAGE.glob("demo*.py"))
    assert len(demos) > 1
    for path in demos:
        assert spelled(path.read_text(encoding="utf-8"), set(archive_file_names())) == [], path.name


# --- sizes ----------------------------------------------------------------------------------------

MAX_LINES = 400  # a module a newcomer reads in one sitting


def test_no_module_of_the_package_or_the_benchmarks_is_over_400_lines():
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    assert len(sources) > 50
    over = {path.relative_to(ROOT).as_posix(): lines for path in sources
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"


# --- the notebooks and steps.STEPS -----------------------------------------------------------------


def test_every_notebook_is_a_declared_step_and_every_step_has_its_notebook():
    on_disk = {path.stem for path in NOTEBOOKS.glob("*.ipynb")}
    assert on_disk == set(steps.STEP)
    assert [step.notebook for step in steps.STEPS] == [path.stem for path in workbook.notebooks()]


@pytest.mark.parametrize("notebook", sorted(steps.STEP))
def test_notebook_parameters_are_exactly_the_step_s_parameters(notebook):
    step = steps.STEP[notebook]
    found = list(papermill.inspect_notebook(str(NOTEBOOKS / f"{notebook}.ipynb")))
    assert len(step.parameters) == len(set(step.parameters))
    assert sorted(found) == sorted(step.parameters)


@pytest.mark.parametrize("notebook", sorted(steps.STEP))
def test_notebook_has_one_parameters_cell_of_literals_only(notebook):
    """papermill's rule: one cell tagged ``parameters``, literals only (derived values go in the next cell)."""
    import nbformat

    cells = [cell for cell in nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4).cells
             if "parameters" in cell.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1
    for statement in ast.parse(cells[0].source).body:
        assert isinstance(statement, (ast.Assign, ast.AnnAssign)), ast.dump(statement)
        ast.literal_eval(statement.value)


# --- errors rebuilt from a notebook's report ------------------------------------------------------


@pytest.mark.parametrize("kind", [AlreadyDrawn, RegisterError, ArchiveError, FreezeRefused, ZhanheError])
def test_rebuilt_gives_exactly_the_named_type_with_the_message(kind):
    message = "01-draw.ipynb: outputs/2026Q1 exists already; 已抽取"
    error = errors.rebuilt(kind.__name__, message)
    assert type(error) is kind
    assert str(error) == message
    assert isinstance(error, ZhanheError)
    with pytest.raises(kind, match="^01-draw"):
        raise error


def test_rebuilt_input_error_has_no_problems_of_its_own():
    assert errors.rebuilt("RegisterError", "3 problems found").problems == []


@pytest.mark.parametrize("name", ["KeyError", "Exception", "ValueError", "Problem", "", "archiveerror"])
def test_rebuilt_is_none_for_a_name_that_is_not_one_of_the_package_s_errors(name):
    assert errors.rebuilt(name, "message") is None


def test_the_archive_doc_holds_the_accounting_table_the_verifiers_use():
    from zhanhe_audit.evidence import accounting

    doc = (ROOT / "docs" / "archive.md").read_text(encoding="utf-8")
    assert doc.endswith(accounting.markdown())
    assert {entry.kind for entry in accounting.ENTRIES} == set(accounting.CLASSES)


def test_the_register_reference_names_every_column_header_and_word_the_code_reads():
    from zhanhe_audit.registers import cells, items
    from zhanhe_audit.registers.reading import CHINESE_HEADERS, COLUMNS

    doc = (ROOT / "docs" / "registers.md").read_text(encoding="utf-8")
    for register in ("entities", "items", "inspectors", "conflicts", "tags"):
        for column in COLUMNS[register]:
            assert f"| {register} | `{column}` |" in doc, (register, column)
        for header in CHINESE_HEADERS[register]:
            assert header in doc, (register, header)
    words = [*cells.ACTIVE_STATUSES, *cells.INACTIVE_STATUSES, *cells.GRADE_LABELS, *cells.TRUE_WORDS,
             *cells.FALSE_WORDS, *items.ITEM_KINDS]
    assert [word for word in words if word not in doc] == []
