"""Writing evidence: atomic, never overwriting.

A file is written to a temporary name in its folder and then hard-linked
to its final name, which fails when that name exists: nothing is ever
overwritten and a reader never sees half a file. A whole archive folder is
built under a temporary name and renamed into place in one step, so an
interrupted run (Ctrl-C, kill) leaves no partial archive.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from .errors import ArchiveError, DrawRefused

PARTIAL = ".partial-"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """SHA-256 of the UTF-8 bytes of ``text`` (as a file written from it would have)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV as the archive writes it: UTF-8, no BOM, LF line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_new(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically; refuse when ``path`` exists."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}{PARTIAL}{os.getpid()}")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise DrawRefused(f"{path} exists already; evidence is never overwritten") from None
    finally:
        temporary.unlink(missing_ok=True)


def partials(outputs: Path) -> list[Path]:
    """What runs left under temporary names: draws being built (``outputs/.<quarter>.partial-<pid>``)
    and records being built (``outputs/<quarter>/records/.<record>.partial-<pid>``)."""
    if not outputs.is_dir():
        return []
    places = [outputs, *(folder / "records" for folder in archives(outputs))]
    return sorted(path for place in places if place.is_dir() for path in place.iterdir()
                  if path.name.startswith(".") and PARTIAL in path.name)


def archives(outputs: Path) -> list[Path]:
    """The quarters' archive folders under ``outputs`` (never a temporary folder), in name order."""
    if not outputs.is_dir():
        return []
    return sorted(path for path in outputs.iterdir() if path.is_dir() and not path.name.startswith("."))


@contextlib.contextmanager
def exclusive(outputs: Path, progress: Callable[[str], None] = lambda line: None) -> Iterator[None]:
    """Hold ``outputs`` for one run that writes evidence (a draw or an appended record).

    The lock is an advisory ``flock`` on the ``outputs`` folder itself: the operating system
    releases it when the process ends, however it ends (Ctrl-C, ``kill -9``, power loss), so
    no lock file is ever left behind. While one run holds it, a second run refuses. Once a
    run holds it, every temporary folder under ``outputs`` belongs to a run that is gone: it
    was never an archive or a record, and is removed, each with one line of ``progress``.
    """
    outputs.mkdir(parents=True, exist_ok=True)
    handle = os.open(outputs, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = ", ".join(path.relative_to(outputs.parent).as_posix() for path in partials(outputs))
            raise DrawRefused(f"another run is writing evidence under {outputs.name}/ right now"
                              + (f" (building {busy})" if busy else "")
                              + "; wait until it has finished, then run this again") from None
        for path in partials(outputs):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            progress(f"removed {path.relative_to(outputs.parent).as_posix()}: left by a run that was killed "
                     "before it finished; it was never an archive or a record")
        yield
    finally:
        os.close(handle)


@contextlib.contextmanager
def building(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``final`` in one rename when the block succeeds.

    Call it inside ``exclusive``, which removes what killed runs left behind.
    """
    if final.exists():
        raise DrawRefused(f"{final} exists already; an archive is never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}{PARTIAL}{os.getpid()}")
    temporary.mkdir()
    try:
        yield temporary
        if final.exists():
            raise DrawRefused(f"{final} appeared while this run was building it; nothing was changed")
        os.rename(temporary, final)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)


# --- manifests and the hash chain -----------------------------------------------------------
#
# Every record of evidence (a quarter's draw, and any record appended later) has a
# manifest.json listing the SHA-256 of each of its files, and SHA256SUMS, the same list in
# the format 'sha256sum -c' reads. manifest.json.sha256 holds the manifest's own hash. Each
# manifest names the previous manifest of its series (demo or real quarters) by path and
# SHA-256, so the manifests form one chain from the first quarter on.

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "zhanhe-manifest-1"
SUMS = "SHA256SUMS"


def series(quarter: str) -> str:
    return "demo" if quarter.startswith("demo-") else "real"


def manifest_paths(outputs: Path, series_name: str) -> list[Path]:
    """Every manifest of a series under ``outputs`` (draws and appended records)."""
    found = []
    for folder in archives(outputs):
        if series(folder.name) == series_name:
            found += [folder / MANIFEST] if (folder / MANIFEST).is_file() else []
            found += sorted((folder / "records").glob(f"[0-9]*/{MANIFEST}"))
    return found


def chain_head(outputs: Path, series_name: str) -> dict | None:
    """The latest manifest of the series (the one no other names as previous), or None."""
    manifests = manifest_paths(outputs, series_name)
    if not manifests:
        return None
    hashes = {path: sha256_file(path) for path in manifests}
    named = set()
    for path in manifests:
        previous = json.loads(path.read_text(encoding="utf-8")).get("previous")
        if previous:
            named.add(previous["sha256"])
    heads = [path for path in manifests if hashes[path] not in named]
    if len(heads) != 1:
        shown = ", ".join(path.relative_to(outputs).as_posix() for path in heads) or "none"
        raise ArchiveError(f"the chain of {series_name} manifests under {outputs} does not end in one manifest "
                           f"(ends: {shown}); run 'make verify' on each quarter")
    return {"path": heads[0].relative_to(outputs).as_posix(), "sha256": hashes[heads[0]]}


def code_version(root: Path) -> dict:
    """The git commit of the checkout (and whether it had uncommitted changes), else the package version."""
    from importlib.metadata import version

    found = {"package": version("zhanhe-audit")}
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

    packages = {}
    for name in ("papermill", "nbconvert", "nbformat", "ipykernel", "pandas", "numpy", "matplotlib",
                 "pyyaml", "openpyxl", "mplfonts"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "packages": packages}


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` (relative POSIX paths)."""
    return {path.relative_to(folder).as_posix(): sha256_file(path) for path in sorted(folder.rglob("*")) if path.is_file()}


def write_manifest(folder: Path, record_folder: Path, *, kind: str, quarter: str, protocol: str,
                   previous: dict | None, root: Path, files: dict[str, str]) -> str:
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
        "format": MANIFEST_FORMAT,
        "kind": kind,
        "quarter": quarter,
        "series": series(quarter),
        "protocol": protocol,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code": code_version(root),
        "environment": environment(),
        "previous": previous,
        "files": dict(sorted(files.items())),
        "sha256sums": sha256_file(record_folder / SUMS),
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    write_new(record_folder / MANIFEST, text)
    digest = sha256_file(record_folder / MANIFEST)
    write_new(record_folder / f"{MANIFEST}.sha256", f"{digest}  {MANIFEST}\n")
    return digest
