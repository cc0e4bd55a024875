"""A real aiosmtpd SMTP server on loopback for the integration tests, capturing what it accepts.

Nothing here is mocked: ``SmtpServer`` runs aiosmtpd in its own thread on a fixed port that can
be switched down and up, optionally with STARTTLS or implicit TLS and AUTH, and can reject (550)
or defer (451) every message. Each accepted message is recorded as a ``Captured`` envelope.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP

from shenbao.config_logins import SmtpConfig
from tests.servers_loopback import HOST, free_port


@dataclass(frozen=True)
class Captured:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    authenticated: bool


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = {"reject": "550 5.7.1 DT:SPM content rejected as spam", "defer": "451 4.3.0 try again later"}
        if self.owner.behaviour in reply:
            return reply[self.owner.behaviour]
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        captured = Captured(str(envelope.mail_from), tuple(envelope.rcpt_tos), content, bool(session.authenticated))
        self.owner.messages.append(captured)
        if self.owner.on_message is not None:
            self.owner.on_message(captured)  # before the client hears "250": a test may act in between
        if self.owner.slow is not None:
            await asyncio.sleep(self.owner.slow(captured))  # a slow server: others are served meanwhile
        return "250 2.0.0 OK queued"


@dataclass
class SmtpServer:
    """aiosmtpd on a fixed loopback port that can be switched down and up, capturing what it accepts.

    ``behaviour``: "accept", "reject" (550 on DATA) or "defer" (451 on DATA).
    ``tls``: (cert, key) enables STARTTLS, or implicit TLS when ``implicit_tls``.
    ``credentials``: (user, password) offers AUTH (without TLS; ``Captured.authenticated`` tells if used).
    ``on_message``: called with each accepted message before the client is told it was accepted.
    ``slow``: seconds to wait (without blocking other clients) before saying "250" to a message.
    """

    tls: tuple[Path, Path] | None = None
    implicit_tls: bool = False
    credentials: tuple[str, str] | None = None
    behaviour: str = "accept"
    port: int = field(default_factory=free_port)
    messages: list[Captured] = field(default_factory=list)
    on_message: Callable[[Captured], None] | None = None
    slow: Callable[[Captured], float] | None = None
    _controller: Controller | None = None

    def config(self, **overrides: Any) -> SmtpConfig:
        values: dict[str, Any] = {"kind": "smtp", "host": HOST, "port": self.port, "ssl": False, "starttls": False,
                                  "timeout_seconds": 5, "from_address": "jzghxjb@163.com"}
        return SmtpConfig(**{**values, **overrides})

    def up(self) -> SmtpServer:
        context = None
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls)
        tls_args: dict[str, Any] = {"ssl_context": context} if self.implicit_tls else {"tls_context": context}
        auth: dict[str, Any] = {}
        if self.credentials:
            auth = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port, server_hostname="localhost",
                                      **tls_args, **auth)
        self._controller.start()
        return self

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.credentials is not None and (
            auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        return AuthResult(success=ok, handled=False)
