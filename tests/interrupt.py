"""Run ``zhanhe-audit draw`` and SIGKILL it at a chosen point: the tests' way of pulling the plug.

    python tests/interrupt.py POINT ROOT QUARTER

POINT is where the process kills itself with SIGKILL (nothing is cleaned up, as with
``kill -9`` or a power cut):

- a notebook's stem, e.g. ``02-match``: while papermill runs that notebook, just before
  its fourth cell is sent to the kernel (the kernel has run the imports and opened the step);
- ``html``: during the HTML export, after the first page was written;
- ``manifest``: while the manifest is written, after SHA256SUMS and before manifest.json.

``wait:manifest`` does not kill: it runs the engine's draw alone (no notebooks, fast) and
stops at the same point until the file ROOT/go exists, so a test can try a second run
while this one holds ``outputs/``.

Only the test process is patched; the package has no hook for this.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from papermill.clientwrap import PapermillNotebookClient

from zhanhe_audit import cli, engine, workbook
from zhanhe_audit.evidence import manifest
from zhanhe_audit.layout import MANIFEST
from zhanhe_audit.paths import Project

CELL = 3  # 0-based: the fourth cell, after the parameters, the injected parameters and the step's opening


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def at_notebook(stem: str) -> None:
    original = PapermillNotebookClient.execute_cell

    def execute_cell(self, cell, cell_index, *args, **kwargs):
        source = self.nb.metadata.get("papermill", {}).get("input_path", "")
        if Path(source).stem == stem and cell_index == CELL:
            print(f"KILLED inside {stem}.ipynb at cell {cell_index}")
            die()
        return original(self, cell, cell_index, *args, **kwargs)

    PapermillNotebookClient.execute_cell = execute_cell


def at_html() -> None:
    original = workbook.export_html
    written = []

    def export_html(notebook, target):
        if written:
            print(f"KILLED during the HTML export, after {written[0]}")
            die()
        original(notebook, target)
        written.append(target.name)

    workbook.export_html = export_html


def at_manifest(wait: bool, root: Path) -> None:
    original = manifest.write_new

    def write_new(path, data):
        if path.name == MANIFEST:
            if wait:
                print("WAITING at the manifest", flush=True)
                while not (root / "go").exists():
                    time.sleep(0.05)
            else:
                print("KILLED while the manifest was written, after SHA256SUMS")
                die()
        original(path, data)

    manifest.write_new = write_new


def main(point: str, root: str, quarter: str) -> int:
    if point == "wait:manifest":
        at_manifest(True, Path(root))
        engine.draw_quarter(Project(Path(root)), quarter)
        return 0
    if point == "html":
        at_html()
    elif point == "manifest":
        at_manifest(False, Path(root))
    else:
        at_notebook(point)
    return cli.main(["--root", root, "draw", quarter])


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
