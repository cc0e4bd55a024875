"""What the SMTP sender needs to know, as a protocol: shenbao's SmtpConfig satisfies it.
notify never imports shenbao's config."""

from __future__ import annotations

from ssl import SSLContext
from typing import Protocol


class SmtpSettings(Protocol):
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def ssl(self) -> bool: ...
    @property
    def ssl_verify(self) -> bool: ...
    @property
    def starttls(self) -> bool: ...
    @property
    def username(self) -> str: ...
    @property
    def from_address(self) -> str: ...
    @property
    def timeout_seconds(self) -> float: ...

    def secret(self) -> str:
        """The password (or 163's 客户端授权码)."""

    def tls_context(self) -> SSLContext:
        """The TLS context to verify the server with (or not, when ssl_verify is off)."""
