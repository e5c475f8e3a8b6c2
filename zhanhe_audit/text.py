"""Text as a reviewer must see it: nothing hidden, nothing reordered.

A seed, a digest or a cell that differs from another only by a character one cannot see
(a bidi override, a zero-width space, a no-break space, a byte-order mark, a carriage
return) would look identical on screen. Draw protocol v1, "Clarifications of v1" (seed
text), forbids such characters in a seed; wherever a seed or a differing cell is shown,
``visible`` writes each of them as ``⟨U+202E⟩``, the notation ``report.reveal`` uses for
bidi controls in register text. The verifier page (``templates/verifier/verify/01-text.js``)
applies the same rule.
"""

from __future__ import annotations

import unicodedata

SPACE = " "  # the one white space a seed may hold (protocol v1, "Clarifications of v1")


def hidden(char: str) -> bool:
    """Whether ``char`` cannot be seen for what it is: Unicode category Cc (controls, tabs, line ends) or Cf
    (format: bidi overrides and isolates, zero-width spaces and joiners, the BOM), or white space other than
    U+0020 (no-break and ideographic spaces, line and paragraph separators)."""
    return unicodedata.category(char) in ("Cc", "Cf") or (char.isspace() and char != SPACE)


# Names of the hidden characters one meets in pasted text (the verifier page gets this table when the page is
# built, so both verifiers name a character alike; others are named by code point alone).
NAMES = {
    0x00: "NULL", 0x09: "TAB", 0x0A: "LINE FEED", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN", 0x85: "NEXT LINE", 0xA0: "NO-BREAK SPACE", 0xAD: "SOFT HYPHEN",
    0x061C: "ARABIC LETTER MARK", 0x1680: "OGHAM SPACE MARK", 0x180E: "MONGOLIAN VOWEL SEPARATOR",
    0x2000: "EN QUAD", 0x2001: "EM QUAD", 0x2002: "EN SPACE", 0x2003: "EM SPACE", 0x2004: "THREE-PER-EM SPACE",
    0x2005: "FOUR-PER-EM SPACE", 0x2006: "SIX-PER-EM SPACE", 0x2007: "FIGURE SPACE", 0x2008: "PUNCTUATION SPACE",
    0x2009: "THIN SPACE", 0x200A: "HAIR SPACE", 0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER",
    0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
    0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR", 0x202A: "LEFT-TO-RIGHT EMBEDDING",
    0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
    0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x202F: "NARROW NO-BREAK SPACE", 0x205F: "MEDIUM MATHEMATICAL SPACE",
    0x2060: "WORD JOINER", 0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
    0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE", 0x3000: "IDEOGRAPHIC SPACE",
    0xFEFF: "BYTE ORDER MARK",
}


def code_point(char: str) -> str:
    """A character named so that it can be told from any other: ``U+202E (RIGHT-TO-LEFT OVERRIDE)`` for a hidden
    one, ``U+0074 't'`` for one that shows."""
    if not hidden(char):
        return f"U+{ord(char):04X} '{char}'"
    return f"U+{ord(char):04X} ({NAMES.get(ord(char), 'invisible')})"


def visible(text: str) -> str:
    """``text`` with every hidden character written as ``⟨U+XXXX⟩``."""
    return "".join(f"⟨U+{ord(char):04X}⟩" if hidden(char) else char for char in text)


def first_difference(first: str, second: str, names: tuple[str, str] = ("recomputed", "archived")) -> str:
    """Where two texts that should be equal first differ, so that it shows however alike they look: the
    character position (1-based) and both characters by code point, or what the longer one has more."""
    for index, (a, b) in enumerate(zip(first, second, strict=False), start=1):
        if a != b:
            return f"character {index}: {names[0]} {code_point(a)}, {names[1]} {code_point(b)}"
    if len(first) == len(second):
        return "the texts are identical"
    name, shorter, longer = (names[1], first, second) if len(first) < len(second) else (names[0], second, first)
    extra = longer[len(shorter):]
    return (f"{name} has {len(extra)} more character(s) after character {len(shorter)}: "
            + ", ".join(code_point(char) for char in extra[:3]) + (", …" if len(extra) > 3 else ""))
