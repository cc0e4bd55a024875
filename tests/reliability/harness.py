"""A shenbao installation driven as a separate process, the way the office runs it.

The reliability suites need what the in-process ``CliRunner`` helpers cannot give: a process
that can be SIGKILLed, its peak memory (``wait4``), its wall time, and its exact stderr.
``Installation`` writes a config from plain tables, runs ``python -m shenbao`` in a private
working directory (HOME and TMPDIR inside the installation too, so a stray write anywhere but
``data_dir`` is seen), and reads the register back for comparison.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from shenbao.config import load_config
from shenbao.office.export import register
from shenbao.store.db import Store
from tests.reliability.mixed import PHOTO_MIN_BYTES, PlannedMail
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD_ENV = "SHENBAO_TEST_IMAP_PASSWORD"
Table = Mapping[str, Any]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def to_toml(tables: Mapping[str, Table]) -> str:
    """Plain nested tables ({"mailbox": {...}, "rules.photos": {...}}) as TOML text."""
    out = []
    for name, table in tables.items():
        out.append(f"[{name}]")
        out += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        out.append("")
    return "\n".join(out)


def imap_table(account: ImapAccount, port: int | None = None, **overrides: Any) -> dict[str, Any]:
    """[mailbox] for the test Dovecot (or a proxy in front of it on ``port``); password from the env."""
    return {"kind": "imap", "host": account.host, "port": port or account.port, "ssl": False,
            "username": account.user, "password_env": PASSWORD_ENV, "poll_interval_seconds": 1,
            "timeout_seconds": 5, **overrides}


def smtp_table(server: SmtpServer, port: int | None = None, **overrides: Any) -> dict[str, Any]:
    return {"kind": "smtp", "host": "127.0.0.1", "port": port or server.port, "ssl": False, "starttls": False,
            "from_address": "jzghxjb@163.com", "timeout_seconds": 5, **overrides}


# The suites' rules: the mixed mailbox's small photos count as big enough, and the reply caps
# are high enough that only the loop suite (which sets its own) ever meets them.
BASE_TABLES: dict[str, Table] = {
    "storage": {"database_url": "sqlite:///var/shenbao.db", "data_dir": "var/data"},
    "rules.photos": {"min_bytes": PHOTO_MIN_BYTES},
    "replies": {"max_per_sender_per_day": 200, "max_per_sender_per_3h": 200, "max_per_hour": 1000},
    # These suites attack storage, network, loops and hostile input, with a fresh process per trial:
    # OCR (about 1 s a screenshot, tested in tests/ingest/test_ocr.py and tests/shenbao/test_ocr_intake.py)
    # would only multiply their time.
    "ocr": {"enabled": False},
}


@dataclass
class Finished:
    """How one process ended: exit code, output, peak resident memory and wall time."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float  # from the process itself (tests/reliability/peak.py); 0 when it was killed
    seconds: float


