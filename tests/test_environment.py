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
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    found = sorted(".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "zhanhe_audit").rglob("__init__.py"))
    assert sorted(listed) == found
