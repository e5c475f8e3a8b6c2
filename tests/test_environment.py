"""environment.yml (conda) and pyproject.toml (pip) give the same dependency set."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", requirement.strip()).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def _pyproject() -> set[tuple[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {_normalise(r) for r in requirements}


def _environment() -> set[tuple[str, str]]:
    entries = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    requirements = []
    for entry in entries:
        requirements += entry["pip"] if isinstance(entry, dict) else [entry]
    return {_normalise(r) for r in requirements if not r.startswith("-e") and _normalise(r)[0] not in ("python", "pip")}


def test_environment_yml_and_pyproject_list_the_same_dependencies():
    assert _environment() == _pyproject()


def test_users_named_packages_are_dependencies():
    names = {name for name, _ in _pyproject()}
    assert {"jupyterlab", "papermill", "nbconvert", "pandas", "numpy", "matplotlib", "pytest", "nbval"} <= names


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in ci.splitlines()[-1]
    assert "make test" in readme and "make draw" in readme


def test_every_package_of_the_source_tree_is_installed():
    # a package missing from [tool.setuptools] packages imports in an editable install, and is left out of a wheel
    # (a folder of data files is a namespace package to Python: listed too, or setuptools warns at every install)
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    code = {init.parent for init in (ROOT / "zhanhe_audit").rglob("__init__.py")}
    data = {path.parent for path in (ROOT / "zhanhe_audit" / "templates").rglob("*") if path.is_file()}
    found = sorted(".".join(folder.relative_to(ROOT).parts) for folder in code | data
                   if "__pycache__" not in folder.parts)
    assert sorted(listed) == found


def test_installing_prints_no_setuptools_warning(tmp_path):
    """Building the package (as pip install does) warns of nothing: every folder of data is listed as a package."""
    import subprocess
    import sys

    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ and *.egg-info there
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    for name in listed:
        if name.startswith(("zhanhe_audit/", "pyproject.toml", "README.md")) and (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "Package would be ignored" not in built.stdout + built.stderr and "Warning" not in built.stderr, built.stderr
    import zipfile

    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "zhanhe_audit/templates/verifier/verify/00-protocol.js" in names and "zhanhe_audit/verifiers.txt" in names


def test_the_files_run_first_exist_and_the_workers_take_them_in_that_order():
    """conftest's SLOWEST_FIRST names files that exist (a renamed file would silently lose its place), and pyproject
    keeps xdist from reordering the files by their number of tests (--no-loadscope-reorder), which would undo it."""
    from types import SimpleNamespace

    from conftest import SLOWEST_FIRST, pytest_collection_modifyitems

    assert SLOWEST_FIRST and len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)
    assert [name for name in SLOWEST_FIRST if not (ROOT / name).is_file()] == []
    collected = ["tests/test_a.py::one", f"{SLOWEST_FIRST[1]}::two", "tests/test_b.py::three",
                 f"{SLOWEST_FIRST[0]}::four", f"{SLOWEST_FIRST[1]}::five", "tests/test_a.py::six"]
    items = [SimpleNamespace(nodeid=nodeid) for nodeid in collected]
    pytest_collection_modifyitems(None, items)
    assert [item.nodeid.split("::")[1] for item in items] == ["four", "two", "five", "one", "three", "six"]
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"][
        "addopts"].split()
    assert "--dist" in addopts and addopts[addopts.index("--dist") + 1] == "loadfile"
    assert "--no-loadscope-reorder" in addopts
