"""Decoders for the 7-bit ISO-2022 charsets as mail clients really write them. Pure.

- ``shenbao_cp50220``: ISO-2022-JP read the way Windows (CP50220/50221) and every Japanese client
  does: JIS X 0208 with the NEC special characters (row 13: ①, Ⅰ, ㈱ ...) and the NEC-selected
  IBM extensions (rows 89-92), half-width katakana (``ESC ( I`` or SO/SI), JIS X 0212 and
  JIS X 0213 where announced. Python's ``iso2022_jp`` (and ``_ext``/``_2``) refuse row 13. Each
  JIS X 0208 pair is turned into its Shift_JIS bytes and decoded with ``cp932``, Microsoft's
  superset that holds those extensions.
- ``shenbao_iso2022_cn``: ISO-2022-CN (RFC 1922), which Python lacks: GB 2312 through
  ``ESC $ ) A`` + SO is decoded (as GB18030); CNS 11643 planes (``ESC $ ) G``, ``ESC $ * H``)
  have no codec here and become replacement characters, so a caller sees the text as unreadable.

Both are registered with ``codecs`` when this module is imported, under the names above.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

CP50220 = "shenbao_cp50220"
ISO2022_CN = "shenbao_iso2022_cn"

ESC, SO, SI = 0x1B, 0x0E, 0x0F
_JP_ESCAPES: dict[bytes, str] = {
    b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b(H": "ascii",
    b"\x1b(I": "kana",
    b"\x1b$@": "jis0208", b"\x1b$B": "jis0208", b"\x1b$(B": "jis0208",
    b"\x1b$(D": "jis0212",
    b"\x1b$(O": "jis2004", b"\x1b$(Q": "jis2004", b"\x1b$(P": "jis2004",
    b"\x1b&@": "",  # the JIS X 0208-1990 announcement before ESC $ B: nothing to switch
}
_CN_ESCAPES: dict[bytes, str] = {
    b"\x1b$)A": "gb2312", b"\x1b$)G": "cns", b"\x1b$)E": "cns", b"\x1b$*H": "cns-g2", b"\x1b$+I": "cns-g3",
}
_CN_SINGLE_SHIFTS = (b"\x1bN", b"\x1bO")  # SS2/SS3: one CNS 11643 character of plane 2/3


def _sjis(first: int, second: int) -> bytes:
    """The Shift_JIS bytes of a JIS X 0208 row/cell pair (0x21..0x7E each)."""
    lead = ((first - 0x21) >> 1) + 0x81
    if lead > 0x9F:
        lead += 0x40
    if first & 1:
        trail = second + 0x1F + (1 if second >= 0x60 else 0)
    else:
        trail = second + 0x7E
    return bytes((lead, trail))


def _pair(state: str, first: int, second: int) -> bytes | None:
    """(codec bytes) of one double-byte character, None when not a valid 7-bit pair."""
    if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
        return None
    if state == "jis0208":
        return _sjis(first, second)
    if state == "jis0212":
        return bytes((0x8F, first | 0x80, second | 0x80))
    return bytes((first | 0x80, second | 0x80))


_PAIR_CODECS = {"jis0208": "cp932", "jis0212": "euc_jp", "jis2004": "euc_jis_2004", "gb2312": "gb18030"}


@dataclass(frozen=True)
class _Scheme:
    """One ISO-2022 variant: which escape designates which character set into G0 or G1 (2: G2/G3,
    which nothing here decodes), what SO shifts into before any designation, and the single shifts
    that announce one character of a set with no codec here."""

    name: str
    designations: dict[bytes, tuple[int, str]]
    g1: str
    single_shifts: tuple[bytes, ...] = ()


_JP = _Scheme(CP50220, {sequence: (0, state) for sequence, state in _JP_ESCAPES.items()}, g1="kana")
_CN = _Scheme(ISO2022_CN, {sequence: (2 if state.startswith("cns-g") else 1, state)
                           for sequence, state in _CN_ESCAPES.items()}, g1="", single_shifts=_CN_SINGLE_SHIFTS)
_SINGLE_BYTE = ("ascii", "kana")


class _Decoder:
    """One pass over the bytes of an ISO-2022 text; ``errors`` as for ``bytes.decode``."""

    def __init__(self, scheme: _Scheme, data: bytes, errors: str) -> None:
        self.scheme, self.data, self.errors = scheme, data, errors
        self.out: list[str] = []
        self.sets = ["ascii", scheme.g1]  # what G0 and G1 hold
        self.shifted = False

    def decode(self) -> str:
        pos = 0
        while pos < len(self.data):
            pos += self.step(pos)
        return "".join(self.out)

    def step(self, pos: int) -> int:
        """Read what starts at ``pos``; the number of bytes it took."""
        byte = self.data[pos]
        if byte == ESC:
            return self.escape(pos)
        if byte in (SO, SI):
            self.shifted = byte == SO
        elif byte in (0x0A, 0x0D):  # RFC 1468 / RFC 1922: every designation ends with the line
            self.out.append(chr(byte))
            self.sets, self.shifted = ["ascii", self.scheme.g1], False
        elif byte >= 0x80:
            self.bad(pos, pos + 1, "8-bit byte in a 7-bit charset")
        else:
            return self.character(self.sets[self.shifted], pos)
        return 1

    def escape(self, pos: int) -> int:
        if any(self.data.startswith(single, pos) for single in self.scheme.single_shifts):
            self.bad(pos, pos + 4, "a character of a set with no codec here")
            return 4
        found = next(((sequence, target) for sequence, target in self.scheme.designations.items()
                      if self.data.startswith(sequence, pos)), None)
        if found is None:
            self.bad(pos, pos + 1, "unknown escape sequence")
            return 1
        sequence, (register, state) = found
        if state and register < 2:
            self.sets[register] = state
        return len(sequence)

    def character(self, state: str, pos: int) -> int:
        byte = self.data[pos]
        if state == "kana" and 0x21 <= byte <= 0x5F:
            self.out.append(chr(0xFF61 + byte - 0x21))
        elif state in _SINGLE_BYTE:
            self.out.append(chr(byte))
        else:
            self.double(state, pos)
            return 2
        return 1

    def bad(self, start: int, end: int, reason: str) -> None:
        if self.errors == "strict":
            raise UnicodeDecodeError(self.scheme.name, self.data, start, end, reason)
        if self.errors != "ignore":
            self.out.append("\ufffd")

    def double(self, state: str, pos: int) -> None:
        raw = _pair(state, self.data[pos], self.data[pos + 1]) if pos + 1 < len(self.data) else None
        codec = _PAIR_CODECS.get(state)
        try:
            if raw is None or codec is None:
                raise UnicodeDecodeError(self.scheme.name, self.data, pos, pos + 2, f"no {state or 'designated'} pair")
            self.out.append(raw.decode(codec))
        except UnicodeDecodeError:
            self.bad(pos, pos + 2, f"invalid {state or 'undesignated'} character")


def decode_cp50220(data: bytes, errors: str = "strict") -> tuple[str, int]:
    return _Decoder(_JP, bytes(data), errors).decode(), len(data)


def decode_iso2022_cn(data: bytes, errors: str = "strict") -> tuple[str, int]:
    return _Decoder(_CN, bytes(data), errors).decode(), len(data)


def _encode_jp(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return text.encode("iso2022_jp", errors), len(text)


def _encode_unsupported(text: str, errors: str = "strict") -> tuple[bytes, int]:
    raise UnicodeEncodeError(ISO2022_CN, text, 0, len(text), "decoding only")


def _decode_cp50220(data: Buffer, errors: str = "strict") -> tuple[str, int]:
    return decode_cp50220(bytes(data), errors)


def _decode_iso2022_cn(data: Buffer, errors: str = "strict") -> tuple[str, int]:
    return decode_iso2022_cn(bytes(data), errors)


_CODECS = {
    CP50220: codecs.CodecInfo(_encode_jp, _decode_cp50220, name=CP50220),
    ISO2022_CN: codecs.CodecInfo(_encode_unsupported, _decode_iso2022_cn, name=ISO2022_CN),
}


def _search(name: str) -> codecs.CodecInfo | None:
    return _CODECS.get(name.replace("-", "_").lower())


codecs.register(_search)

_ESCAPE_STARTS = (b"\x1b$", b"\x1b(", b"\x1b&")


def iso2022_codec(data: bytes) -> str | None:
    """The decoder for 7-bit text written with ISO-2022 escapes (a raw header value), None when
    it has none: ``ESC $ ) A`` and friends are Chinese, ``ESC $ ) C`` Korean, the rest Japanese."""
    if b"\x1b" not in data or not any(start in data for start in _ESCAPE_STARTS):
        return None
    if b"\x1b$)C" in data:
        return "iso2022_kr"
    if any(sequence in data for sequence in _CN_ESCAPES):
        return ISO2022_CN
    return CP50220


def double_byte_mask(text: str) -> list[bool]:
    """For each character of a raw 7-bit ISO-2022 header value (surrogate-escaped str), whether it is
    a byte of a double-byte character: after ``ESC $ B`` (``ESC $ @``, ``ESC $ ( D`` ...) or SO, up to
    ``ESC ( B``, SI or a line end. Such a byte may be ``"``, ``;`` or ``\\`` (資 is ``;q``, 本 ``K\\``)
    and is never a delimiter or an escape of the header syntax."""
    if "\x1b" not in text and "\x0e" not in text:
        return [False] * len(text)
    mask: list[bool] = []
    double = False
    for index, char in enumerate(text):
        if char == "\x1b" and text.startswith("\x1b(", index):
            double = False
        elif char == "\x1b" and text.startswith("\x1b$", index):
            double = double or text[index + 2:index + 3] not in (")", "*", "+")  # ESC $ ) A only designates G1
        elif char in "\x0e\x0f\r\n":
            double = char == "\x0e"
        mask.append(double)
    return mask
