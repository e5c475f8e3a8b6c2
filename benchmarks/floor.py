"""The draw's floor, measured in the same run as the draw (``make bench``): hashing + sorting + writing.

``floor.c``, compiled here with the system's ``cc`` against libcrypto, does each part of the draw's work with no
interpreter call per message, on every core, on the same messages as the bench's draw (``bench.strata``):

- hashing: SHA-256 of ``seed ⏎ task ⏎ USCC`` for every entity;
- sorting: one sort of the hashed rows, (stratum, ticket, USCC);
- writing: as many bytes as the draw's ``tickets.csv``.

The floor is their sum; ``bench.md`` gives the draw's ratio to it. Where ``cc`` or OpenSSL's headers are
missing (Debian: ``apt-get install gcc libssl-dev``), the floor is not measured and the table says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from scratch import OUT, SEED

SOURCE = Path(__file__).with_name("floor.c")
PARTS = ("floor: SHA-256 of the messages (C, libcrypto, all cores)",
         "floor: one sort of the hashed rows (C, all cores)", "floor: writing tickets.csv's bytes")
FLOOR = "floor: hashing + sorting + writing"


def build() -> Path | str:
    """The compiled floor, or why it cannot be built here."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return "no C compiler (apt-get install gcc)"
    target = OUT / "floor"
    OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([compiler, "-O2", "-pthread", str(SOURCE), "-o", str(target), "-lcrypto"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "cc failed"
        return f"floor.c does not build here ({why}; apt-get install libssl-dev)"
    return target


def measure(program: Path, strata: list[tuple[str, list[str], int]], size: int) -> tuple[float, float, float]:
    """Seconds of hashing, sorting and writing ``size`` bytes, for the entities of ``strata`` (bench.strata)."""
    with tempfile.TemporaryDirectory(prefix="zhanhe-floor-") as scratch:
        codes = Path(scratch) / "codes"
        codes.write_bytes(b"".join(code.encode("ascii") for _, members, _ in strata for code in members))
        sizes = "\n".join(str(len(members)) for _, members, _ in strata)
        command = [str(program), str(codes), f"{SEED}\n2027Q1-T01\n", str(size), str(Path(scratch) / "out")]
        done = subprocess.run(command, input=sizes, capture_output=True, text=True, check=True)
    hashing, sorting, writing = (float(value) for value in done.stdout.split()[:3])
    return hashing, sorting, writing


def rows(program: Path | str, strata: list[tuple[str, list[str], int]], count: int, size: int) -> list[dict]:
    """The floor's lines of bench.csv for ``count`` entities (the three parts and their sum)."""
    if not isinstance(program, Path):
        print(f"the floor is not measured: {program}")
        return []
    parts = measure(program, strata, size)
    found = [{"what": label, "entities": count, "seconds": seconds, "peak_mb": float("nan")}
             for label, seconds in zip(PARTS, parts, strict=True)]
    found.append({"what": FLOOR, "entities": count, "seconds": sum(parts), "peak_mb": float("nan")})
    for row in found:
        print(f"{row['what']:<32} {count:>12,} {row['seconds']:8.2f} s")
    return found
