"""The sections of the config that log in somewhere: ``[mailbox]`` (IMAP), ``[smtp]`` and ``[web]``
(``[[web.users]]``): addresses, TLS, and where each password comes from (the file, an environment
variable or, for the mail servers, a secret file). ``shenbao.config`` holds the whole ``Config``."""

from __future__ import annotations

import os
import ssl
from ssl import SSLContext
from typing import Literal

from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationInfo, field_validator, model_validator

from shenbao.errors import AuthError, ConfigError, SendError
from shenbao.secrets import read_secret_file, secret_file_path


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Password(Frozen):
    """A password given in the file (``password``) or, better, named by an environment variable."""

    password: str = ""
    password_env: str = ""

    def missing_secret(self) -> str:
        """The variable ``password_env`` names when it is unset or empty (no password to log in with), else ""."""
        return self.password_env if self.password_env and not os.environ.get(self.password_env, "").strip() else ""


class _Server(_Password):
    """What the IMAP and the SMTP server settings share: address, TLS, timeout and login."""

    host: str = ""
    port: PositiveInt = 993
    ssl: bool = True
    ssl_verify: bool = True
    ca_file: str = ""
    timeout_seconds: PositiveInt = 60
    username: str = ""
    password_file: str = ""  # a file readable by the service user, holding only the password

    @field_validator("password_file")
    @classmethod
    def _secret_file(cls, value: str, info: ValidationInfo) -> str:
        return secret_file_path(value, (info.context or {}).get("base_dir"))

    @model_validator(mode="after")
    def _one_source(self) -> _Server:
        if self.password_file and (self.password or self.password_env):
            raise ValueError("password_file: set only one of password, password_env and password_file")
        return self

    def tls_context(self) -> SSLContext:  # (``ssl`` is also a field name here)
        """Verified TLS by default; ``ca_file`` adds a private CA; ``ssl_verify = false`` for tests only."""
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if not self.ssl_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def no_secret(self, message: str) -> Exception:
        """The error a login without its password raises (the mailbox's and the mail server's own kind)."""
        return ConfigError(message)

    def secret(self) -> str:
        """The password: from ``password_file`` or ``password_env`` when set, else the literal ``password``.
        An unset or empty ``password_env`` is refused here, never sent as an empty password."""
        if self.password_file:
            return read_secret_file(self.password_file)
        if self.password_env:
            if self.missing_secret():
                raise self.no_secret(f"password_env: the environment variable {self.password_env} is not set or "
                                     "is empty; set it to the password (the 163 授权码)")
            return os.environ[self.password_env].strip()
        return self.password


class MailboxConfig(_Server):
    kind: Literal["imap", "folder"] = "imap"
    host: str = "imap.163.com"
    folder: str = "INBOX"
    path: str = ""
    poll_interval_seconds: PositiveInt = 60
    idle: bool = True
    max_message_bytes: PositiveInt = 60_000_000
    mark_processed_keyword: str = ""  # "" = never modify the mailbox
    move_processed_to: str = ""

    def no_secret(self, message: str) -> Exception:
        return AuthError(f"[mailbox] {message}")

    @model_validator(mode="after")
    def _needs(self) -> MailboxConfig:
        if self.kind == "folder" and not self.path:
            raise ValueError("path: required when kind = \"folder\" (a directory of .eml files)")
        if self.kind == "imap" and not self.username:
            raise ValueError("username: required when kind = \"imap\"")
        return self


class SmtpConfig(_Server):
    kind: Literal["smtp", "file"] = "smtp"
    host: str = "smtp.163.com"
    port: PositiveInt = 465
    starttls: bool = False
    from_address: str = "jzghxjb@163.com"
    from_name: str = "焦作市总工会宣教网络部"
    path: str = ""  # kind = "file": replies are written here as .eml

    @field_validator("from_address")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("must be an e-mail address, e.g. \"jzghxjb@163.com\"")
        return value.strip().lower()

    def no_secret(self, message: str) -> Exception:
        return SendError(f"[smtp] {message}; the reply stays queued")  # retried like any failed send

    @model_validator(mode="after")
    def _needs(self) -> SmtpConfig:
        if self.kind == "file" and not self.path:
            raise ValueError("path: required when kind = \"file\" (a directory for reply .eml files)")
        if self.ssl and self.starttls:
            raise ValueError("ssl and starttls: choose one (ssl = true for port 465, starttls = true for 587)")
        return self

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[1]


class WebUser(_Password):
    """``[[web.users]]``: one login of the web view. An editor decides and marks paper copies; a
    viewer only looks."""

    name: str
    role: Literal["editor", "viewer"] = "viewer"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or ":" in value:
            raise ValueError("must be a non-empty name without ':' (it is the login name)")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> WebUser:
        if bool(self.password) == bool(self.password_env):
            raise ValueError("set exactly one of password_env (recommended) and password")
        return self

    def secret(self) -> str:
        return os.environ.get(self.password_env, "").strip() if self.password_env else self.password


class WebConfig(_Password):
    """``shenbao serve``, the web view. Beyond loopback it needs a login (HTTP Basic): the one
    ``username``/``password`` (an editor), and/or ``[[web.users]]`` with roles."""

    host: str = "127.0.0.1"
    port: PositiveInt = 8080
    username: str = "office"
    users: tuple[WebUser, ...] = ()

    hosts: tuple[str, ...] = ()  # host names a browser may use for the view (loopback and the listening address always)

    @field_validator("hosts")
    @classmethod
    def _host_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(v.strip().lower().rstrip(".") for v in value)
        bad = [n for n in names if not n or any(c in n for c in "/:@ []")]
        if bad:
            raise ValueError(f"not a host name: {bad[0]!r} (write the name only, without scheme, port or path)")
        return names

    def secret(self) -> str:
        return os.environ.get(self.password_env, "") if self.password_env else self.password

    @model_validator(mode="after")
    def _unique_names(self) -> WebConfig:
        names = [u.name for u in self.users] + ([self.username] if self.password or self.password_env else [])
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"users: {', '.join(twice)} is listed twice (each login name once, "
                             "[web] username included when [web] has a password)")
        return self
