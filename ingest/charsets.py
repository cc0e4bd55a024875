"""Tolerant text decoding for mail: charset labels, RFC 2047 encoded-words, RFC 2231 parameters.

Chinese clients label text ``gb2312`` but send characters only GBK has (王喆, 张堃), so every
GB-family label is decoded as its superset gb18030. Unknown labels and undecodable bytes never
raise: the text is guessed (UTF-8, charset-normalizer on longer data, gb18030) or decoded with
replacement characters, and a defect line is appended to the caller's list.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from charset_normalizer import from_bytes

from ingest.charsets_iso2022 import CP50220, ISO2022_CN, double_byte_mask, iso2022_codec

# Labels decoded with a superset codec (what the sending clients really produce).
_SUPERSETS: dict[str, str] = {
    **dict.fromkeys(
        ("gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn",
         "csgb2312", "gb_2312-80", "chinese", "gb18030"),
        "gb18030",
    ),
    **dict.fromkeys(("ks_c_5601-1987", "ks_c_5601", "euc-kr", "csksc56011987"), "cp949"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j"), "cp932"),
    # ISO-2022-JP as Windows and Japanese clients write it (NEC/IBM extensions: ①, ㈱)
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp", "cp50220", "cp50221", "cp50222", "iso-2022-jp-ms"), CP50220),
    **dict.fromkeys(("iso-2022-cn", "iso-2022-cn-ext", "csiso2022cn"), ISO2022_CN),
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "unicode-1-1-utf-7": "utf-7",
}
# Labels that say "no idea": treated like a missing label, not as a defect.
_NO_LABEL = frozenset({"", "unknown-8bit", "x-unknown", "unknown", "x-user-defined"})
_DETECT_MIN_BYTES = 256  # below this charset-normalizer guesses poorly (short GBK -> cp949)

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_SURROGATE = re.compile("[\udc80-\udcff]")
_EXT_NAME = re.compile(r"^(?P<name>[^*]+)(?:\*(?P<num>\d{1,3}))?(?P<enc>\*)?$")
# The next header line that a broken fold put inside a parameter value (``name="a.txt
#  Content-Transfer-Encoding: 8bit"``): the value ends at the fold.
EMBEDDED_HEADER = re.compile(r"\s+(?=(?:content-[a-z-]+|mime-version)\s*:)", re.IGNORECASE)


@lru_cache(maxsize=512)
def codec_for(label: str | None) -> str | None:
    """Python codec name for a MIME charset label; None when unlabelled or unknown."""
    name = (label or "").strip().strip('"').lower().removeprefix("charset=")
    if name in _NO_LABEL:
        return None
    name = _SUPERSETS.get(name, name)
    try:
        codec = codecs.lookup(name).name
        b"a".decode(codec)  # rejects bytes-to-bytes codecs (base64, rot13) and "undefined"
    except UnicodeDecodeError:
        pass  # a real text codec that wants more than one byte (utf-16)
    except (LookupError, ValueError):  # unknown, not text, "undefined", or a NUL in the label
        return None
    return codec


def is_unlabelled(label: str | None) -> bool:
    return (label or "").strip().strip('"').lower() in _NO_LABEL


# Codecs worth trying when bytes are not valid in their declared charset (same language first).
_RELATED: dict[str, tuple[str, ...]] = {
    CP50220: ("iso2022_jp_2", "euc_jp", "cp932"),
    "euc_jp": ("cp932",),
    "cp932": ("euc_jp",),
    "big5": ("big5hkscs", "cp950"),
    "cp949": ("iso2022_kr",),
}
_TOLERATED_ERRORS = 200  # one replacement character per this many is kept rather than re-guessed


def guess_decode(data: bytes, related: tuple[str, ...] = ()) -> tuple[str, bool]:
    """Decode bytes of unknown charset; the flag is False when replacement characters were needed."""
    for codec in ("utf-8", *related):
        try:
            return data.decode(codec), True
        except UnicodeDecodeError:
            continue
    if len(data) >= _DETECT_MIN_BYTES:
        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return str(best), True
    try:
        return data.decode("gb18030"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), False


def decode_bytes(data: bytes, label: str | None, where: str, defects: list[str]) -> str:
    """Decode ``data`` declared as ``label``; never raises, records a defect when it had to guess.

    Bytes that are invalid in their declared charset are kept with replacement characters when
    only a few are bad (a stray byte), and re-guessed when many are (a mislabelled part).
    """
    if not data:
        return ""
    codec = codec_for(label)
    if codec is None:
        text, clean = guess_decode(data)
        if not is_unlabelled(label):
            defects.append(f"charset-unknown: {label!r} in {where}; guessed")
        elif not clean:
            defects.append(f"charset-undecodable: unlabelled bytes in {where}; replaced")
        return text
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        pass
    try:
        lossy: str | None = data.decode(codec, "replace")
    except (UnicodeError, LookupError):
        lossy = None
    if lossy is not None and lossy.count("\ufffd") <= max(2, len(lossy) // _TOLERATED_ERRORS):
        defects.append(f"charset-undecodable: {label!r} in {where}; a few bytes replaced")
        return lossy
    text, clean = guess_decode(data, _RELATED.get(codec, ()))
    if clean or lossy is None:
        defects.append(f"charset-mislabelled: {label!r} in {where}; guessed")
        return text
    defects.append(f"charset-undecodable: {label!r} in {where}; replaced")
    return lossy


def unfold(value: str) -> str:
    """Undo header folding (CRLF + WSP) and drop stray line breaks."""
    return _FOLD.sub("", value).replace("\r", "").replace("\n", "")


def raw_to_bytes(text: str) -> bytes:
    """Bytes of a header string read with surrogateescape (raw 8-bit octets come back as-is)."""
    return text.encode("utf-8", "surrogateescape")


def _literal(text: str, where: str, defects: list[str], hints: tuple[str, ...] = ()) -> str:
    """Header text outside encoded-words: raw 8-bit octets are decoded in UTF-8, then in the
    charsets the mail itself declares (``hints``, in order), then by detection; raw ISO-2022
    escape sequences (7-bit Japanese or Chinese) with their decoder."""
    if not _SURROGATE.search(text):
        iso2022 = iso2022_codec(text.encode("ascii", "ignore")) if "\x1b" in text else None
        return text if iso2022 is None else raw_to_bytes(text).decode(iso2022, "replace")
    decoded, clean = guess_decode(raw_to_bytes(text), tuple(h for h in hints if h != "utf-8"))
    if not clean:
        defects.append(f"charset-undecodable: raw 8-bit bytes in {where}; replaced")
    return decoded


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    data = raw_to_bytes(payload)
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(data, header=True)
        data = data.strip().rstrip(b"=")
        if len(data) % 4 == 1:  # a stray last character: drop it rather than the whole word
            data = data[:-1]
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def decode_words(value: str, where: str, defects: list[str], hints: tuple[str, ...] = ()) -> str:
    """Decode a header value: RFC 2047 words (also inside quotes), raw 8-bit UTF-8/GBK octets.

    Adjacent encoded-words of one charset are joined as bytes before decoding, so a
    multi-byte character split across two words survives.
    """
    value = unfold(value)
    out: list[str] = []
    pending: tuple[str, bytearray] | None = None  # (charset label, joined bytes)
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            defects.append(f"encoded-word-invalid in {where}")
            continue  # stays in the text as a literal
        label = match.group(1).split("*", 1)[0]  # drop an RFC 2231 language suffix
        between = value[pos:match.start()]
        if pending is None or between.strip() or codec_for(pending[0]) != codec_for(label):
            if pending is not None:
                out.append(decode_bytes(bytes(pending[1]), pending[0], where, defects))
            if pending is None or between.strip():  # blanks between two words are dropped
                out.append(_literal(between, where, defects, hints))
            pending = (label, bytearray())
        pending[1].extend(data)
        pos = match.end()
    if pending is not None:
        out.append(decode_bytes(bytes(pending[1]), pending[0], where, defects))
    out.append(_literal(value[pos:], where, defects, hints))
    return "".join(out)


def split_params(value: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``type/sub; a=1; b="x;y"`` into its main value and (lower-case name, unquoted value)."""
    segments: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    text = unfold(value)
    for char, double in zip(text, double_byte_mask(text)):
        if escaped or double:  # a byte of a raw ISO-2022 double-byte character is never a delimiter
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            segments.append("".join(current))
            current = []
            continue
        current.append(char)
    segments.append("".join(current))
    params: list[tuple[str, str]] = []
    for segment in segments[1:]:
        name, sep, raw = segment.partition("=")
        if sep:
            params.append((name.strip().lower(), EMBEDDED_HEADER.split(_unquote(raw.strip()), maxsplit=1)[0]))
    return segments[0].strip(), params


