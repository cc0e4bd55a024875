"""A real Dovecot IMAP server on loopback for the integration tests, and its mailbox users.

Nothing here is mocked: ``DovecotServer`` runs Dovecot from a config generated into a temp dir,
with a passwd-file of ``USERS`` users sharing ``PASSWORD``, maildirs under the same dir, and a
plain and a TLS listener (self-signed certificate). ``ImapAccount`` is one of those users, with
helpers that talk to the server directly (APPEND, FLAGS, UIDs, UIDVALIDITY resets) and build a
``MailboxConfig`` pointing at it. The NetEase-imitating proxy is in ``tests/servers_imap_proxy.py``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from shenbao.config_logins import MailboxConfig
from tests.servers_loopback import HOST, free_port, make_certificate

PASSWORD = "s3cret-Pass16"
USERS = 500


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
