"""What is announced, and compared (draw protocol v1, "Clarifications of v1").

Three values anchor an archive outside it: the seed (announced with its provenance when it is
fixed), the draw manifest's digest (announced when the draw is archived: ``make draw`` prints
it) and the chain head, the latest manifest's digest (announced with every later publication:
``make replace`` and ``make results`` print it, and the public files state the head they were
made from). A verifier shows the three at the top of its verdict and, given the announced
values, compares them byte for byte. An announced head must be the archive's head or one of
its ancestors on the chain: a record deleted from the middle and the chain relinked leaves an
earlier announced head off the chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ZhanheError
from .evidence.manifest import read, walk_chain
from .evidence.records import DrawRecord, record_folders, shown
from .evidence.store import read_text
from .hashing import sha256_file
from .layout import MANIFEST
from .seed import normalise_seed, seed_hidden
from .text import code_point, first_difference, visible


@dataclass(frozen=True)
class Head:
    path: str  # relative to outputs/
    sha256: str
    records: int  # records appended to the quarter
    created_at: str  # when the manifest was written


@dataclass(frozen=True)
class Anchors:
    """The three values of an archive a reviewer compares with what was announced."""

    seed: str
    draw: str  # SHA-256 of the draw's manifest.json
    head: Head  # the quarter's latest manifest

    def lines(self) -> list[str]:
        return [f"  seed           {visible(self.seed)}",
                f"  draw manifest  {self.draw}",
                f"  chain head     {self.head.sha256}  ({self.head.path}; {self.head.records} record(s); "
                f"written {self.head.created_at})"]


def anchors(outputs: Path, quarter: str) -> Anchors:
    """The archive's seed, draw manifest digest and head; ``ZhanheError`` when they cannot be read."""
    folder = outputs / quarter
    records = record_folders(folder)
    latest = records[-1] / MANIFEST if records else folder / MANIFEST
    relative = latest.relative_to(outputs).as_posix()
    created = _created_at(latest, relative)
    return Anchors(DrawRecord.read(folder).seed, sha256_file(folder / MANIFEST),
                   Head(relative, sha256_file(latest), len(records), created))


def _created_at(path: Path, shown_as: str) -> str:
    try:
        return str(json.loads(read_text(path, shown_as)).get("created_at", ""))
    except ValueError:
        return ""


def seed_problem(seed: str) -> str | None:
    """Why an archived seed is not one the protocol accepts for display, or None (no hidden characters)."""
    found = seed_hidden(seed)
    if not found:
        return None
    return ("the seed holds characters that cannot be seen (protocol v1, 'Clarifications of v1'): "
            + "; ".join(f"{code_point(char)} at character {at}" for at, char in found)
            + f"; shown with them made visible: {visible(seed)}")


def compare_seed(announced: str, archived: str) -> str | None:
    """None when the announced seed is the archived one byte for byte (after the protocol's normalisation of
    the announced text: NFC, surrounding white space), else where they first differ."""
    given = normalise_seed(announced)
    if given == archived:
        return None
    return ("the announced seed differs from the archived one at "
            f"{first_difference(given, archived, ('announced', 'archived'))}"
            f" (announced: {visible(given)}; archived: {visible(archived)})")


def compare_head(outputs: Path, quarter: str, announced: str) -> str | None:
    """None when ``announced`` (a SHA-256) is the quarter's head or a manifest before it on the chain, else why."""
    given = announced.strip().lower()
    found = anchors(outputs, quarter)
    if given == found.head.sha256:
        return None
    try:
        steps = walk_chain(outputs, found.head.path)
    except ZhanheError as error:
        return f"the chain cannot be followed to look for the announced head: {error}"
    for step in steps[1:]:
        if sha256_file(outputs / step.path) == given:
            return None
    close = min((sha256_file(outputs / step.path) for step in steps), key=lambda digest: _distance(digest, given))
    return (f"the announced head {visible(announced.strip())} is neither this archive's head {found.head.sha256} nor "
            f"a manifest before it on the chain ({len(steps)} manifest(s) back to the first): a manifest was changed "
            f"or removed since it was announced, or it is a later quarter's head (verify that quarter); nearest: "
            f"{close} ({first_difference(given, close, ('announced', 'found'))})")


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def head_of(record: Path) -> str:
    """The chain head a record was made from: the manifest its own manifest names as previous."""
    previous = read(record / MANIFEST, f"{shown(record)}/{MANIFEST}").previous
    return "" if previous is None else previous.sha256
