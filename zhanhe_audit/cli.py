"""The ``zhanhe-audit`` command.

Errors the user can cause are printed as plain messages, without a
traceback, and the command exits with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import freeze, quarter
from .errors import ZhanheError
from .paths import DEMO_QUARTER, Project


def _freeze(project: Project, args: argparse.Namespace) -> None:
    path, record = quarter.freeze_quarter(project, args.quarter)
    print(f"freeze record: {project.relative(path)} (frozen at {record['frozen_at']})")
    for name, entry in record["registers"].items():
        print(f"  {name:<10} {entry['rows']:>7} rows  sha256 {entry['sha256']}  {entry['path']}")
    print(f"  active entities per grade: {freeze.grades_line(record)}")
    print("Commit this file now, before the seed is drawn.")


def _draw(project: Project, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    final, result = quarter.draw_quarter(project, args.quarter)
    print(f"drew {args.quarter} under protocol draw-v1 in {time.perf_counter() - started:.2f} s")
    print(f"  {'task':<18}{'grade':<7}{'eligible':>9}{'percent':>9}{'quota':>7}{'selected':>9}")
    for row in result.summary:
        print(f"  {row.task_id:<18}{row.grade:<7}{row.eligible:>9}{row.percent:>9}{row.quota:>7}{row.selected:>9}")
    print(f"archive: {project.relative(final)}/")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="zhanhe-audit", description=__doc__.splitlines()[0])
    main.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: the current folder)")
    commands = main.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("freeze", _freeze, "record the registers' hashes and counts before the seed exists"),
        ("draw", _draw, "draw the quarter into outputs/<quarter>/ (once; never repeated)"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("quarter", nargs="?", default=DEMO_QUARTER, help=f"e.g. 2026Q1 (default {DEMO_QUARTER})")
        command.set_defaults(handler=handler)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = Project(args.root.resolve())
    try:
        args.handler(project, args)
    except ZhanheError as error:
        print(f"错误 Error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
