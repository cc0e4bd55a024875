"""A sender that writes each reply as a complete .eml file (demo mode, ``smtp.kind = "file"``)."""

from __future__ import annotations

import re
from collections.abc import Callable
import uuid
from datetime import datetime, timezone
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parsedate_to_datetime
from pathlib import Path

from notify.errors import SendError

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")
_MAX_ID_CHARS = 120


def _header(message: EmailMessage, name: str) -> str:
    """A header's text, "" when absent or too malformed for the email package to read."""
    try:
        value = message[name]
    except (HeaderParseError, IndexError, ValueError):
        return ""
    return str(value or "").strip()


def _stamp(message: EmailMessage) -> str:
    """The message's Date as ``20210426T100230`` (its own offset); now in UTC when absent."""
    try:
        moment = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        moment = datetime.now(timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S")


def eml_name(message: EmailMessage) -> str:
    """``<date>_<sanitised Message-ID>.eml``: the same message always gets the same name."""
    raw_id = _header(message, "Message-ID").strip("<>")
    safe = _UNSAFE.sub("_", raw_id).strip("._")[:_MAX_ID_CHARS] or uuid.uuid4().hex
    return f"{_stamp(message)}_{safe}.eml"


class FileSender:
    """Writes replies into ``path`` through ``write`` (the service passes its all-or-nothing
    ``atomic_write``: temp file, fsync, rename); ``write`` creates the folder."""

    def __init__(self, path: Path, write: Callable[[Path, bytes], None]) -> None:
        self.path = Path(path)
        self.write = write

    def path_for(self, message: EmailMessage) -> Path:
        return self.path / eml_name(message)

    def send(self, message: EmailMessage) -> None:
        target = self.path_for(message)
        data = message.as_bytes(policy=SMTP)
        try:
            self.write(target, data)
        except OSError as exc:
            raise SendError(f"cannot write the reply into {self.path}: {exc.strerror or exc}") from None
