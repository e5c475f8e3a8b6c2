"""The checks of ``make verify`` on the archive's seals: the draw's manifest against its own hash ('manifest'), every
archived file against the manifest and SHA256SUMS of the draw or of the record that lists it, and nothing unlisted
('files'), and every listed file one the archive format accounts for ('accounted').
"""

from __future__ import annotations

from pathlib import Path

from . import freeze, text
from .errors import ZhanheError
from .evidence import accounting
from .evidence.manifest import Manifest, read, read_sealed
from .evidence.records import shown
from .hashing import sha256_file
from .layout import INPUTS, MANIFEST, SEAL, SUMS
from .paths import Project
from .verify_check import Check

SEALS = (MANIFEST, SEAL, SUMS)


def check_files(folder: Path, record: Path, manifest: Manifest) -> list[str]:
    """Problems with the files a record's manifest lists (paths relative to ``folder``)."""
    problems = []
    for name, digest in manifest.files.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name} does not match its SHA-256 in the manifest: it was changed")
    sums = record / SUMS
    if not sums.is_file() or sha256_file(sums) != manifest.sha256sums:
        problems.append(f"{sums.relative_to(folder).as_posix()} is missing or does not match the manifest")
    return problems


def _unlisted(folder: Path, manifests: list[Manifest], records: list[Path]) -> list[str]:
    listed = {name for manifest in manifests for name in manifest.files}
    for record in [folder, *records]:
        prefix = record.relative_to(folder).as_posix()
        listed |= {name if prefix == "." else f"{prefix}/{name}" for name in SEALS}
    present = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    return sorted(present - listed)


def sealed(folder: Path, records: list[Path]) -> list[Check]:
    """The 'manifest' and 'files' checks (only 'manifest' when the quarter's own manifest fails)."""
    try:
        manifest, _ = read_sealed(folder)
    except ZhanheError as error:
        return [Check("manifest", "FAIL", str(error))]
    found = [Check("manifest", "PASS", f"{MANIFEST} matches {SEAL}")]
    manifests = [manifest]
    problems = check_files(folder, folder, manifest)
    for record in records:
        try:
            entry, _ = read_sealed(record)
        except ZhanheError as error:
            problems.append(f"{record.relative_to(folder).as_posix()}: {error}")
            continue
        manifests.append(entry)
        problems += check_files(folder, record, entry)
    problems += [f"{name} is in the archive but in no manifest" for name in _unlisted(folder, manifests, records)]
    count = sum(len(entry.files) for entry in manifests)
    found.append(Check("files", "FAIL", "; ".join(problems)) if problems else
                 Check("files", "PASS",
                       f"{count} files match their SHA-256 in {len(manifests)} manifest(s) and SHA256SUMS"))
    return found


def accounted(folder: Path, quarter_name: str, records: list[Path]) -> Check:
    """Every listed file is one the archive format accounts for (``evidence.accounting``)."""
    listed = {name for manifest in [read(folder / MANIFEST, MANIFEST),
                                    *(read(record / MANIFEST, f"{shown(record)}/{MANIFEST}") for record in records)]
              for name in manifest.files}
    try:
        registers = freeze.read_record(Project(folder / INPUTS).freeze_file(quarter_name), quarter_name).registers
    except ZhanheError as error:
        return Check("accounted", "FAIL", f"the freeze record cannot be read, so the registers it names are unknown: "
                     f"{error}")
    strangers = accounting.unaccounted(listed, quarter_name, (entry["path"] for entry in registers.values()))
    if strangers:
        return Check("accounted", "FAIL", f"{', '.join(text.visible(name) for name in strangers)}: "
                     "listed in a manifest, but no file of this kind belongs in an archive (docs/archive.md): "
                     "nothing recomputes or proves it")
    return Check("accounted", "PASS", f"each of the {len(listed)} listed files is an input proved by the freeze, "
                 "a file recomputed byte for byte, a page rendered from those, a verifier or a seal (docs/archive.md)")
