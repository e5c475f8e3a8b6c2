"""SHA-256 of files, texts and bytes, as hex: what the freeze, the manifests and the hash chain record (and any digest
of a file, fed in the same blocks: git's object ids, gitorder.object_id).

A file is read in blocks (a register of any size); one that cannot be read is an ``ArchiveError`` naming it.
The draw's own messages (protocol v1, "Ticket") are hashed in ``formulas`` and, as columns, by ``draw.sql``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import ArchiveError


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks (registers of any size); ``ArchiveError`` when it cannot be read."""
    return file_digest(path, hashlib.sha256())


def file_digest(path: Path, digest) -> str:
    """``digest`` (a hashlib object, perhaps fed a header already) updated with the file's bytes, read in blocks,
    as hex; ``ArchiveError`` when the file cannot be read."""
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise ArchiveError(f"{path.name} cannot be read: {error.strerror or error}") from None
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """SHA-256 of the UTF-8 bytes of ``text`` (as a file written from it would have)."""
    return sha256_bytes(text.encode("utf-8"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
