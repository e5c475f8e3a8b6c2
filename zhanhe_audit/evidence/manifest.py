"""Manifests and the hash chain.

Every record of evidence (a quarter's draw, and any record appended later) has a
manifest.json listing the SHA-256 of each of its files, and SHA256SUMS, the same list in
the format 'sha256sum -c' reads. manifest.json.sha256 holds the manifest's own hash. Each
manifest names the previous manifest of its series (demo or real quarters) by path and
SHA-256, so the manifests form one chain from the first quarter on. ``walk_chain`` is the
one walk along it.
"""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ArchiveError
from ..hashing import sha256_file
from ..layout import MANIFEST, RECORDS, SEAL, SUMS
from .store import archives, read_text, write_new

FORMAT = "zhanhe-manifest-1"


def series(quarter: str) -> str:
    return "demo" if quarter.startswith("demo-") else "real"


@dataclass(frozen=True)
class Link:
    """A manifest's name for the previous manifest of its series."""

    path: str  # relative to outputs/
    sha256: str


@dataclass(frozen=True)
class Manifest:
    kind: str  # "draw", or the kind of an appended record
    quarter: str
    protocol: str
    previous: Link | None
    files: dict[str, str]  # archive path -> SHA-256
    sha256sums: str  # SHA-256 of SHA256SUMS

    @classmethod
    def from_json(cls, text: str, shown: str) -> Manifest:
        """A manifest from its JSON; ``ArchiveError`` naming ``shown`` when it is not one."""
        try:
            data = json.loads(text)
            previous = data["previous"]
            files = data["files"]
            fields = (data["kind"], data["quarter"], data["protocol"], data["sha256sums"])
            if not (isinstance(files, dict) and all(isinstance(value, str) for value in (*fields, *files.values()))):
                raise TypeError("a field has the wrong type")
            link = None if previous is None else Link(str(previous["path"]), str(previous["sha256"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ArchiveError(f"{shown} is not a zhanhe-audit manifest ({error!r})") from None
        return cls(*fields[:3], link, dict(files), fields[3])


def read(path: Path, shown: str) -> Manifest:
    return Manifest.from_json(read_text(path, shown), shown)


def read_sealed(folder: Path) -> tuple[Manifest, str]:
    """The manifest of a draw or record folder, checked against its seal; (manifest, its SHA-256)."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ArchiveError(f"{MANIFEST} is missing")
    digest = sha256_file(path)
    sealed = folder / SEAL
    if not sealed.is_file():
        raise ArchiveError(f"{SEAL} is missing")
    seal = sealed.read_bytes().decode("utf-8", errors="replace")
    if seal.split()[0:1] != [digest]:
        raise ArchiveError(f"{MANIFEST} has SHA-256 {digest}, not the one in {SEAL}: it was changed")
    if seal != f"{digest}  {MANIFEST}\n":
        raise ArchiveError(f"{SEAL} should hold only the line '{digest}  {MANIFEST}' "
                           "(as written by the draw and read by 'sha256sum -c'): it was changed")
    return read(path, MANIFEST), digest


def code_version(root: Path) -> dict:
    """The git commit of the checkout (and whether it had uncommitted changes), else the package version."""
    from importlib.metadata import version

    found: dict[str, object] = {"package": version("zhanhe-audit")}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, check=True)
        found["git_commit"] = commit.stdout.strip()
        found["git_uncommitted_changes"] = bool(status.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        found["git_commit"] = None
    return found


def environment() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    packages: dict[str, str | None] = {}
    for name in ("papermill", "nbconvert", "nbformat", "ipykernel", "pandas", "numpy", "matplotlib",
                 "pyyaml", "openpyxl", "mplfonts"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "packages": packages}


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` (relative POSIX paths)."""
    return {path.relative_to(folder).as_posix(): sha256_file(path) for path in sorted(folder.rglob("*"))
            if path.is_file()}


def write_manifest(folder: Path, record_folder: Path, *, kind: str, quarter: str, protocol: str,
                   previous: Link | None, root: Path, files: dict[str, str]) -> str:
    """Write SHA256SUMS, manifest.json and manifest.json.sha256 into ``record_folder``; return the manifest's hash.

    ``files`` are paths relative to ``folder`` (the quarter's archive) with their hashes, all inside
    ``record_folder``: SHA256SUMS names them relative to it, so ``sha256sum -c`` works there.
    """
    prefix = record_folder.relative_to(folder).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    outside = sorted(name for name in files if not name.startswith(prefix))
    if outside:
        raise ValueError(f"a manifest of {prefix or 'the archive'} cannot list files outside it: {outside}")
    sums = "".join(f"{digest}  {name[len(prefix):]}\n" for name, digest in sorted(files.items()))
    write_new(record_folder / SUMS, sums)
    manifest = {
        "format": FORMAT,
        "kind": kind,
        "quarter": quarter,
        "series": series(quarter),
        "protocol": protocol,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(root),
        "environment": environment(),
        "previous": None if previous is None else {"path": previous.path, "sha256": previous.sha256},
        "files": dict(sorted(files.items())),
        "sha256sums": sha256_file(record_folder / SUMS),
    }
    write_new(record_folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    digest = sha256_file(record_folder / MANIFEST)
    write_new(record_folder / SEAL, f"{digest}  {MANIFEST}\n")
    return digest


def manifest_paths(outputs: Path, series_name: str) -> list[Path]:
    """Every manifest of a series under ``outputs`` (draws and appended records)."""
    found = []
    for folder in archives(outputs):
        if series(folder.name) == series_name:
            found += [folder / MANIFEST] if (folder / MANIFEST).is_file() else []
            found += sorted((folder / RECORDS).glob(f"[0-9]*/{MANIFEST}"))
    return found


def chain_head(outputs: Path, series_name: str) -> Link | None:
    """The latest manifest of the series (the one no other names as previous), or None."""
    manifests = manifest_paths(outputs, series_name)
    if not manifests:
        return None
    hashes = {path: sha256_file(path) for path in manifests}
    named = set()
    for path in manifests:
        previous = read(path, path.relative_to(outputs).as_posix()).previous
        if previous:
            named.add(previous.sha256)
    heads = [path for path in manifests if hashes[path] not in named]
    if len(heads) != 1:
        shown = ", ".join(path.relative_to(outputs).as_posix() for path in heads) or "none"
        raise ArchiveError(f"the chain of {series_name} manifests under {outputs} does not end in one manifest "
                           f"(ends: {shown}); run 'make verify' on each quarter")
    return Link(heads[0].relative_to(outputs).as_posix(), hashes[heads[0]])


@dataclass(frozen=True)
class Step:
    """One manifest met on the chain."""

    path: str  # relative to outputs/
    manifest: Manifest


def walk_chain(outputs: Path, start: str, checked: bool = True) -> list[Step]:
    """The manifests from ``start`` (a path relative to ``outputs``) back to the first of the series,
    newest first. With ``checked``, each earlier manifest must have the SHA-256 its successor
    recorded. Raises ``ArchiveError`` naming where the chain breaks (missing, changed, a loop)."""
    path = outputs / start
    if not path.is_file():
        raise ArchiveError(f"{start} is missing, so the chain cannot start from it")
    steps = [Step(start, read(path, start))]
    while steps[-1].manifest.previous:
        name, link = steps[-1].path, steps[-1].manifest.previous
        if any(step.path == link.path for step in steps):
            raise ArchiveError(f"{name} names {link.path} as the previous manifest, which comes later in the chain: "
                               "the chain loops")
        previous = outputs / link.path
        if not previous.is_file():
            raise ArchiveError(f"{name} names {link.path} as the previous manifest, and it is missing: an earlier "
                               "quarter or record was deleted or moved")
        if checked and sha256_file(previous) != link.sha256:
            raise ArchiveError(f"{link.path} does not have the SHA-256 that {name} recorded: it was changed")
        steps.append(Step(link.path, read(previous, link.path)))
    return steps
