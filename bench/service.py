"""shenbao itself under the benchmark: ``run --once`` on a fresh store, idle cycles, export and digest."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.measure import Sample, run
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[1]
PASSWORD_ENV = "BENCH_IMAP_PASSWORD"
CONFIG = """\
[mailbox]
kind = "imap"
host = "{host}"
port = {port}
ssl = false
username = "{user}"
password_env = "{password_env}"
timeout_seconds = 60

[smtp]
kind = "smtp"
host = "127.0.0.1"
port = {smtp_port}
ssl = false
starttls = false
from_address = "jzghxjb@163.com"

[storage]
database_url = "{database_url}"
data_dir = "{store}/data"

[replies]
max_per_hour = 100000

[digest]
recipients = ["office@bench.test"]
{extra}"""


class Service:
    """One shenbao config over the benchmark's Dovecot account and aiosmtpd server; fresh stores
    are made under ``work`` (a disk or a tmpfs); ``extra`` is appended to the config (TOML); the register
is the store's SQLite file unless ``database_url`` names another (a PostgreSQL database)."""

    def __init__(self, work: Path, account: ImapAccount, smtp: SmtpServer, extra: str = "",
                 database_url: str = "") -> None:
        self.work, self.account, self.smtp, self.extra = work, account, smtp, extra
        self.database_url = database_url
        self.env = {PASSWORD_ENV: account.password}

    def config(self, store: Path) -> Path:
        path = store.with_suffix(".toml")
        path.write_text(CONFIG.format(host=self.account.host, port=self.account.port, user=self.account.user,
                                      password_env=PASSWORD_ENV, smtp_port=self.smtp.port, store=store,
                                      database_url=self.database_url or f"sqlite:///{store}/shenbao.db",
                                      extra=self.extra),
                        encoding="utf-8")
        return path

    def cli(self, config: Path, *args: str) -> Sample:
        return run([sys.executable, "-m", "shenbao", "--config", str(config), *args], env=self.env, cwd=ROOT)

    def fresh_run(self, index: int, keep: Path) -> Sample:
        """``run --once`` on an empty store; the store of the last run is kept as ``keep``."""
        store = self.work / f"store-{index}"
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(keep, ignore_errors=True)  # first: one store of N mails at a time (on tmpfs that is memory)
        sample = self.cli(self.config(store), "run", "--once")
        store.rename(keep)
        keep.with_suffix(".toml").unlink(missing_ok=True)
        store.with_suffix(".toml").unlink()
        return sample

    def idle_run(self, store: Path) -> Sample:
        return self.cli(self.config(store), "run", "--once")

    def idle_in_process(self, store: Path, cycles: int) -> Sample:
        """The daemon's idle cycle: ``Pipeline.run_once`` on a warm connection, median of ``cycles``."""
        command = [sys.executable, "-m", "bench.idle_cycle", str(self.config(store)), str(cycles)]
        return run(command, env=self.env, cwd=ROOT)

    def has_command(self, store: Path, command: str) -> bool:
        try:
            self.cli(self.config(store), command, "--help")
        except RuntimeError:
            return False
        return True

    def export_xlsx(self, store: Path) -> Sample:
        target = store / "register.xlsx"
        sample = self.cli(self.config(store), "export", "--format", "xlsx", "-o", str(target))
        if target.stat().st_size == 0:
            raise RuntimeError("export --format xlsx wrote an empty file")
        return sample

    def digest_print(self, store: Path) -> Sample:
        return self.cli(self.config(store), "digest", "--print")
