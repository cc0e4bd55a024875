"""Fixtures for the wiring tests: a folder mailbox, a file outbox and the CLI run in-process."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from shenbao.cli import cli
from shenbao.config import load_config
from shenbao.office.web import WebApp, server_url, web_server
from shenbao.service.demo import folder_config
from shenbao.service.wiring import open_store

FOLDER_CONFIG = folder_config(database="var/shenbao.db", data_dir="var/data", from_address="jzghxjb@163.com").replace(
    "[storage]", "[ocr]  # the wiring tests judge screenshots by presence; OCR through the service: ocr_service, the demo\n"
                 "enabled = false\n\n[storage]")
OCR_CONFIG = FOLDER_CONFIG.replace("enabled = false", "enabled = true")


@dataclass
class Service:
    """A shenbao installation in a temp dir: drop mail in, run commands, read replies and export."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    def deliver(self, name: str, raw: bytes, received: datetime) -> Path:
        path = self.root / "mailbox" / name
        path.write_bytes(raw)
        os.utime(path, (received.timestamp(), received.timestamp()))
        return path

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(self.config), *args], obj={}, catch_exceptions=False)

    def run_once(self) -> str:
        result = self.cli("run", "--once")
        assert result.exit_code == 0, result.output
        return result.output

    def export(self) -> dict[str, Any]:
        result = self.cli("export", "--format", "json")
        assert result.exit_code == 0, result.output
        data: dict[str, Any] = json.loads(result.output)
        return data

    def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run ``query`` (named ``:params``) on this installation's register, SQLite or PostgreSQL,
        committed; its rows."""
        store = open_store(load_config(self.config))
        try:
            with store.engine.begin() as conn:
                result = conn.execute(text(query), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            store.engine.dispose()

    def replies(self) -> list[EmailMessage]:
        files = sorted((self.root / "replies").glob("*.eml")) if (self.root / "replies").exists() else []
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]  # type: ignore[misc]


def service_config(database_url: str = "") -> str:
    """``FOLDER_CONFIG``, its register at ``database_url`` when one is given (PostgreSQL), read in the
    service's process (``workers = 1``): these tests deliver a mail or two, where starting reader workers
    for each command only costs time; the workers' path has its own tests (tests/reliability/test_workers.py,
    test_ocr_intake) and the reliability suites run with the default."""
    config = FOLDER_CONFIG + "\n[performance]\nworkers = 1\n"
    if not database_url:
        return config
    return config.replace('database_url = "sqlite:///var/shenbao.db"', f'database_url = "{database_url}"')


@dataclass
class Site:
    """The web view of a service's register, served while a ``serving`` block runs."""

    service: Service
    url: str
    app: WebApp


@contextmanager
def serving(service: Service, host: str = "127.0.0.1") -> Iterator[Site]:
    """``shenbao serve`` of ``service`` on a free port in a thread, shut down when the block ends."""
    config = load_config(service.config)
    server = web_server(open_store(config), config, host, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        app = server.get_app()
        assert isinstance(app, WebApp)
        yield Site(service, server_url(server), app)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Service:
    (tmp_path / "mailbox").mkdir()
    (tmp_path / "config.toml").write_text(service_config(database_url), encoding="utf-8")
    return Service(tmp_path)


@pytest.fixture
def ocr_service(tmp_path: Path) -> Service:
    """A service that reads the pictures' text (the real OCR engine, about 1 s a new picture)."""
    (tmp_path / "mailbox").mkdir()
    (tmp_path / "config.toml").write_text(OCR_CONFIG, encoding="utf-8")
    return Service(tmp_path)


@pytest.fixture
def service_with(tmp_path: Path, database_url: str) -> Callable[[str], Service]:
    """A service whose config has extra TOML appended."""

    def make(extra: str) -> Service:
        (tmp_path / "mailbox").mkdir(exist_ok=True)
        (tmp_path / "config.toml").write_text(service_config(database_url) + extra, encoding="utf-8")
        return Service(tmp_path)

    return make