@dataclass
class Installation:
    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for sub in ("home", "tmp", "cwd"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def db_path(self) -> Path:
        return self.root / "var" / "shenbao.db"

    @property
    def data_dir(self) -> Path:
        return self.root / "var" / "data"

    def configure(self, mailbox: Table, smtp: Table, /, **tables: Table) -> Installation:
        merged = {"mailbox": mailbox, "smtp": smtp, **BASE_TABLES}
        for name, table in tables.items():
            key = name.replace("__", ".")
            merged[key] = {**merged.get(key, {}), **table}
        self.config_path.write_text(to_toml(merged), encoding="utf-8")
        return self

    def process_env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
                "HOME": str(self.root / "home"), "TMPDIR": str(self.root / "tmp"),
                "SHENBAO_TEST_PEAK_FILE": str(self.root / "peak-kb"), **self.env}

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the last shenbao process that exited normally, in MB."""
        path = self.root / "peak-kb"
        return int(path.read_text()) / 1024 if path.exists() else 0.0

    def start(self, *args: str, debug: bool = False, log: Path | None = None) -> subprocess.Popen[bytes]:
        """``python -m shenbao ARGS``; output to pipes, or appended to ``log`` (a daemon logs on and on)."""
        flags = ["--debug"] if debug else []
        command = [sys.executable, "-m", "tests.reliability.peak", "--config", str(self.config_path), *flags, *args]
        if log is None:
            return subprocess.Popen(command, cwd=self.root / "cwd", env=self.process_env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with log.open("ab") as sink:
            return subprocess.Popen(command, cwd=self.root / "cwd", env=self.process_env(), stdout=sink, stderr=sink)

    def run(self, *args: str, timeout: float = 120, debug: bool = False) -> Finished:
        (self.root / "peak-kb").unlink(missing_ok=True)
        finished = finish(self.start(*args, debug=debug), timeout)
        finished.peak_rss_mb = self.peak_rss_mb()
        return finished

    def run_once(self, timeout: float = 120) -> Finished:
        finished = self.run("run", "--once", timeout=timeout)
        assert finished.returncode == 0, finished.stderr[-3000:]
        return finished

    def export(self) -> dict[str, Any]:
        config = load_config(self.config_path)
        store = Store(config.database_url, config.data_dir)
        try:
            return register(store, config)
        finally:
            store.engine.dispose()

    def db(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)) as conn:
            return conn.execute(sql, params).fetchall()

    def stored_files(self) -> list[str]:
        """Every stored mail and file under data_dir (relative): not the service's own log and lock,
        nor the temp files a killed write leaves."""
        return sorted(str(p.relative_to(self.data_dir)) for p in self.data_dir.rglob("*")
                      if p.is_file() and not p.name.startswith(".tmp-") and p.name != "shenbao.lock"
                      and not p.relative_to(self.data_dir).parts[0] == "logs")

    def strays(self) -> list[str]:
        """Anything written outside data_dir and the register: must stay empty."""
        expected = {"config.toml", "peak-kb", "var", "mailbox", "replies", "home", "tmp", "cwd", "var/data"}
        found = [str(p.relative_to(self.root)) for p in self.root.rglob("*")
                 if not p.is_relative_to(self.data_dir) and str(p.relative_to(self.root)) not in expected
                 and not p.is_relative_to(self.root / "mailbox") and not p.is_relative_to(self.root / "replies")
                 and not (p.parent == self.db_path.parent and p.name.startswith(self.db_path.name))]
        return sorted(found)

    def snapshot(self) -> dict[str, Any]:
        """What must be identical after any crash and restart: the export, the outbox, the files."""
        replies = self.db("select e.uid, r.to_addr, r.kind, r.subject, r.state from replies r "
                          "join emails e on e.id = r.email_id order by e.uid")
        return {"export": self.export(), "replies": [list(row) for row in replies], "files": self.stored_files()}


def install(root: Path, source: ImapAccount | Path, smtp: SmtpServer, **tables: Table) -> Installation:
    """An installation reading ``source`` (an IMAP account's INBOX, or a folder of .eml files)
    and replying through ``smtp``; ``tables`` are merged into the config (``rules__photos=...``)."""
    if isinstance(source, Path):
        return Installation(root).configure({"kind": "folder", "path": str(source)}, smtp_table(smtp), **tables)
    installation = Installation(root, env={PASSWORD_ENV: source.password})
    return installation.configure(imap_table(source), smtp_table(smtp), **tables)


def finish(process: subprocess.Popen[bytes], timeout: float) -> Finished:
    """Wait for ``process`` (its output read meanwhile); SIGKILL it after ``timeout``."""
    started = time.monotonic()
    output: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=name, s=stream: output.__setitem__(n, s.read()), daemon=True)
               for name, stream in (("out", process.stdout), ("err", process.stderr)) if stream is not None]
    for reader in readers:
        reader.start()
    overran = False
    while True:
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout and not overran:
            process.kill()
            overran = True
        time.sleep(0.005)
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    stdout, stderr = output.get("out", b"").decode(errors="replace"), output.get("err", b"").decode(errors="replace")
    if overran:
        raise AssertionError(f"{process.args!r} ran over {timeout}s: {stderr[-2000:]}")
    return Finished(process.returncode, stdout, stderr, 0.0, time.monotonic() - started)


def deliver_imap(account: ImapAccount, mails: list[PlannedMail]) -> None:
    with account.client() as client:
        for mail in mails:
            client.append("INBOX", mail.raw, flags=(), msg_time=mail.arrived)


def deliver_folder(folder: Path, mails: list[PlannedMail]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for mail in mails:
        path = folder / f"{mail.index:05d}.eml"
        path.write_bytes(mail.raw)
        os.utime(path, (mail.arrived.timestamp(), mail.arrived.timestamp()))


def _captured(server: SmtpServer) -> list[Any]:
    from email import message_from_bytes
    from email.policy import default

    return [message_from_bytes(m.data, policy=default) for m in list(server.messages)]


def captured_ids(server: SmtpServer) -> list[str]:
    """The Message-ID of every message the test SMTP server accepted, in order (a resent reply
    keeps its Message-ID, so a repeated ID is a repeated copy)."""
    return [str(message["Message-ID"]) for message in _captured(server)]


def captured_replies(server: SmtpServer) -> set[tuple[str, str]]:
    """(recipient, subject) of every accepted message: what a run delivered, comparable across runs
    (Message-IDs are new in every run; subjects carry the deterministic reference tag)."""
    return {(str(message["To"]), str(message["Subject"])) for message in _captured(server)}


def dispositions(snapshot_or_export: Mapping[str, Any]) -> list[str]:
    data = snapshot_or_export.get("export", snapshot_or_export)
    return [e["disposition"] for e in data["emails"]]


def today() -> str:
    return datetime.now().strftime("%Y-%m-%d")
