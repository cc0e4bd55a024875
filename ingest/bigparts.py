"""Keep multi-megabyte base64 bodies out of the stdlib feed parser.

The feed parser handles a mail line by line at about 60 MB/s; a nomination is mostly three
camera photos in base64 (about 120 000 lines). ``split`` swaps every long body made only of
base64 lines for a one-line placeholder before parsing, so the parser walks the headers and
the MIME structure only; ``Blobs.payload`` then decodes a placeholder body straight from
the original bytes with a SIMD base64 decoder (pybase64), giving the same bytes the stdlib
would. Anything not clean enough for that (odd padding, a placeholder inside other text) is
put back exactly as it was and decoded by the stdlib as before: the swap changes speed,
never results.

The bodies are kept as offsets into the mail, never copied, and decoded from there.

The scan needs no MIME parser: a base64 body never contains ``-``, so every boundary
delimiter (a line starting with ``--``) ends a run, and a run only counts when it is the
whole body between the blank line after a part's headers and the next delimiter (whose
leading line end belongs to the delimiter, as the stdlib reads it).
"""

from __future__ import annotations

import os
import re
from email.message import Message

import pybase64

MIN_BYTES = 64 * 1024  # shorter bodies are parsed as before: the swap would not pay
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BODY_BYTES = _BASE64 + b"=\r\n"
_PAD_OR_LINE_END = frozenset(b"=\r\n")
_MAX_TAIL = 64  # a clean body ends in at most "==" and a few line ends
DASH_TRIES = 32  # dashes looked at one by one before the delimiter scan falls back to a plain search
_HEAD_END = re.compile(rb"\r?\n\r?\n")


class Blobs:
    """The bodies taken out of one mail (offsets into it), by placeholder number."""

    def __init__(self, source: bytes = b"") -> None:
        # Valid base64 (52 characters), so code that decodes the skeleton (mail-parser does)
        # meets no defect; 128 random bits keep it apart from anything a mail could hold.
        self.prefix = f"SHENBAOBLOB{os.urandom(16).hex()}N"
        self.source = source
        self.bodies: list[tuple[int, int]] = []  # (start, end) in ``source``

    def _name(self, number: int) -> str:
        return f"{self.prefix}{number:08d}"

    def placeholder(self, start: int, end: int) -> bytes:
        self.bodies.append((start, end))
        return self._name(len(self.bodies) - 1).encode()

    def body(self, number: int) -> bytes:
        start, end = self.bodies[number]
        return self.source[start:end]

    def restore(self, data: bytes, linesep: bytes | None = None) -> bytes:
        """``data`` with every placeholder replaced by the body it stands for; with ``linesep``,
        the body's line ends are written as that (as the stdlib generator writes every line)."""
        if not self.bodies or self.prefix.encode() not in data:
            return data
        for number in range(len(self.bodies)):
            body = self.body(number)
            if linesep is not None:
                body = linesep.join(body.splitlines()) + (linesep if body.endswith((b"\n", b"\r")) else b"")
            data = data.replace(self._name(number).encode(), body)
        return data

    def payload(self, part: Message) -> bytes | str | None:
        """``part.get_payload(decode=True)`` as on the original mail (the part is mended if needed)."""
        text = part.get_payload()
        if not self.bodies or not isinstance(text, str) or self.prefix not in text:
            return _decoded(part)
        number = self._whole_body(text)
        if number is not None and str(part.get("content-transfer-encoding", "")).lower() == "base64":
            decoded = _clean_base64(self.source, *self.bodies[number])
            if decoded is not None:
                return decoded
        part.set_payload(self.restore(text.encode("ascii", "surrogateescape")).decode("ascii", "surrogateescape"))
        return _decoded(part)

    def _whole_body(self, text: str) -> int | None:
        """The number of the body ``text`` is the placeholder of, None when it is not one."""
        name = text.strip()
        number = name[len(self.prefix):]
        if name.startswith(self.prefix) and len(number) == 8 and number.isdigit() and int(number) < len(self.bodies):
            return int(number)
        return None


def _decoded(part: Message) -> bytes | None:
    """``part.get_payload(decode=True)``: the bytes of a leaf part (None for a multipart)."""
    value = part.get_payload(decode=True)
    return value if isinstance(value, bytes) else None


def _clean_base64(data: bytes, start: int = 0, end: int | None = None) -> bytes | None:
    """The decoded bytes of ``data[start:end]`` (base64 lines, see ``_is_base64_body``) when its
    padding is only at the end and complete, else None. Read in place: nothing is copied first;
    the decoder skips the line ends, the only bytes outside the alphabet such a body holds."""
    end = len(data) if end is None else end
    tail = end  # data[tail:end] is the trailing run of padding and line ends
    while tail > start and end - tail <= _MAX_TAIL and data[tail - 1] in _PAD_OR_LINE_END:
        tail -= 1
    if end - tail > _MAX_TAIL or data.find(b"=", start, tail) >= 0 or data.count(b"=", tail, end) > 2:
        return None
    try:  # a length that is no multiple of 4 (line ends aside) is "incorrectly padded": left to the stdlib
        return pybase64.b64decode(memoryview(data)[start:end], validate=False)
    except ValueError:  # binascii.Error
        return None


def split(raw: bytes) -> tuple[bytes, Blobs]:
    """(the mail with long base64 bodies swapped for placeholders, what was taken out)."""
    blobs = Blobs(raw)
    if len(raw) < MIN_BYTES:
        return raw, blobs
    out: list[bytes] = []
    done = 0  # raw[:done] is in ``out``
    start = _delimiter(raw, 0)
    while start >= 0:
        end = _delimiter(raw, start + 3)
        if end < 0:
            break  # a body that runs to the end of the mail has no delimiter: left to the parser
        segment_end = end
        head = _HEAD_END.search(raw, start, segment_end)
        if head is not None:
            body_start = head.end()
            body_end = segment_end - 1 if raw[segment_end - 1:segment_end] == b"\r" else segment_end
            if body_end - body_start >= MIN_BYTES and _is_base64_body(raw, body_start, body_end):
                out += [raw[done:body_start], blobs.placeholder(body_start, body_end)]
                done = body_end
        start = end
    if not blobs.bodies:
        return raw, blobs
    out.append(raw[done:])
    return b"".join(out), blobs


def _delimiter(raw: bytes, pos: int, tries: int = DASH_TRIES) -> int:
    """``raw.find(b"\\n--", pos)``, by way of the next "-" (a byte search, ten times faster over
    base64, which holds none); after ``tries`` dashes that start no delimiter (part headers have
    a few), the plain search from there."""
    dash = pos
    for _ in range(tries):
        dash = raw.find(b"-", dash + 1)
        if dash < 0:
            return -1
        if raw[dash - 1:dash] == b"\n" and raw[dash + 1:dash + 2] == b"-":
            return dash - 1
    return raw.find(b"\n--", dash)


def _is_base64_body(raw: bytes, start: int, end: int) -> bool:
    return not raw[start:end].translate(None, _BODY_BYTES)
