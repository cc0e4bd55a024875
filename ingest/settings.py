"""What the IMAP facade needs to know, as a protocol: shenbao's MailboxConfig satisfies it, and so
does any small object a test or another program builds. ingest never imports shenbao's config."""

from __future__ import annotations

from ssl import SSLContext
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol


class ImapSettings(Protocol):
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def ssl(self) -> bool: ...
    @property
    def ssl_verify(self) -> bool: ...
    @property
    def username(self) -> str: ...
    @property
    def folder(self) -> str: ...
    @property
    def idle(self) -> bool: ...
    @property
    def timeout_seconds(self) -> float: ...
    @property
    def max_message_bytes(self) -> int: ...
    @property
    def mark_processed_keyword(self) -> str: ...
    @property
    def move_processed_to(self) -> str: ...

    def secret(self) -> str:
        """The password (or 163's 客户端授权码)."""

    def tls_context(self) -> SSLContext:
        """The TLS context to verify the server with (or not, when ssl_verify is off)."""


def client_version() -> str:
    """The version sent in the IMAP ID command (RFC 2971): that of the installed distribution."""
    try:
        return version("shenbao")
    except PackageNotFoundError:
        return "0"
