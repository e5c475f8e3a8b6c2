"""A holiday notice's text as its file holds it: text pasted into a ``.txt`` file (UTF-8 with or without a
BOM, GB18030/GBK, UTF-16 with a BOM) or the web page saved as ``.html`` (its markup dropped, a paragraph per
block), read the same, with the line of the file each character came from (``NoticeText``), so that a refusal
of ``notice.parse`` names the line of the file itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path


class NoticeText(str):
    """The notice's text, with the line of the file each character came from (``rows``): a saved page's
    text is extracted from its markup, and a refusal names the line of the file, not of the text."""

    rows: tuple[int, ...]

    def __new__(cls, text: str, rows: Sequence[int] | None = None) -> NoticeText:
        self = super().__new__(cls, text)
        self.rows = tuple(rows) if rows is not None else rows_of(text)
        if len(self.rows) != len(text):
            raise ValueError("one row per character")
        return self


def rows_of(text: str) -> tuple[int, ...]:
    """The line of ``text`` each of its characters is on (a line end on the line it ends)."""
    rows: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        rows += [number] * (len(line) + 1)
    return tuple(rows[:len(text)])


class _Text(HTMLParser):
    """The text of a saved web page, a paragraph per block (a blank line between blocks, a line break at
    ``<br>``); whitespace in the markup is a space; scripts and styles dropped; each character's source line kept."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "title", "section",
              "article", "header", "footer", "nav", "body", "head", "html"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: list[str] = []
        self.rows: list[int] = []
        self.skip = 0

    def _add(self, char: str, row: int) -> None:
        self.chars.append(char)
        self.rows.append(row)

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        if tag in self.BLOCKS or tag == "br":
            self._add("\n", self.getpos()[0])
            if tag != "br":
                self._add("\n", self.getpos()[0])

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._add("\n", self.getpos()[0])

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0
        if tag in self.BLOCKS:
            self._add("\n", self.getpos()[0])
            self._add("\n", self.getpos()[0])

    def handle_data(self, data):
        if self.skip:
            return
        row = self.getpos()[0]
        for number, line in enumerate(data.split("\n")):
            if number:
                self._add(" ", row + number - 1)  # a line end in the markup is a space
            self.chars.append(line.replace("\t", " "))
            self.rows += [row + number] * len(line)


def decode(raw: bytes) -> str:
    """The text of a notice file: UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030 (GBK's superset);
    ``UnicodeDecodeError`` for anything else (UTF-16 without a BOM among them)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw:
        raise UnicodeDecodeError("utf-16", raw, 0, 1, "NUL bytes: UTF-16 without a byte-order mark? save it with one "
                                 "(Notepad's 'Unicode') or as UTF-8")
    return raw.decode("gb18030")


def text_of(path: Path) -> NoticeText:
    """The notice's text from a ``.txt`` or a saved ``.html`` page, each character's line of the file kept."""
    return text_from(path.read_bytes(), path.suffix)


def text_from(raw: bytes, suffix: str) -> NoticeText:
    """``text_of`` for the file's bytes and its suffix (``.txt``, ``.html``)."""
    text = decode(raw).replace("\r\n", "\n").replace("\r", "\n")
    if suffix.lower() in (".html", ".htm"):
        reader = _Text()
        reader.feed(text)
        reader.close()
        return NoticeText("".join(reader.chars).replace("\u3000", " ").replace("\xa0", " "), reader.rows)
    return NoticeText(text.replace("\u3000", " ").replace("\xa0", " "))
