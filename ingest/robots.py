"""Which automatic mail a message is by its own shape: a bounce written in words, a complaint report.

Bounces that are not RFC 3464 reports (InterScan "Mail could not be delivered", qmail, Exim,
Exchange, Yahoo, GroupWise, AOL, Sina ...) are recognised by the detectors of **flufl.bounce**
(GNU Mailman's bounce library), not by a list of our own: each detector that finds a failed
recipient names the shape. One of them (LLNL: any body line with ``, x@y,``) would take a person's
list of addresses for a bounce and is left out. A detector that breaks on a hostile mail is
skipped; the library's own scan stops at the first one that raises.

SimpleMatch and SimpleWarning (over 90 % of the detectors' time on a nomination with attachments,
issue 13) search every body line for each of their 50 starting phrases. A phrase that occurs on
no line cannot start a match, so each is first searched once over the body's lines joined (``^``
and ``$`` per line) — leaving out the lines of pure base64 (an attachment's bytes) for a phrase
that needs a character base64 never has (a space, a colon: every one of the library's today) —
and the detector then runs over the whole mail as before with only the phrases found: the same
lines in the same order, hence the same verdict, in a fraction of the time.

Complaint reports (ARF, RFC 5965) are ``multipart/report; report-type=feedback-report`` or carry a
``message/feedback-report`` part; ``ingest.parse`` notes those while it walks the tree.
Pure: a parsed message in, a name out.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass
from email.iterators import body_line_iterator
from email.message import Message
from functools import lru_cache
from typing import Any

from flufl.bounce import all_failures

try:  # the ordered detector list behind all_failures, so that one failing detector skips only itself
    from flufl.bounce._scan import _DETECTORS
except ImportError:  # a future layout: the public scan (which stops at a failing detector) is used
    _DETECTORS = []
try:  # the phrase-list detectors (SimpleWarning is one too), searched for their phrases first
    from flufl.bounce._detectors.simplematch import SimpleMatch as _SimpleMatch

    _PHRASE_LISTS: tuple[type[Any], ...] = (_SimpleMatch,)
except ImportError:  # a future layout: every detector runs over every line
    _PHRASE_LISTS = ()

# The library logs every detector failure with its traceback; hostile mail is expected here.
logging.getLogger("flufl.bounce").addHandler(logging.NullHandler())
logging.getLogger("flufl.bounce").propagate = False

_LOOSE = frozenset({"LLNL"})  # matches any ", someone@host," line: a person's list of addresses


_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=]+\r?\n?")
_BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


@dataclass(frozen=True)
class _Body:
    lines: str  # every line the line detectors read, each ending in a newline
    text: str  # the same without the lines of pure base64


@lru_cache(maxsize=256)
def _anywhere(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` over many lines at once: ``^`` and ``$`` at each line's start and end."""
    return re.compile(pattern.pattern, pattern.flags | re.MULTILINE)


@lru_cache(maxsize=256)
def _never_base64(pattern: re.Pattern[str]) -> bool:
    """Every match of ``pattern`` holds a character outside base64's alphabet: a literal of its
    top level (not in a group, branch or repeat) that is one. False when that cannot be told."""
    try:
        parser = importlib.import_module("re._parser")  # the stdlib's own parse of a pattern (3.11+)
        items = list(parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE))
    except Exception:  # noqa: BLE001 - another stdlib layout: the pattern is searched over every line
        return False
    return any(str(op) == "LITERAL" and chr(value) not in _BASE64_ALPHABET for op, value in items)


def _body(message: Message) -> _Body:
    """The lines the line detectors read (``email.iterators.body_line_iterator``)."""
    lines = [line if line.endswith("\n") else line + "\n" for line in body_line_iterator(message)]
    return _Body("".join(lines), "".join(line for line in lines if not _BASE64_LINE.fullmatch(line)))


def _may_start(entry: tuple[re.Pattern[str], ...], body: _Body) -> bool:
    start = entry[0]
    return bool(_anywhere(start).search(body.text if _never_base64(start) else body.lines))


def _detector(kind: type[Any], body: _Body | None) -> Any:
    """An instance of detector ``kind``; a phrase-list one with only the phrase sets whose starting
    phrase occurs in ``body`` (None: all of them)."""
    detector = kind()
    if body is not None and issubclass(kind, _PHRASE_LISTS):
        detector.PATTERNS = [entry for entry in kind.PATTERNS if _may_start(entry, body)]
    return detector


def bounce_shape(message: Message) -> str:
    """The flufl.bounce detector that reads ``message`` as a delivery failure ("SimpleMatch",
    "Qmail" ...), "" when none does."""
    detectors = [d for d in _DETECTORS if d.__name__ not in _LOOSE]
    if not detectors:
        try:
            temporary, permanent = all_failures(message)
        except Exception:  # noqa: BLE001 - a detector broken by hostile input: no evidence either way
            return ""
        return "flufl.bounce" if temporary or permanent else ""
    try:
        body: _Body | None = _body(message)
    except Exception:  # noqa: BLE001 - a tree the iterator breaks on: every detector reads every line, as before
        body = None
    for detector in detectors:
        try:
            temporary, permanent = _detector(detector, body).process(message)
        except Exception:  # noqa: BLE001 - one detector's failure on hostile input skips only that one
            continue
        if temporary or permanent:
            return str(detector.__name__)
    return ""
