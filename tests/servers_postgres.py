"""A real PostgreSQL on loopback for the tests: a temporary cluster (Debian's postgresql 15).

``initdb`` in a temp dir (trust authentication on 127.0.0.1 only, C locale, UTF-8, fsync off:
the cluster is thrown away), ``postgres`` on a free loopback port and a private socket dir. As
root (CI) the cluster belongs to the Debian package's ``postgres`` user (PostgreSQL refuses to
run as root). ``new_database`` gives each test an empty database of its own.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.servers_loopback import HOST, free_port

SUPERUSER = "shenbao"


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/install-test-deps.sh")
    return found[-1].parent


class PostgresServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shenbao-postgres-"))
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._numbers = itertools.count(1)

    def _user(self) -> pwd.struct_passwd:
        return pwd.getpwnam("postgres") if os.getuid() == 0 else pwd.getpwuid(os.getuid())

    def start(self) -> PostgresServer:
        user, bin_dir = self._user(), _bin_dir()
        data, sockets = self.dir / "data", self.dir / "sockets"
        sockets.mkdir()
        self.dir.chmod(0o755)
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        os.chown(sockets, user.pw_uid, user.pw_gid)
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "cwd": self.dir}
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--locale=C",
                        "--encoding=UTF8", "--no-sync"], check=True, capture_output=True, **as_user)  # type: ignore[call-overload]
        log = (self.dir / "postgres.log").open("wb")
        self._process = subprocess.Popen(  # type: ignore[call-overload]
            [str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), "-h", HOST, "-k", str(sockets),
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, **as_user)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.url("postgres", driver=False), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                assert self._process is not None
                if self._process.poll() is not None:
                    raise RuntimeError(f"postgres exited: {self.log()}") from None
                time.sleep(0.1)
        raise RuntimeError(f"postgres did not start: {self.log()}")

    def log(self) -> str:
        path = self.dir / "postgres.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def url(self, database: str, *, driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def new_database(self, copy_of: str = "") -> str:
        """A fresh database, empty or a copy of the one at URL ``copy_of``; its SQLAlchemy URL."""
        name, template = f"t{next(self._numbers)}", copy_of.rpartition("/")[2] or "template0"
        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
            # a template must have no other connection: end the pooled ones a test's engines left
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                         "AND pid <> pg_backend_pid()", (template,))
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database at ``url``, ending the connections the test's engines still pool
        (each test's engines would otherwise hold their connections until collected)."""
        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rpartition('/')[2]} WITH (FORCE)")

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)  # fast shutdown: do not wait for pooled connections
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
