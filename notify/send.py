"""What every way of sending a reply offers (SMTP, or a folder of .eml files)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` on, or raise ``shenbao.errors.SendError`` (retry later) or
        ``shenbao.errors.PermanentSendError`` (refused for good: never retried)."""
        ...
