"""Keep multi-megabyte base64 bodies out of the stdlib feed parser.

The feed parser handles a mail line by line at about 60 MB/s; a nomination is mostly three
camera photos in base64 (about 120 000 lines). ``split`` swaps every long body made only of
base64 lines for a one-line placeholder before parsing, so the parser walks the headers and
the MIME structure only; ``Blobs.payload`` then decodes a placeholder body straight from
the original bytes with a SIMD base64 decoder (pybase64), giving the same bytes the stdlib
would. Anything not clean enough for that (odd padding, a placeholder inside other text) is
put back exactly as it was and decoded by the stdlib as before: the swap changes speed,
never results.

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
_LINE_ENDS = b"\r\n"
_HEAD_END = re.compile(rb"\r?\n\r?\n")


class Blobs:
    """The bodies taken out of one mail, by placeholder number."""

    def __init__(self) -> None:
        # Valid base64 (52 characters), so code that decodes the skeleton (mail-parser does)
        # meets no defect; 128 random bits keep it apart from anything a mail could hold.
        self.prefix = f"SHENBAOBLOB{os.urandom(16).hex()}N"
        self.bodies: list[bytes] = []

    def _name(self, number: int) -> str:
        return f"{self.prefix}{number:08d}"

    def placeholder(self, body: bytes) -> bytes:
        self.bodies.append(body)
        return self._name(len(self.bodies) - 1).encode()

    def restore(self, data: bytes, linesep: bytes | None = None) -> bytes:
        """``data`` with every placeholder replaced by the body it stands for; with ``linesep``,
        the body's line ends are written as that (as the stdlib generator writes every line)."""
        if not self.bodies or self.prefix.encode() not in data:
            return data
        for number in range(len(self.bodies)):
            body = self.bodies[number]
            if linesep is not None:
                body = linesep.join(body.splitlines()) + (linesep if body.endswith((b"\n", b"\r")) else b"")
            data = data.replace(self._name(number).encode(), body)
        return data

    def payload(self, part: Message) -> bytes | str | None:
        """``part.get_payload(decode=True)`` as on the original mail (the part is mended if needed)."""
        text = part.get_payload()
        if not self.bodies or not isinstance(text, str) or self.prefix not in text:
            return part.get_payload(decode=True)  # type: ignore[no-any-return]
        body = self._whole_body(text)
        if body is not None and str(part.get("content-transfer-encoding", "")).lower() == "base64":
            decoded = _clean_base64(body)
            if decoded is not None:
                return decoded
        part.set_payload(self.restore(text.encode("ascii", "surrogateescape")).decode("ascii", "surrogateescape"))
        return part.get_payload(decode=True)  # type: ignore[no-any-return]

    def _whole_body(self, text: str) -> bytes | None:
        name = text.strip()
        number = name[len(self.prefix):]
        if name.startswith(self.prefix) and len(number) == 8 and number.isdigit() and int(number) < len(self.bodies):
            return self.bodies[int(number)]
        return None


def _clean_base64(body: bytes) -> bytes | None:
    """The decoded bytes when ``body`` is plain base64 lines with padding only at the end, else None."""
    joined = body.translate(None, _LINE_ENDS)
    if len(joined) % 4 or b"=" in joined.rstrip(b"=") or joined.endswith(b"==="):
        return None
    try:
        return pybase64.b64decode(joined, validate=True)
    except ValueError:  # binascii.Error
        return None


def split(raw: bytes) -> tuple[bytes, Blobs]:
    """(the mail with long base64 bodies swapped for placeholders, what was taken out)."""
    blobs = Blobs()
    if len(raw) < MIN_BYTES:
        return raw, blobs
    out: list[bytes] = []
    done = 0  # raw[:done] is in ``out``
    start = raw.find(b"\n--")
    while start >= 0:
        end = raw.find(b"\n--", start + 3)
        if end < 0:
            break  # a body that runs to the end of the mail has no delimiter: left to the parser
        segment_end = end
        head = _HEAD_END.search(raw, start, segment_end)
        if head is not None:
            body_start = head.end()
            body_end = segment_end - 1 if raw[segment_end - 1:segment_end] == b"\r" else segment_end
            if body_end - body_start >= MIN_BYTES and _is_base64_body(raw, body_start, body_end):
                out += [raw[done:body_start], blobs.placeholder(raw[body_start:body_end])]
                done = body_end
        start = end
    if not blobs.bodies:
        return raw, blobs
    out.append(raw[done:])
    return b"".join(out), blobs


def _is_base64_body(raw: bytes, start: int, end: int) -> bool:
    return not raw[start:end].translate(None, _BODY_BYTES)
