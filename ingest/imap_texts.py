"""What ``ingest.imap`` says when the mailbox fails, and the plain values it reads from imapclient's
answers. Pure (no connection here: ``ingest.imap`` stays the one module that talks IMAP). Every
message names where it happened and what to change in ``[mailbox]``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

AUTH_HINT = ("163/126/yeah.net 邮箱需填写“客户端授权码”（网页邮箱 设置 → POP3/SMTP/IMAP 中开启并生成），"
             "不是网页登录密码 / NetEase mail needs the client authorization code (客户端授权码), not the web password")


def as_str(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def error_text(exc: BaseException) -> str:
    return " ".join(as_str(arg) for arg in exc.args) or type(exc).__name__


def aware(value: Any) -> datetime:
    """An INTERNALDATE as an aware datetime (UTC when the server gave no offset, now when none)."""
    if not isinstance(value, datetime):
        return datetime.now(timezone.utc)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def tls_untrusted(where: str, verify_message: str) -> str:
    return (f"IMAP {where}: TLS certificate not trusted ({verify_message}); check [mailbox] host, or set ca_file to "
            "the server's CA")


def tls_failed(where: str, reason: str) -> str:
    return (f"IMAP {where}: TLS handshake failed ({reason}); is this a TLS port? "
            "(993 = TLS: ssl = true; 143 = plain: ssl = false)")


def unreachable(where: str, exc: BaseException) -> str:
    return f"IMAP {where}: cannot connect ({exc}); check [mailbox] host and port, the network and the firewall"


def login_refused(where: str, user: str, exc: BaseException) -> str:
    return f"IMAP {where}: login refused for {user} ({error_text(exc)}). {AUTH_HINT}"


def password_not_ascii(where: str, user: str) -> str:
    return (f"IMAP {where}: the password for {user} contains non-ASCII characters, which IMAP LOGIN cannot send. "
            f"{AUTH_HINT}")


def select_failure(where: str, folder: str, exc: BaseException, id_offered: bool) -> str:
    text = error_text(exc)
    if "unsafe login" in text.lower():
        sent = "it was sent" if id_offered else "this server does not advertise ID, so none was sent"
        hint = f"NetEase refuses SELECT until the client identifies itself with the IMAP ID command ({sent})"
    else:
        hint = 'check [mailbox] folder (it must exist; e.g. "INBOX")'
    return f"IMAP {where}: cannot open folder {folder!r}: {text}; {hint}"


def tls_detail(ssl: bool, ssl_verify: bool, version: str) -> str:
    """The doctor's line on the connection's encryption."""
    if not ssl:
        return "未加密（ssl = false），仅用于测试 / plain IMAP (ssl = false), for tests only"
    if ssl_verify:
        return f"{version}，证书已校验 / certificate verified"
    return f"{version}，证书未校验（ssl_verify = false，仅用于测试） / certificate NOT verified"
