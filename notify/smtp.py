"""The one module that talks SMTP: hand a finished reply to the mail server.

Implicit TLS (465), STARTTLS (587) or plain (tests only); AUTH when a username is set. The
envelope sender is always ``from_address``: smtp.163.com refuses the null sender. A refusal
for good (5xx to MAIL, RCPT or DATA) raises ``PermanentSendError`` and must not be retried;
anything else that stops delivery (refused connection, timeout, 4xx, bad credentials) raises
``SendError`` and may be retried later.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from notify.errors import PermanentSendError, SendError
from notify.settings import SmtpSettings

log = logging.getLogger(__name__)

AUTH_HINT = ("163/126/yeah.net 邮箱需填写“客户端授权码”（网页邮箱 设置 → POP3/SMTP/IMAP 中开启并生成），"
             "不是网页登录密码 / NetEase mail needs the client authorization code (客户端授权码), not the web password")


class SmtpSender:
    def __init__(self, cfg: SmtpSettings) -> None:
        self.cfg = cfg
        self.where = f"{cfg.host}:{cfg.port}"

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its To/Cc/Bcc recipients with envelope sender ``from_address``."""
        try:
            with self._session() as smtp:
                refused = smtp.send_message(message, from_addr=self.cfg.from_address)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refusal(self.where, "refused every recipient", list(exc.recipients.values())) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise _refusal(self.where, "refused the message", [(exc.smtp_code, exc.smtp_error)]) from exc
        for address, (code, text) in refused.items():
            log.warning("SMTP %s: recipient %s refused: %s %s", self.where, address, code, _str(text))

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """Connected, (STARTTLS-)encrypted and logged-in session; SendError on any failure to get there."""
        cfg = self.cfg
        try:
            smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"SMTP {self.where}: greeting refused: {exc.smtp_code} {_str(exc.smtp_error)}") from exc
        except ssl.SSLError as exc:
            raise SendError(self._tls_problem(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP {self.where}: cannot connect ({exc or type(exc).__name__}); check [smtp] host, "
                            "port, ssl/starttls and the network; the reply stays queued") from exc
        try:
            with smtp:
                if cfg.starttls:
                    smtp.starttls(context=self._tls_context())
                if cfg.username:
                    smtp.login(cfg.username, cfg.secret())
                yield smtp
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(f"SMTP {self.where}: login refused for {cfg.username} "
                            f"({exc.smtp_code} {_str(exc.smtp_error)}). {AUTH_HINT}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise SendError(f"SMTP {self.where}: {exc}; check [smtp] starttls / username") from exc
        except ssl.SSLError as exc:
            raise SendError(self._tls_problem(exc)) from exc
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            raise
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"SMTP {self.where}: {exc.smtp_code} {_str(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP {self.where}: connection failed ({exc or type(exc).__name__}); "
                            "the reply stays queued") from exc

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        name = socket.gethostname()  # not getfqdn(): it can wait seconds on a broken resolver
        if cfg.ssl:
            return smtplib.SMTP_SSL(cfg.host, cfg.port, local_hostname=name, timeout=cfg.timeout_seconds,
                                    context=self._tls_context())
        return smtplib.SMTP(cfg.host, cfg.port, local_hostname=name, timeout=cfg.timeout_seconds)

    def _tls_context(self) -> ssl.SSLContext:
        return self.cfg.tls_context()

    def _tls_problem(self, exc: ssl.SSLError) -> str:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (f"SMTP {self.where}: TLS certificate not trusted ({exc.verify_message}); check [smtp] host, "
                    "or set ca_file to the server's CA")
        return (f"SMTP {self.where}: TLS failed ({exc.reason}); 465 needs ssl = true, 587 needs starttls = true")

    def doctor(self) -> list[tuple[str, bool, str]]:
        """Check connect, TLS and AUTH in turn: (step, ok, 中文 / English detail)."""
        cfg = self.cfg
        try:
            smtp = self._connect()
        except ssl.SSLError as exc:
            return [("connect", True, f"已连通 {self.where} / reachable"), ("TLS", False, self._tls_problem(exc))]
        except (smtplib.SMTPException, OSError) as exc:
            return [("connect", False, f"无法连接 {self.where} / cannot connect: {exc or type(exc).__name__}")]
        steps = [("connect", True, f"已连接 {self.where} / connected")]
        with smtp:
            try:
                if cfg.starttls:
                    smtp.starttls(context=self._tls_context())
            except (smtplib.SMTPException, OSError) as exc:
                return [*steps, ("TLS", False, f"STARTTLS 失败 / failed: {exc}")]
            steps.append(("TLS", True, self._tls_detail(smtp)))
            steps.append(("auth", *self._check_auth(smtp)))
        return steps

    def _tls_detail(self, smtp: smtplib.SMTP) -> str:
        if not (self.cfg.ssl or self.cfg.starttls):
            return "未加密（ssl = false, starttls = false），仅用于测试 / plain SMTP, for tests only"
        version = getattr(smtp.sock, "version", lambda: "TLS")()
        checked = "证书已校验 / certificate verified" if self.cfg.ssl_verify else "证书未校验 / certificate NOT verified"
        return f"{version}，{checked}"

    def _check_auth(self, smtp: smtplib.SMTP) -> tuple[bool, str]:
        if not self.cfg.username:
            return True, "未设置用户名，不登录 / no username: AUTH skipped"
        try:
            smtp.login(self.cfg.username, self.cfg.secret())
        except smtplib.SMTPAuthenticationError as exc:
            return False, f"登录被拒绝 / login refused ({exc.smtp_code} {_str(exc.smtp_error)}). {AUTH_HINT}"
        except (smtplib.SMTPException, OSError) as exc:
            return False, f"登录失败 / login failed: {exc}"
        return True, f"已登录 {self.cfg.username} / logged in"


def _refusal(where: str, what: str, answers: list[tuple[int, bytes | str]]) -> SendError:
    """PermanentSendError when every answer is 5xx, else SendError; the message quotes the server."""
    quoted = "; ".join(f"{code} {_str(text)}" for code, text in answers)
    if answers and all(500 <= code < 600 for code, _ in answers):
        return PermanentSendError(f"SMTP {where} {what} for good: {quoted}")
    return SendError(f"SMTP {where} {what} for now: {quoted}; will retry")


def _str(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
