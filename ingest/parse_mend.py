"""Mending what mail clients write wrong in part headers, for ``ingest.parse``. Pure.

- ``Content-Transfer-Encoding: base64 `` (trailing blank, quotes, odd case, ``base64;``) is read
  as ``base64``: the stdlib compares the raw value and would hand a JPEG over as its base64 text.
  A transfer encoding that a broken fold put inside another header's parameter is recovered.
- Of a part's two names (Content-Disposition ``filename``, Content-Type ``name``) the first
  readable one is used.
- The charsets a mail declares, in order, decide its raw 8-bit header bytes before detection does.
- The ``cid:`` references of the HTML bodies tell which pictures are shown inline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from email.message import Message

from ingest.charsets import split_params

_ENCODINGS = frozenset({"7bit", "8bit", "binary", "base64", "quoted-printable"})
_EMBEDDED_CTE = re.compile(r"content-transfer-encoding\s*:\s*\"?([a-z0-9-]+)", re.IGNORECASE)
_CID = re.compile(r"""cid:\s*([^"'\s>)]+)""", re.IGNORECASE)
_MAX_PARTS = 5000  # declared charsets are looked for in this many parts at most
_PLAIN = frozenset({"ascii", "utf-8"})


def _clean_encoding(value: str) -> str:
    return value.strip().strip("\"'").split(";", 1)[0].strip().lower()


def mend_transfer_encoding(part: Message) -> None:
    """Make the part's Content-Transfer-Encoding the clean token the stdlib decoders compare."""
    value = part.get("content-transfer-encoding")
    if value is None:
        for header in ("content-type", "content-disposition"):
            found = _EMBEDDED_CTE.search(str(part.get(header, "")))
            if found and found.group(1).lower() in _ENCODINGS:
                part["Content-Transfer-Encoding"] = found.group(1).lower()
                return
        return
    clean = _clean_encoding(str(value))
    if clean != str(value) and clean in _ENCODINGS:
        part.replace_header("content-transfer-encoding", clean)


def readable(name: str) -> bool:
    """No replacement characters, control codes or escape sequences left in a decoded name."""
    return "\ufffd" not in name and not any(unicodedata.category(char) == "Cc" for char in name)


def readable_first(names: list[str]) -> str:
    """The first readable name, else the first one, else ""."""
    return next((name for name in names if readable(name)), names[0] if names else "")


def declared_charsets(message: Message, codec_for: Callable[[str | None], str | None]) -> tuple[str, ...]:
    """The codecs of every ``charset=`` the mail's parts declare, root first, without ASCII and
    UTF-8 (always tried first anyway), each once."""
    found: list[str] = []
    stack = [message]
    seen = 0
    while stack and seen < _MAX_PARTS:
        part = stack.pop()
        seen += 1
        for name, value in split_params(str(part.get("content-type", "")))[1]:
            codec = codec_for(value) if name == "charset" else None
            if codec and codec not in _PLAIN and codec not in found:
                found.append(codec)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(sub for sub in reversed(payload) if isinstance(sub, Message))
    return tuple(found)


def inline_cids(htmls: list[str]) -> frozenset[str]:
    """Content-IDs (lower case, no brackets) that the HTML bodies show with ``cid:``."""
    return frozenset(match.group(1).strip("<>").lower() for html in htmls for match in _CID.finditer(html))
