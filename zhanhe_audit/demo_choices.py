"""The demo's deterministic choices: every choice of the demo generator comes from SHA-256 of a text key (see
``draw``) reduced with integer modulo and integer thresholds. The ``random`` module, numpy and floating point are
not used, so the demo's files are byte-identical on every platform and Python version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def draw(*key: object) -> int:
    """A 64-bit integer derived from ``key`` by SHA-256."""
    text = "zhanhe-demo\n" + "\n".join(map(str, key))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def choice(options: Sequence[T], *key: object) -> T:
    return options[draw(*key) % len(options)]


def weighted(options: Sequence[tuple[T, int]], *key: object) -> T:
    """One of ``options`` (value, integer weight) in proportion to the weights."""
    point = draw(*key) % sum(weight for _, weight in options)
    for value, weight in options:
        if point < weight:
            return value
        point -= weight
    raise AssertionError("unreachable")


def percent(*key: object) -> int:
    """An integer in 0..99."""
    return draw(*key) % 100
