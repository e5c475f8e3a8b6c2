"""The ``zhanhe-audit`` command.

Errors the user can cause are printed as plain messages, without a
traceback, and the command exits with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import sys
from datetime import date
from pathlib import Path

from . import disclosure, engine
from .errors import ArchiveError, ParamsError, Problem, ZhanheError
from .evidence.files import SUMMARY_CSV
from .hashing import sha256_file
from .layout import MANIFEST, VERIFIER_PAGE
from .params import parse_quarter
from .paths import DEMO_QUARTER, Project
from .registers import parse_date


def _freeze(project: Project, args: argparse.Namespace) -> None:
    path, record = engine.freeze_quarter(project, args.quarter)
    print(f"freeze record: {project.relative(path)} (frozen at {record.frozen_at})")
    for name, entry in record.registers.items():
        print(f"  {name:<10} {entry['rows']:>7} rows  sha256 {entry['sha256']}  {entry['path']}")
    print(f"  active entities per grade: {record.grades_line}")
    if record.history is not None:
        print(f"  history: {record.history['visits']} visits of earlier quarters, sha256 {record.history['sha256']}")
    if record.inspector_feasibility is not None:
        found = record.inspector_feasibility
        print(f"  inspectors: each of {found['entity_departments']} (entity, department) pairs that could be drawn "
              f"keeps at least {found['per_department']} candidates after the conflict rules (fewest: "
              f"{found['fewest_candidates']}); no draw can fail for lack of inspectors")
    if record.grade_disclosure is not None:
        _disclosure_warning(disclosure.from_entries(record.grade_disclosure), "the freeze record holds this warning")
    print("Commit this file now, before the seed is drawn.")


def _disclosure_warning(found: list[disclosure.Disclosure], where: str) -> None:
    """What the publication would disclose of the grades (a warning: the bureau decides)."""
    if not found:
        print("  grades: no published item would narrow down its entities' grades (every item is drawn in tasks of "
              "all four grades)")
        return
    print(f"警告 Warning: {len(found)} 个事项的公示结果会透露主体的信用风险等级"
          "（方案四(二)：等级不得向社会和企业公开）; "
          f"{len(found)} item(s) would disclose grades in the publication ({where}):")
    for line in disclosure.warnings(found):
        print(f"  - {line}")
    print(f"  {disclosure.REMEDY}")


def _draw(project: Project, args: argparse.Namespace) -> None:
    from . import ranking, workbook

    rank: ranking.Rank = ranking.rank_all
    if args.engine == "spark":
        from . import spark

        rank = spark.ranker(progress=print)  # no pyspark or no Java is refused here, before anything is written
    final = workbook.draw(project, args.quarter, rank=rank)
    summary = SUMMARY_CSV.read(final)
    print(f"  {'task':<18}{'grade':<7}{'eligible':>9}{'percent':>9}{'quota':>7}{'selected':>9}")
    for row in summary:
        print(f"  {row.task_id:<18}{row.grade:<7}{row.eligible:>9}{row.percent:>9}{row.quota:>7}{row.selected:>9}")
    _announce(project, final, "the draw", "publish this with the seed")


def _announce(project: Project, folder: Path, what: str, how: str) -> None:
    """The digest a reviewer compares the archive with: the manifest just written, the new head of the chain."""
    print(f"公布 Announce: {what}'s manifest {project.relative(folder / MANIFEST)} has SHA-256")
    print(f"  {sha256_file(folder / MANIFEST)}")
    print(f"  the new head of the chain: {how} (reviewers compare it: make verify QUARTER=… HEAD=…, "
          f"or {VERIFIER_PAGE})")


def _verify(project: Project, args: argparse.Namespace) -> int:
    from . import verify

    return 0 if verify.report(project, args.quarter, seed=args.seed, head=args.head, pages=not args.no_pages) else 1


def _stage_without_seed(project: Project, args: argparse.Namespace) -> None:
    from . import gitorder

    blob = gitorder.stage_without_seed(project.root, args.quarter)
    print(f"staged: params/{args.quarter}.yaml without its seed (blob {blob[:10]}); the file itself keeps the seed. "
          "Commit it with the registers and the freeze record, then 'git add' the params and commit the seed.")


def _verifier_page(project: Project, args: argparse.Namespace) -> None:
    from . import verify_page

    target = args.out if args.out.is_absolute() else project.root / args.out
    verify_page.write(target)
    print(f"verifier page: {target} (SHA-256 {verify_page.sha256()}); open it in a browser and choose an archive "
          f"folder. Check the page first: certutil -hashfile {target.name} SHA256 (Windows), sha256sum {target.name}")


def _calendar(project: Project, args: argparse.Namespace) -> int:
    from . import calendar, notice, notice_text
    from .evidence.store import write_new

    shown = args.notice.name
    folder = project.root / "params" / calendar.FOLDER
    target = folder / f"{args.year}.yaml"
    if target.exists():  # before reading the notice: the year file is kept as it is
        print(f"错误 Error: params/{calendar.FOLDER}/{args.year}.yaml exists already; it is never overwritten "
              "(delete it by hand, with a commit saying why, to write it again)", file=sys.stderr)
        return 2
    try:
        text = notice_text.text_of(args.notice)
    except (OSError, UnicodeDecodeError) as error:
        print(f"错误 Error: {shown}: cannot be read as the notice's text ({error}); paste the notice into a .txt file "
              "(UTF-8, GB18030/GBK, or UTF-16 with a byte-order mark) or save the web page as .html", file=sys.stderr)
        return 2
    found = notice.parse(text, args.year, shown)
    # The notice's days of the year before (its New Year holiday) must not contradict that year's own data
    days = calendar.Calendar(folder)
    earlier = [(day, False) for day in found.previous_holidays] + [(day, True) for day in found.previous_workdays]
    contradictions = [f"{day} ({'a working day' if working else 'a day off'} in the notice, but "
                      f"{'a working day' if stated[0] else 'a day off'} in {stated[1]})"
                      for day, working in earlier if (stated := days.stated(day)) and stated[0] != working]
    if contradictions:
        raise ParamsError([Problem(shown, None, None, f"the notice's days of {args.year - 1} contradict that year's "
                                   f"calendar: {'; '.join(contradictions)}; nothing is written")])
    print(found.grid())
    if found.missing():
        print(f"警告 Warning: no item of the notice names {'、'.join(found.missing())}; every notice since 2008 "
              "gives all seven festivals: check that the text is the whole notice before committing the file")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_new(target, found.yaml())
    before = (f", and {len(found.previous_holidays)} days off and {len(found.previous_workdays)} make-up working days "
              f"of {args.year - 1} (its New Year holiday; they count for {args.year - 1} where its own calendar does "
              "not list the day)" if found.previous_holidays or found.previous_workdays else "")
    print(f"written: params/{calendar.FOLDER}/{args.year}.yaml, {len(found.holidays)} days off and "
          f"{len(found.workdays)} make-up working days from {found.source}{before}; commit it")
    return 0


def _replace(project: Project, args: argparse.Namespace) -> None:
    from . import append, replacement
    from .evidence.files import VISITS_CSV
    from .layout import VISITS_FILE

    record = append.replace(project, args.quarter, args.uscc, args.reason, progress=print)
    data = replacement.ReplacementRecord.read(record)
    print(f"replaced: {data.replaced_uscc}, visit {data.replaced_visit} of {data.quarter}")
    print(f"  reason: {data.reason}")
    for task in data.tasks:
        batch = f", batch {task['batch']}" if task["batch"] is not None else ""
        print(f"  task {task['task_id']}, grade {task['grade']}: rank {task['replaced_rank']} replaced by the reserve "
              f"of rank {task['replacement_rank']}, {task['replacement_uscc']}{batch}")
        for skipped in task["skipped"]:
            print(f"    (rank {skipped['rank']}, {skipped['uscc']}, passed over: {skipped['why']})")
    for visit in VISITS_CSV.read(record, VISITS_FILE):
        print(f"  new visit {visit.visit_id}: {visit.uscc}, items {', '.join(visit.items)}, "
              f"inspectors {', '.join(visit.inspectors)}")
    for exception in data.cap_exceptions:
        print(f"  cap exception: {exception.cert_no} ({exception.department}) had {exception.load} visits, cap "
              f"{exception.cap}")
    shown = project.relative(record)
    print(f"record: {shown}/")
    _announce(project, record, "the replacement record", "publish it with the replacement, as the draw's digest was")
    print(f"Commit {shown}/ now; 'make verify QUARTER={data.quarter}' recomputes it.")


def _results_form(project: Project, args: argparse.Namespace) -> None:
    from . import results_form
    from .evidence.archived import load_archived
    from .evidence.store import write_new
    from .kinds import apply_records

    folder = project.archive(args.quarter)
    if not folder.is_dir():
        raise ArchiveError(f"{project.relative(folder)} does not exist: draw {args.quarter} first "
                           f"('make draw QUARTER={args.quarter}'); the form lists its visits")
    state = apply_records(folder)
    inputs = load_archived(folder, args.quarter)
    rows = len(results_form.form_rows(inputs, state.visits, frozenset(state.results)))
    if not rows:
        print(f"every visit and item of {args.quarter} has a result already: no form written. Follow-up progress is "
              "recorded by filling the same rows again (copy them from the form they were filled in)")
        return
    target = project.forms(args.quarter) / results_form.form_name(project.forms(args.quarter))
    write_new(target, results_form.form_workbook(inputs, state))
    print(f"results form: {project.relative(target)} ({rows} rows, one per visit and item without a result yet; "
          "no grade)")
    print("Fill the yellow columns (drop-down lists where there is a choice), save, then run "
          f"'make results QUARTER={args.quarter} FILE={project.relative(target)}' (or the file you saved it as).")


def _results(project: Project, args: argparse.Namespace) -> None:
    from . import append, results, violations, workbook
    from .layout import RESULTS_RECORD

    form = args.file if args.file.is_absolute() else project.root / args.file
    as_of = parse_date(args.as_of) if args.as_of else date.today()
    if as_of is None:
        raise ParamsError([Problem("--as-of", None, None, f"'{args.as_of}' is not a date; expected e.g. 2026-12-31")])
    record = append.record_results(project, args.quarter, form, as_of, progress=print,
                                   pages=workbook.results_pages(project, args.quarter))
    data = results.ResultsRecord.read(record)
    print(f"record: {project.relative(record)}/ ({data.rows} results as of {data.as_of}, {data.superseded} superseding "
          f"earlier ones; source {data.source['name']} sha256 {data.source['sha256']})")
    print(f"  open findings: {data.open_findings}; overdue publications: {data.overdue_publications}")
    print(f"  page: {project.relative(record)}/html/{results.PAGE}.html; record: {RESULTS_RECORD}")
    print(f"public: {project.relative(project.public(args.quarter))}/ ({', '.join(sorted(data.public))})")
    written = violations.write_violations(project, args.quarter)
    print(f"violations: {project.relative(written)} (rebuilt from every results record)")
    _announce(project, record, "the results record",
              f"the publication in {project.relative(project.public(args.quarter))}/ "
              "states the head it was made from; publish this one with the next")
    paths = [project.relative(record), project.relative(project.public(args.quarter)), project.relative(written),
             project.relative(form)]
    print("Commit now: the record, the public files, the violations file and the filled form (the record keeps a copy "
          "of the form; commit the original too):")
    print(f"  git add {' '.join(shlex.quote(path) for path in paths)}")
    print(f"  git commit -m \"{args.quarter}: results as of {data.as_of}\"")
    print(f"Then 'make verify QUARTER={args.quarter}' re-validates it.")


def _violations(project: Project, args: argparse.Namespace) -> None:
    from . import violations

    written = violations.write_violations(project, args.quarter)
    print(f"violations: {project.relative(written)} (rebuilt from every results record of the series)")


SHARING_VIOLATIONS = (32, 33)  # Windows: the file is open in another program (Excel holds what it opened)


def fault(error: OSError) -> str:
    """What went wrong outside the package, where, and what to do; an interrupted run leaves nothing half-written
    (an archive or record is renamed into place only once complete, every file written under a temporary name)."""
    where = f" ({error.filename})" if error.filename else ""
    left = ("Nothing half-written was left: an archive or a record is renamed into place only once complete, so "
            "nothing was archived or appended by the step that failed. ")
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or "No space left" in str(error):
        return (f"the disk is full{where}: 磁盘已满。{left}Free space on that disk (or move the project to one with "
                "room), then run the same command again; 'make verify' shows what is in place.")
    if getattr(error, "winerror", None) in SHARING_VIOLATIONS:
        return (f"a file is open in another program{where}: 文件正被其他程序打开（如 Excel、WPS）。"
                f"{left}Close it there, then run the same command again.")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"this may not write here{where}: 无写入权限（{error.strerror}）。"
                f"{left}Run it in a folder you may write to, or ask "
                "for write access to this one, then run the same command again.")
    return f"{error.strerror or error}{where}. {left}Fix the cause, then run the same command again."


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="zhanhe-audit", description=__doc__.splitlines()[0])
    main.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: the current folder)")
    commands = main.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("freeze", _freeze, "record the registers' hashes and counts before the seed exists"),
        ("draw", _draw, "draw the quarter into outputs/<quarter>/ (once; never repeated)"),
        ("verify", _verify, "re-check an archived quarter: hashes, chain, freeze order, and the draw recomputed"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("quarter", nargs="?", default=DEMO_QUARTER, help=f"e.g. 2026Q1 (default {DEMO_QUARTER})")
        command.set_defaults(handler=handler)
        if name == "verify":
            command.add_argument("--seed", help="the seed as it was announced: compared with the archived one, "
                                 "character for character")
            command.add_argument("--head", help="the chain head (a manifest's SHA-256) as it was last announced: it "
                                 "must be the archive's head or a manifest before it on the chain")
            command.add_argument("--no-pages", action="store_true", help="a quicker check: do not run the notebooks "
                                 "again (fairness/*.csv and the pages are then named as not checked)")
        if name == "draw":
            command.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                                 help="what runs draw.sql: DuckDB (default) or Apache Spark "
                                 "(pip install -e '.[spark]'; "
                                 "SPARK_REMOTE or spark.master for a cluster); the archive is the same")
    text = "replace a drawn entity found out of scope by the next reserve of its stratum (appended to the archive)"
    command = commands.add_parser("replace", help=text, description=text)
    command.add_argument("quarter", help="e.g. 2026Q1")
    command.add_argument("uscc", help="the drawn entity's unified social credit code")
    command.add_argument("--reason", required=True,
                         help="why it is out of scope (deregistered, no such business, unreachable...), for the record")
    command.set_defaults(handler=_replace)
    text = "write the fill-in results form (.xlsx) of a drawn quarter: one row per visit and item, no grade"
    command = commands.add_parser("results-form", help=text, description=text)
    command.add_argument("quarter", nargs="?", default=DEMO_QUARTER, help=f"e.g. 2026Q1 (default {DEMO_QUARTER})")
    command.set_defaults(handler=_results_form)
    text = "record the results of a filled form (appended to the archive) and write public/<quarter>/"
    command = commands.add_parser("results", help=text, description=text)
    command.add_argument("quarter", help="e.g. 2026Q1")
    command.add_argument("file", type=Path, help="the filled form: .xlsx, or CSV (UTF-8, UTF-8 with BOM or GBK)")
    command.add_argument("--as-of", help="the date the results are as of, e.g. 2026-12-31 (default: today); "
                         "deadlines and overdue publications are decided by it, never by the clock")
    command.set_defaults(handler=_results)
    text = "write params/calendar/YEAR.yaml from the State Council's holiday notice for YEAR (.txt or saved .html)"
    command = commands.add_parser("calendar", help=text, description=text)
    command.add_argument("year", type=int, help="e.g. 2027")
    command.add_argument("notice", type=Path,
                         help="the notice: its text pasted into a .txt file, or the web page saved as .html")
    command.set_defaults(handler=_calendar)
    text = ("stage params/QUARTER.yaml in git without its seed (the file keeps it), so that the freeze can be "
            "committed before the seed")
    command = commands.add_parser("stage-without-seed", help=text, description=text)
    command.add_argument("quarter", help="e.g. 2027Q1")
    command.set_defaults(handler=_stage_without_seed)
    text = "write the reviewer's verifier page for archives drawn before it was part of them"
    command = commands.add_parser("verifier-page", help=text, description=text)
    command.add_argument("out", type=Path, help="where to write it, e.g. outputs/verify-page.html (never over a file)")
    command.set_defaults(handler=_verifier_page)
    text = ("rebuild outputs/violations.csv (findings, penalties, abnormal-list entries per entity) from every "
            "results record")
    command = commands.add_parser("violations", help=text, description=text)
    command.add_argument("quarter", nargs="?", default=DEMO_QUARTER,
                         help="any quarter of the series (real or demo) to rebuild the file of")
    command.set_defaults(handler=_violations)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = Project(args.root.resolve())
    try:
        if hasattr(args, "quarter"):
            parse_quarter(args.quarter)
        status = args.handler(project, args)
    except ZhanheError as error:
        print(f"错误 Error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the disk, the folder or another program, not the inputs: said in words, no traceback
        print(f"错误 Error: {fault(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
