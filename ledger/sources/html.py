"""HTML email bodies as readable text, with the standard library's parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HIDDEN = frozenset({"script", "style", "title", "template"})
_PARAGRAPHS = frozenset(
    {"blockquote", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "p", "pre", "ul"}
)
_LINES = frozenset(
    {"address", "article", "aside", "br", "dd", "div", "dt", "footer", "header"}
    | {"hr", "li", "main", "nav", "section", "table", "tr"}
)


class _TextMaker(HTMLParser):
    """Collects the visible text of an HTML document, a line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        self._break(tag)
        if tag == "li":
            self.chunks.append("- ")
        elif tag in ("td", "th"):
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        self._break(tag)

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if not self.hidden and not (text == " " and self._at_break()):
            self.chunks.append(text)

    def _break(self, tag: str) -> None:
        gap = "\n\n" if tag in _PARAGRAPHS else "\n" if tag in _LINES else ""
        if gap and self.chunks and self._at_break():
            self.chunks[-1] = max(self.chunks[-1], gap)
        elif gap:
            self.chunks.append(gap)

    def _at_break(self) -> bool:
        return not self.chunks or self.chunks[-1] in ("\n", "\n\n")


def html_to_text(html: str) -> str:
    """Readable text from HTML: tags and scripts gone, blocks on their own lines."""
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    lines = (" ".join(line.split()) for line in "".join(maker.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
