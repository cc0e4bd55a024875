"""Readable plain text of an HTML mail body. Pure: a string in, a string out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ingest.types import ParsedMail

_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr", "section",
    "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "center",
})
_SKIP_TAGS = frozenset({"script", "style"})
_MARKED_SECTION = re.compile(r"<!\[[^\[\]>]*\]>")  # <![if !supportLists]>, <![endif]> of Office HTML


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open_or_close(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        self._open_or_close(tag, -1)

    def _open_or_close(self, tag: str, step: int) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip + step)
        elif tag == "pre":
            self._pre = max(0, self._pre + step)
        if tag in _BLOCK_TAGS and (step > 0 or tag != "br"):
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.chunks.append(data if self._pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: no script/style, line breaks at <br>, <p>, <div>..."""
    extractor = _TextExtractor()
    try:
        extractor.feed(_MARKED_SECTION.sub("", html))
        extractor.close()
        text = "".join(extractor.chunks)
    except AssertionError:  # html.parser's way of giving up on a malformed declaration
        text = re.sub(r"<[^>]*>", "\n", html)
    lines = [line.replace("\xa0", " ").strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(mail: ParsedMail) -> str:
    """What the sender wrote: the plain-text body, else the text of the HTML body."""
    return mail.text_body or html_to_text(mail.html_body)
