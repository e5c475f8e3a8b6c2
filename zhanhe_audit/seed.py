"""The draw's seed as the params file gives it (draw protocol v1, "Seed"): its value, normalised (Unicode NFC,
then surrounding white space removed) and of at least ``SEED_MIN_DIGITS`` decimal digits, and its provenance
(how it was produced, when, who witnessed it); and the characters a seed may not hold ("Clarifications of v1":
no Unicode category Cc or Cf, no white space but U+0020), which the draw refuses.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .errors import ParamsError, Problem
from .text import code_point, hidden

SEED_MIN_DIGITS = 20  # protocol v1, "Seed": about 66 bits, as in 20-dice ceremonies
PROVENANCE_KEYS = ("method", "date", "witnesses")


@dataclass(frozen=True)
class Seed:
    value: str  # normalised: NFC, stripped
    provenance: dict[str, object]


def normalise_seed(raw: str) -> str:
    """Protocol v1, "Seed": Unicode NFC, then surrounding white space removed."""
    return unicodedata.normalize("NFC", raw).strip()


def seed_hidden(seed: str) -> list[tuple[int, str]]:
    """The characters a seed may not hold (protocol v1, "Clarifications of v1": no Unicode category Cc or Cf, no
    white space but U+0020), each with its position (1-based)."""
    return [(at, char) for at, char in enumerate(seed, start=1) if hidden(char)]


def check_seed_text(seed: str, shown: str) -> None:
    """Refuse a seed holding characters that cannot be seen, naming each by code point: the draw's rule. (Reading
    params does not refuse them, so that ``make verify`` names such a seed in a check of its own.)"""
    unseen = seed_hidden(seed)
    if unseen:
        raise ParamsError([Problem(shown, None, None, "key 'seed.value': holds characters that cannot be seen, so the "
                                   "seed shown would not be the seed drawn with (protocol v1, 'Clarifications of v1'): "
                                   + "; ".join(f"{code_point(char)} at character {at}" for at, char in unseen)
                                   + ". Retype the seed with letters, digits, punctuation and plain spaces only")])


def parse_seed(data: object, problem) -> Seed | None:
    """The params' ``seed`` key (None when it or its value is absent), each problem given to ``problem``."""
    if data is None:
        return None
    if not isinstance(data, dict):
        problem("seed", "expected a mapping with 'value' and 'provenance'")
        return None
    value = data.get("value")
    if value is None:
        return None
    seed = ""
    if isinstance(value, bool) or not isinstance(value, str):
        # Reported, and the provenance is still checked: all problems at once.
        problem("seed.value", f"loads as a {type(value).__name__}, not text; put the seed in quotes "
                "(a number of 20 digits does not survive as a number)")
    else:
        seed = normalise_seed(value)
        digits = sum(char in "0123456789" for char in seed)
        if digits < SEED_MIN_DIGITS:
            problem("seed.value", f"has {digits} decimal digits; at least {SEED_MIN_DIGITS} are required")
    provenance = data.get("provenance")
    if not isinstance(provenance, dict) or not provenance:
        problem("seed.provenance",
                "missing; say how the seed was produced (method), when (date) and who witnessed it (witnesses)")
        return Seed(seed, {})
    for key in PROVENANCE_KEYS:
        if not provenance.get(key):
            problem(f"seed.provenance.{key}", "missing or empty")
        elif key == "date" and not isinstance(provenance[key], str):
            problem("seed.provenance.date", "put the date in quotes, e.g. '2026-01-05 09:30'")
    return Seed(seed, provenance)
