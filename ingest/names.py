"""File names from mail are attacker-controlled: normalise and sanitise them (pure functions).

Every name that becomes a path goes through ``safe_filename`` (or ``cap_name`` for a name built
here): one component, printable, at most ``MAX_NAME_CHARS`` characters and ``MAX_NAME_BYTES``
bytes of UTF-8 (file systems count bytes: 86 Chinese characters are already 258), cut on a
character boundary with the extension kept, and never a name Windows reserves (``CON``,
``NUL``, ``COM1``…: the office opens exported folders on Windows).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from pathlib import PurePosixPath, PureWindowsPath

# C0 and C1 controls, DEL, characters Windows refuses, and bidi overrides/isolates.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200  # of UTF-8; the file system allows 255, the rest is room for "(2)", "_JZ2021-007"
_MAX_EXT_CHARS = 10
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
                               *(f"{d}{n}" for d in ("COM", "LPT") for n in "123456789¹²³")})


def compact(text: str) -> str:
    """The one comparison form of a name or label: NFKC (full-width -> half-width), no whitespace.

    "张  三", "张三" and "Ｌｉ Ｍｉｎｇ"/"LiMing" compare equal; roster units, candidates, previous
    winners, unit types and form labels are all compared through this."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _split_ext(name: str) -> tuple[str, str]:
    """(stem, ".ext") when the name has a short extension after a non-empty stem, else (name, "")."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext) <= _MAX_EXT_CHARS:
        return stem, "." + ext
    return name, ""


def _cut_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 is at most ``max_bytes`` (never half a character)."""
    return text.encode("utf-8")[:max(max_bytes, 0)].decode("utf-8", "ignore")


def cap_name(name: str, max_bytes: int = MAX_NAME_BYTES, max_chars: int = MAX_NAME_CHARS) -> str:
    """``name`` shortened to ``max_chars`` characters and ``max_bytes`` UTF-8 bytes, keeping its
    extension; a Windows-reserved stem (``CON.txt``, ``nul``) gets ``_`` appended."""
    stem, ext = _split_ext(name)
    first, dot, rest = stem.partition(".")
    if first.rstrip(" ").upper() in _WINDOWS_RESERVED:
        stem = first.rstrip(" ") + "_" + dot + rest
    if len(stem) + len(ext) > max_chars or len((stem + ext).encode("utf-8")) > max_bytes:
        stem = _cut_bytes(stem[: max(max_chars - len(ext), 1)], max_bytes - len(ext.encode("utf-8")))
    return (stem.rstrip(" .") or "_") + ext


def safe_filename(name: str, fallback: str = "附件", max_bytes: int = MAX_NAME_BYTES) -> str:
    """An NFC-normalised, single-component, printable name that is safe on any file system.

    Directory parts (``../``, ``C:\\``, ``/etc/``) are dropped, control and reserved characters
    become ``_``, leading dots and spaces are removed, and long names are shortened (in
    characters and in UTF-8 bytes) keeping the extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\\", "/")).name).name
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"_", "."}:
        return cap_name(fallback, max_bytes)
    return cap_name(name, max_bytes)


def unique_name(name: str, taken: Container[str]) -> str:
    """``name``, or ``照片(2).jpg``, ``照片(3).jpg``… when it is already in ``taken`` (not added)."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        stem, ext = name, ""
    counter = 2
    while True:
        candidate = f"{stem}({counter}).{ext}" if ext else f"{stem}({counter})"
        if candidate not in taken:
            return candidate
        counter += 1
