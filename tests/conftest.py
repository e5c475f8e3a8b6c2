"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest

from projects import copy_project, make


@pytest.fixture(scope="session")
def demo_drawn(tmp_path_factory):
    """A copy of the project after `make draw` on the demo quarter: (project folder, make's result).

    Drawn once per test session; tests that change it work on a copy of their own.
    """
    root = copy_project(tmp_path_factory.mktemp("project"))
    result = make(root, "draw")
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result
