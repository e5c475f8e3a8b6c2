"""The README stays short, and every relative link of README.md and docs/*.md resolves: the file exists and,
for ``file.md#anchor`` (or ``#anchor`` alone), the target has a heading whose GitHub anchor is ``anchor``.

Anchors follow GitHub's rule (github-slugger): the heading's text, lower-cased, every character that is not a
letter, a digit, ``_``, ``-`` or a space removed, each space made ``-``; a repeated anchor gets ``-1``, ``-2``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 260

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def outside_code(text: str) -> list[tuple[int, str]]:
    """(1-based line number, line) of every line outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading's text (before the -1, -2 of repeats)."""
    text = CODE_SPAN.sub(lambda match: match.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in outside_code(path.read_text(encoding="utf-8")):
        if match := HEADING.match(line):
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every relative link of ``path``, code spans and fenced code left out."""
    found = []
    for number, line in outside_code(path.read_text(encoding="utf-8")):
        # a code span cannot hold a link; keep its place with a neutral text so that [`x`](y) still matches
        line = CODE_SPAN.sub("`code`", line)
        for match in LINK.finditer(line):
            target = match.group(1)
            if not EXTERNAL.match(target):
                found.append((number, target))
    return found


def broken_links(path: Path) -> list[str]:
    """Every relative link of ``path`` that does not resolve, as 'file:line: target: why'."""
    problems = []
    for number, target in links(path):
        file_part, _, anchor = target.partition("#")
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}: {target}"
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            problems.append(f"{where}: no such file")
        elif anchor:
            if destination.suffix != ".md" or destination.is_dir():
                problems.append(f"{where}: an anchor into a file that is not markdown")
            elif anchor not in anchors(destination):
                problems.append(f"{where}: no heading with this anchor in {destination.name}")
    return problems


def test_readme_is_short_enough_to_read_in_ten_minutes():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_docs_every_relative_link_resolves(path):
    assert broken_links(path) == []


def test_docs_readme_and_docs_have_links_to_check():
    # the link pattern still finds links: README links every page of docs/
    targets = {target.partition("#")[0] for _, target in links(ROOT / "README.md")}
    pages = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert pages <= targets, sorted(pages - targets)


@pytest.mark.parametrize(("heading", "anchor"), [
    ("1. In a browser: `verify.html`", "1-in-a-browser-verifyhtml"),
    ('Results, deadlines, follow-up and publication ("one public")',
     "results-deadlines-follow-up-and-publication-one-public"),
    ("Evidence of fairness (`04-compliance`, and the report's first screen)",
     "evidence-of-fairness-04-compliance-and-the-reports-first-screen"),
    ("一、比对什么，与什么比对 First, what to compare, and with what",
     "一比对什么与什么比对-first-what-to-compare-and-with-what"),
    ("Spaces  twice -- and dashes", "spaces--twice----and-dashes"),
])
def test_docs_slug_is_github_s_anchor(heading, anchor):
    assert slug(heading) == anchor


def test_docs_a_broken_link_or_anchor_is_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# A page\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n\n"
        "[fine](docs/page.md) [fine](docs/page.md#twice) [fine](docs/page.md#twice-1) [fine](#title)\n"
        "[web](https://example.org/missing.md) `[code](missing.md)`\n"
        "```\n[fenced](missing.md)\n```\n"
        "[gone](docs/missing.md)\n"
        "[no anchor](docs/page.md#twice-2)\n"
        "[not here](#nowhere)\n",
        encoding="utf-8")
    assert broken_links(readme) == [
        f"{readme}:8: docs/missing.md: no such file",
        f"{readme}:9: docs/page.md#twice-2: no heading with this anchor in page.md",
        f"{readme}:10: #nowhere: no heading with this anchor in README.md",
    ]


def test_the_architecture_page_names_every_module_of_the_package():
    package = ROOT / "zhanhe_audit"
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rooms = [f"`{path.name}/`" if path.is_dir() else f"`{path.name}`" for path in sorted(package.iterdir())
             if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").is_file()]
    assert len(rooms) > 40
    assert [room for room in rooms if f"| {room} |" not in page] == []
