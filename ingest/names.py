"""File names from mail are attacker-controlled: normalise and sanitise them (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')
MAX_NAME_CHARS = 120


def compact(text: str) -> str:
    """The one comparison form of a name or label: NFKC (full-width -> half-width), no whitespace.

    "张  三", "张三" and "Ｌｉ Ｍｉｎｇ"/"LiMing" compare equal; roster units, candidates, previous
    winners, unit types and form labels are all compared through this."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def safe_filename(name: str, fallback: str = "附件") -> str:
    """An NFC-normalised, single-component, printable name that is safe on any file system.

    Directory parts (``../``, ``C:\\``, ``/etc/``) are dropped, control and reserved characters
    become ``_``, leading dots and spaces are removed, and long names are shortened keeping
    the extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\\", "/")).name).name
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"_", "."}:
        return fallback
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_CHARS]
    return name
