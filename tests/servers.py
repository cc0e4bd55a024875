"""Real mail servers on loopback for the integration tests: Dovecot, aiosmtpd, and a fault proxy.

Nothing here is mocked: Dovecot runs from a config generated into a temp dir, aiosmtpd runs in
its own thread, and ``ImapProxy`` forwards real bytes while imitating NetEase (163.com), which
answers SELECT with ``NO Unsafe Login`` until the client has sent ``ID``, or cutting a
connection after a number of bytes.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP
from imapclient import IMAPClient

from shenbao.config import MailboxConfig, SmtpConfig

HOST = "127.0.0.1"
PASSWORD = "s3cret-Pass16"
USERS = 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1, made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    key.chmod(0o644)  # read by Dovecot's unprivileged config process in tests only
    return cert, key


_DOVECOT_CONF = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = {host}
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
"""


@dataclass
class ImapAccount:
    """One mailbox user on the test Dovecot, with helpers that talk to it directly."""

    host: str
    port: int
    imaps_port: int
    user: str
    password: str
    cert: Path

    def config(self, **overrides: Any) -> MailboxConfig:
        values: dict[str, Any] = {"kind": "imap", "host": self.host, "port": self.port, "ssl": False,
                                  "username": self.user, "password": self.password, "timeout_seconds": 10}
        return MailboxConfig(**{**values, **overrides})

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client._imap.debug = 0
        client.normalise_times = False
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, internaldate: datetime, folder: str = "INBOX") -> int:
        """APPEND ``raw`` with the given INTERNALDATE; returns the new UID."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=(), msg_time=internaldate)
            return int(client.select_folder(folder, readonly=True)[b"UIDNEXT"]) - 1

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            return {uid: tuple(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}

    def folder_uids(self, folder: str) -> list[int]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return list(client.search("ALL"))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.select_folder(folder, readonly=True)[b"UIDVALIDITY"])

    def reset_uidvalidity(self, folder: str) -> None:
        """Delete and recreate ``folder`` (not INBOX): it comes back empty with a new UIDVALIDITY."""
        if folder.upper() == "INBOX":
            raise ValueError("INBOX cannot be deleted; use another folder for UIDVALIDITY tests")
        with self.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)


class DovecotServer:
    """A private Dovecot: passwd-file users, maildir under a temp dir, plain + TLS loopback listeners."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shenbao-dovecot-"))
        self.imap_port, self.imaps_port = free_port(), free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._users = 0
        self._lock = threading.Lock()
        self.cert, self.key = make_certificate(self.dir)

    def start(self) -> DovecotServer:
        if os.getuid() == 0:  # root in CI: Dovecot's own unprivileged users from the Debian package
            internal, login, mail_user = "dovecot", "dovenull", pwd.getpwnam("dovecot")
        else:
            mail_user = pwd.getpwuid(os.getuid())
            internal = login = mail_user.pw_name
        self.dir.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(exist_ok=True)
        os.chown(self.dir / "mail", mail_user.pw_uid, mail_user.pw_gid)
        # Dovecot re-reads a passwd-file at most once a second, so every user exists from the start.
        (self.dir / "users").write_text("".join(f"{self._user(n)}:{{PLAIN}}{PASSWORD}\n" for n in range(USERS)))
        (self.dir / "users").chmod(0o644)
        conf = self.dir / "dovecot.conf"
        conf.write_text(_DOVECOT_CONF.format(
            d=self.dir, host=HOST, internal=internal, login=login, cert=self.cert, key=self.key,
            uid=mail_user.pw_uid, gid=mail_user.pw_gid, imap_port=self.imap_port, imaps_port=self.imaps_port))
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin"), "TZ": "CST-8"}  # server local time = UTC+8
        with (self.dir / "stderr.log").open("wb") as stderr:
            self._process = subprocess.Popen(["dovecot", "-F", "-c", str(conf)], env=env,
                                             stdout=subprocess.DEVNULL, stderr=stderr)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection((HOST, self.imap_port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on {HOST}:{self.imap_port}: {self.log()}")

    def log(self) -> str:
        paths = (self.dir / "stderr.log", self.dir / "dovecot.log")
        return "".join(path.read_text(errors="replace")[-3000:] for path in paths if path.exists())

    @staticmethod
    def _user(number: int) -> str:
        return f"user{number}@example.test"

    def add_user(self) -> ImapAccount:
        """The next unused user: an empty mailbox of its own."""
        with self._lock:
            number, self._users = self._users, self._users + 1
        if number >= USERS:
            raise RuntimeError(f"the test Dovecot has only {USERS} users")
        return ImapAccount(HOST, self.imap_port, self.imaps_port, self._user(number), PASSWORD, self.cert)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_CAPABILITY_ID = re.compile(rb" ID(?=[ \]\r])")


class _Splitter:
    """Cuts an IMAP byte stream into lines and literal chunks: ``(starts_command, is_line, data)``."""

    def __init__(self) -> None:
        self.buffer = b""
        self.literal = 0
        self.continued = False

    def feed(self, data: bytes) -> Iterator[tuple[bool, bool, bytes]]:
        self.buffer += data
        while self.buffer:
            if self.literal:
                chunk, self.buffer = self.buffer[:self.literal], self.buffer[self.literal:]
                self.literal -= len(chunk)
                yield False, False, chunk
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end + 2], self.buffer[end + 2:]
            starts = not self.continued
            match = _LITERAL.search(line)
            self.literal, self.continued = (int(match.group(1)), True) if match else (0, False)
            yield starts, True, line


@dataclass
class ImapProxy:
    """A loopback TCP proxy in front of an IMAP server that behaves like 163.com, or breaks on purpose.

    ``require_id``: SELECT/EXAMINE before ID get ``NO Unsafe Login`` (as NetEase answers).
    ``hide_id``: remove ID from CAPABILITY so a client has no reason to send it.
    ``drop_after``: the next connection is cut after that many bytes from the server.
    ``cut()``: cut every open connection at once.
    """

    upstream_port: int
    require_id: bool = True
    hide_id: bool = False
    drop_after: int | None = None
    connections: int = 0
    dropped: int = 0
    port: int = 0
    _listener: socket.socket = field(default_factory=socket.socket)
    _live: list[socket.socket] = field(default_factory=list)

    def start(self) -> ImapProxy:
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._listener.close()
        self.cut()

    def cut(self) -> None:
        """Cut every open connection now (as a server restart or a NAT timeout would)."""
        _close(*self._live)
        self._live.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            server = socket.create_connection((HOST, self.upstream_port))
            self._live += [client, server]
            drop_after, self.drop_after = self.drop_after, None
            state = {"id_sent": False, "lock": threading.Lock()}
            threading.Thread(target=self._client_to_server, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(client, server, state, drop_after),
                             daemon=True).start()

    def _client_to_server(self, client: socket.socket, server: socket.socket, state: dict[str, Any]) -> None:
        splitter = _Splitter()
        for data in _chunks(client, server):
            for starts, is_line, part in splitter.feed(data):
                words = part.split(None, 2) if starts and is_line else []
                command = words[1].upper() if len(words) >= 2 else b""
                state["id_sent"] = state["id_sent"] or command == b"ID"
                if self.require_id and not state["id_sent"] and command in (b"SELECT", b"EXAMINE"):
                    refusal = b" NO [UNAVAILABLE] " + command + b" Unsafe Login. Please contact kefu@188.com for help\r\n"
                    with state["lock"]:
                        client.sendall(words[0] + refusal)
                    continue
                server.sendall(part)

    def _server_to_client(self, client: socket.socket, server: socket.socket, state: dict[str, Any],
                          drop_after: int | None) -> None:
        splitter, sent = _Splitter(), 0
        for data in _chunks(server, client):
            parts = [data]
            if self.hide_id:
                parts = [_CAPABILITY_ID.sub(b"", part) if is_line and b"CAPABILITY" in part else part
                         for _, is_line, part in splitter.feed(data)]
            for part in parts:
                if drop_after is not None and sent + len(part) > drop_after:
                    with state["lock"]:
                        client.sendall(part[:drop_after - sent])
                    self.dropped += 1
                    _close(client, server)
                    return
                with state["lock"]:
                    client.sendall(part)
                sent += len(part)


def _chunks(source: socket.socket, other: socket.socket) -> Iterator[bytes]:
    try:
        while data := source.recv(65536):
            yield data
    except OSError:
        pass
    _close(source, other)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


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
        return "250 2.0.0 OK queued"


@dataclass
class SmtpServer:
    """aiosmtpd on a fixed loopback port that can be switched down and up, capturing what it accepts.

    ``behaviour``: "accept", "reject" (550 on DATA) or "defer" (451 on DATA).
    ``tls``: (cert, key) enables STARTTLS, or implicit TLS when ``implicit_tls``.
    ``credentials``: (user, password) offers AUTH (without TLS; ``Captured.authenticated`` tells if used).
    ``on_message``: called with each accepted message before the client is told it was accepted.
    """

    tls: tuple[Path, Path] | None = None
    implicit_tls: bool = False
    credentials: tuple[str, str] | None = None
    behaviour: str = "accept"
    port: int = field(default_factory=free_port)
    messages: list[Captured] = field(default_factory=list)
    on_message: Callable[[Captured], None] | None = None
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
