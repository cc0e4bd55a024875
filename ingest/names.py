"""File names from mail are attacker-controlled: normalise and sanitise them (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')
MAX_NAME_CHARS = 120


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


def cap_bytes(name: str, limit: int = 180) -> str:
    """``name`` cut to at most ``limit`` bytes of UTF-8 (whole characters), keeping a short
    extension: most file systems allow 255 bytes per name, and a Chinese character takes three."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    tail = f".{ext}" if dot and 0 < len(ext.encode("utf-8")) <= 10 else ""
    head = stem if tail else name
    room = limit - len(tail.encode("utf-8"))
    while len(head.encode("utf-8")) > room:
        head = head[:-1]
    return head + tail
