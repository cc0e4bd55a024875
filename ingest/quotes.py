"""The part of a mail body its sender wrote: the text above a quoted earlier message."""

from __future__ import annotations

import re

_QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:原始邮件|Original Message|回复的原邮件|Forwarded message|转发邮件)"
    r"|在.{0,80}写道\s*[:：]?\s*$|On .{0,200}wrote:\s*$|发件人\s*[:：]|From:\s|>)",
    re.IGNORECASE,
)


def unquoted(body: str) -> str:
    """The part of a mail body the sender wrote: everything before a quoted earlier message."""
    kept: list[str] = []
    for line in body.splitlines():
        if _QUOTE_START.match(line):
            break
        kept.append(line)
    return "\n".join(kept)