def _unquote(raw: str) -> str:
    if not raw.startswith('"'):
        return raw
    inner = raw[1:-1] if len(raw) > 1 and raw.endswith('"') else raw[1:]
    if _SURROGATE.search(inner):
        return inner  # raw 8-bit text: a GBK trail byte may be 0x5C, never an escape
    double = double_byte_mask(inner)  # so may a byte of a raw ISO-2022 character (本 is ``K\``)
    return re.sub(r"\\(.)", lambda found: found.group(0) if double[found.start()] else found.group(1), inner)


def get_param(header_value: str, wanted: str, where: str, defects: list[str], hints: tuple[str, ...] = ()) -> str | None:
    """One parameter of a structured header, RFC 2231 (with continuations) before plain form.

    RFC 2231 sections are percent-decoded to raw bytes and joined before the declared charset
    is applied, so a GBK character whose two bytes sit in two sections decodes correctly.
    """
    plain: str | None = None
    sections: dict[int, tuple[str, bool]] = {}
    for name, value in split_params(header_value)[1]:
        match = _EXT_NAME.match(name)
        if match is None or match.group("name") != wanted:
            continue
        if match.group("num") is None and match.group("enc") is None:
            plain = value if plain is None else plain
        else:
            sections.setdefault(int(match.group("num") or 0), (value, bool(match.group("enc"))))
    if sections:
        return _join_sections(sections, where, defects)
    return None if plain is None else decode_words(plain, where, defects, hints)


def _join_sections(sections: dict[int, tuple[str, bool]], where: str, defects: list[str]) -> str:
    label: str | None = None
    buffer = bytearray()
    for index, number in enumerate(sorted(sections)):
        value, encoded = sections[number]
        if encoded:
            if index == 0 and value.count("'") >= 2:
                label, _language, value = value.split("'", 2)
            buffer.extend(unquote_to_bytes(raw_to_bytes(value)))
        else:
            buffer.extend(raw_to_bytes(value))
    return decode_bytes(bytes(buffer), label or None, where, defects)
