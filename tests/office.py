"""Drive LibreOffice Calc as a user would, for tests/test_office.py.

Run by the system Python (``/usr/bin/python3 tests/office.py < job.json``), not the project's venv:
LibreOffice's Python bridge (``uno``, Debian's ``python3-uno``) is built for the system interpreter and
cannot be installed into a venv. So this script imports nothing from the project and nothing outside the
standard library but ``uno``; it takes its job as JSON on stdin and prints, as JSON on stdout, what it saw.

It starts one ``soffice --headless`` with a fresh profile (``profile`` in the job) listening on a pipe of its
own, in a process group of its own whose id it writes to ``group_file``; connects through the UNO URL
resolver; does each document of the job in turn; and always ends LibreOffice: ``Desktop.terminate()``, then
SIGKILL to that process group (soffice is a launcher: ``oosplash`` starts ``soffice.bin``), which is gone by
then unless LibreOffice hung. Should this script itself hang in a call into LibreOffice, the test kills it
and that process group, by the id in ``group_file``. No stray process either way.

A job::

    {"profile": "/tmp/.../profile",
     "group_file": "/tmp/.../soffice.pgid",
     "documents": [
       {"open": "/path/results-form.xlsx",
        "filter": "…", "options": "…",                 # optional: import filter and its FilterOptions
        "sheet": "检查结果",                            # the sheet edited and read (default: the first)
        "type": {"I2": "2026-02-02"},                  # as typed into the cell: ``setFormula`` (Enter)
        "pick": {"L2": ["未发现问题"]},                 # chosen from the cell's drop-down list; several
                                                       # values are entered joined with "；"
        "read": true,                                  # report every cell of the used area
        "save": [{"path": "/path/out.xlsx", "filter": "Calc MS Excel 2007 XML", "options": ""}]}]}

The answer, one object per document: ``lists`` (for each picked cell, the validation's type, its source
range as LibreOffice writes it, and the list as LibreOffice shows it), ``typed`` (for each typed cell, what
LibreOffice made of it: ``VALUE``, ``TEXT`` or ``FORMULA``, and the text it shows) and, with ``read``, ``cells``
(the used area, rows of ``[type, shown text]``). A value that is not in the cell's list cannot be picked: the
answer is then ``{"refused": …}`` and the exit status 1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import uno  # the system Python's, from Debian's python3-uno
from com.sun.star.beans import PropertyValue

JOIN = "；"  # the form's separator between several categories in one cell
STOP_WAIT = 15  # seconds LibreOffice gets to end after terminate() before it is killed
CONNECT_WAIT = 60  # seconds for a fresh profile's first start
# LibreOffice's locale decides which typed text it takes for a date: pinned to the C locale (LibreOffice's en-US,
# what a clean Debian has), so that every machine sees the same.
LOCALE = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "LANGUAGE": ""}


class Refused(Exception):
    """The job asks for something a user could not do (a value not in the drop-down list)."""


def props(**values: object) -> tuple:
    found = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        found.append(prop)
    return tuple(found)


def start(profile: str, group_file: str) -> tuple[subprocess.Popen, str]:
    pipe = f"zhanhe-office-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    command = ["soffice", f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck", f"--accept=pipe,name={pipe};urp;"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env={**os.environ, **LOCALE})
    with open(group_file, "w", encoding="ascii") as file:
        file.write(f"{process.pid}\n")  # a new session: its process group id is the launcher's pid
    return process, pipe


def connect(process: subprocess.Popen, pipe: str):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    until = time.monotonic() + CONNECT_WAIT
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception as error:
            if process.poll() is not None:
                raise RuntimeError(f"soffice ended with code {process.returncode} before accepting a connection") \
                    from error
            if time.monotonic() > until:
                raise
            time.sleep(0.1)


def stop(process: subprocess.Popen, desktop) -> None:
    try:
        if desktop is not None:
            desktop.terminate()
    except Exception:
        pass  # the bridge goes away while LibreOffice ends: that is the normal end, too
    until = time.monotonic() + STOP_WAIT
    # Wait for the launcher without reaping it: while it is a zombie, its pid (the group's id) is not reused.
    while os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None \
            and time.monotonic() < until:
        time.sleep(0.05)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # soffice.bin and its launcher, should either be left
    except ProcessLookupError:
        pass
    process.wait()


def url(path: str) -> str:
    return uno.systemPathToFileUrl(os.path.abspath(path))


def source_cells(document, formula: str) -> list[str]:
    """The cells of a validation's source range, as LibreOffice shows them: ``$选项.$A$2:$A$10``."""
    sheet_name, _, cells = formula.rpartition(".")
    sheet_name = sheet_name.lstrip("$")
    if sheet_name.startswith("'") and sheet_name.endswith("'"):
        sheet_name = sheet_name[1:-1].replace("''", "'")
    area = document.Sheets.getByName(sheet_name).getCellRangeByName(cells.replace("$", ""))
    return [area.getCellByPosition(0, row).getString() for row in range(area.Rows.Count)]


def kind(cell) -> str:
    return cell.Type.value  # EMPTY, VALUE, TEXT or FORMULA


def do(desktop, job: dict) -> dict:
    load = {"Hidden": True}
    if job.get("filter"):
        load["FilterName"] = job["filter"]
    if job.get("options") is not None:
        load["FilterOptions"] = job["options"]
    document = desktop.loadComponentFromURL(url(job["open"]), "_blank", 0, props(**load))
    if document is None:
        raise RuntimeError(f"LibreOffice could not open {job['open']}")
    try:
        sheets = document.Sheets
        sheet = sheets.getByName(job["sheet"]) if job.get("sheet") else sheets.getByIndex(0)
        seen: dict = {"lists": {}, "typed": {}}
        for address, values in job.get("pick", {}).items():
            cell = sheet.getCellRangeByName(address)
            validation = cell.Validation
            formula = validation.getFormula1()
            offered = source_cells(document, formula)
            for value in values:
                if value not in offered:
                    raise Refused(f"{address}: '{value}' is not in the drop-down list {offered}")
            cell.setString(JOIN.join(values))  # a choice from the list enters its text
            seen["lists"][address] = {"type": validation.Type.value, "source": formula, "offered": offered}
        for address, text in job.get("type", {}).items():
            cell = sheet.getCellRangeByName(address)
            cell.setFormula(text)  # what typing the text and pressing Enter does
            seen["typed"][address] = {"type": kind(cell), "shown": cell.getString()}
        if job.get("read"):
            cursor = sheet.createCursor()
            cursor.gotoEndOfUsedArea(False)
            end = cursor.getRangeAddress()
            seen["cells"] = [[[kind(cell), cell.getString()]
                              for cell in (sheet.getCellByPosition(column, row) for column in range(end.EndColumn + 1))]
                             for row in range(end.EndRow + 1)]
        for target in job.get("save", []):
            document.storeToURL(url(target["path"]),
                                props(FilterName=target["filter"], FilterOptions=target.get("options", "")))
        return seen
    finally:
        document.close(True)


def main() -> int:
    job = json.load(sys.stdin)
    process, pipe = start(job["profile"], job["group_file"])
    desktop = None
    try:
        desktop = connect(process, pipe)
        answers = [do(desktop, document) for document in job["documents"]]
    except Refused as refused:
        print(json.dumps({"refused": str(refused)}, ensure_ascii=False))
        return 1
    finally:
        stop(process, desktop)
    print(json.dumps({"documents": answers}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
