"""The attachments of a sample mail (a shared sample path, or ``generated:<scenario>``), by file name."""

from __future__ import annotations

import email
from email import policy
from functools import cache
from pathlib import Path

from shenbao.samples.build import nomination_email


@cache
def attachments_of(source: str) -> dict[str, bytes]:
    if source.startswith("generated:"):
        raw = nomination_email(source.removeprefix("generated:"))
    else:
        raw = Path(source).read_bytes()
    found: dict[str, bytes] = {}
    for part in email.message_from_bytes(raw, policy=policy.default).iter_attachments():
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        found[part.get_filename() or ""] = data
    return found
