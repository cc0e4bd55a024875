"""Credentials: where a password may come from, and what check-config says about how it is kept.

A password comes from the environment (``password_env``) or from a file readable by the service
user (``password_file``, relative to the config file); a literal ``password`` in the config
works too, but ``check-config`` warns when the config file is readable by other users. The
password itself is never part of a message, a log line or the register.
"""

from __future__ import annotations

import ipaddress
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shenbao.config import Config


class _Login(Protocol):
    host: str
    ssl: bool
    ssl_verify: bool
    password: str
    password_file: str


def secret_file_path(value: str, base_dir: Path | None) -> str:
    """``password_file`` made absolute (against the config file's directory) once it proved readable."""
    if not value:
        return ""
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({exc.strerror}); it must exist and be readable by the service user") from exc
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file (the file must hold the password, e.g. the 163 授权码)") from None
    if not text.strip():
        raise ValueError(f"{path} is empty (the file must hold the password, e.g. the 163 授权码)")
    return str(path)


def read_secret_file(path: str) -> str:
    """The password kept in ``path`` (read at each login, so a changed 授权码 needs no restart)."""
    return Path(path).read_text(encoding="utf-8").strip()


def _readable_by_others(path: Path) -> str:
    """"every user" / "its group" when ``path`` can be read beyond its owner, else ""."""
    mode = path.stat().st_mode
    if mode & stat.S_IROTH:
        return "every user of this machine"
    return "its group" if mode & stat.S_IRGRP else ""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def config_warnings(config: Config, config_path: Path) -> Iterator[str]:
    """What ``check-config`` warns about: passwords others can read, TLS that is off or unverified."""
    servers: dict[str, _Login] = {}
    if config.mailbox.kind == "imap":
        servers["mailbox"] = config.mailbox
    if config.smtp.kind == "smtp":
        servers["smtp"] = config.smtp
    literal = [f"[{name}] password" for name, server in servers.items() if server.password]
    literal += ["[web] password"] if config.web.password else []
    who = _readable_by_others(config_path)
    if literal and who:
        yield (f"{config_path} holds a password ({', '.join(literal)}) and is readable by {who}: "
               f"use password_env or password_file instead, or run: chmod 600 {config_path}")
    for name, server in servers.items():
        if server.password_file and (who := _readable_by_others(Path(server.password_file))):
            yield f"[{name}] password_file {server.password_file} is readable by {who}: run: chmod 600 {server.password_file}"
        if not server.ssl_verify:
            yield f"[{name}] ssl_verify = false: the server's certificate is not checked (for tests only)"
        plain = not server.ssl and not (name == "smtp" and config.smtp.starttls)
        if plain and not is_loopback(server.host):
            yield f"[{name}] ssl = false: the password and the mail cross the network to {server.host} unencrypted"
