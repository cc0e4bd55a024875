"""Text from a sender's headers, made safe to show or quote (pure functions).

``printable`` is for every header-derived text shown to the office (``show``, the digest, CSV,
Excel, JSON, the web view): C0 and C1 controls (ESC and CSI start terminal sequences; OSC 52
writes the clipboard) and bidi overrides and isolates (U+202E turns ``gpj.exe`` around) are
removed. ``quotable`` is for the little of a header an office letter repeats (the subject): also
one line, no links, and short.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

# C0 controls but tab and newline, DEL, C1 controls; bidi embeddings, overrides and isolates.
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]")
_LINK = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S*|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*", re.IGNORECASE)
LINK_LEFT_OUT = "（链接略）"


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` without controls and bidi overrides; tabs and newlines kept only when ``lines``."""
    if lines:
        return _HIDDEN.sub("", text)
    return _HIDDEN.sub("", _BREAKS.sub(" ", text))


def quotable(text: str, limit: int) -> str:
    """One line of ``text`` to repeat in a letter: printable, links left out, at most ``limit``
    characters (then "…")."""
    line = " ".join(_LINK.sub(LINK_LEFT_OUT, printable(text)).split())
    return line if len(line) <= limit else line[:limit] + "…"


def shown(value: Any) -> Any:
    """A template's ``finalize``: every text it prints is ``printable`` (lines kept); markup the
    templates made stays markup."""
    if isinstance(value, Markup):
        return Markup(printable(str(value), lines=True))
    return printable(value, lines=True) if isinstance(value, str) else value
