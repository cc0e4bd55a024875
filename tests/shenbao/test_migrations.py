"""Numbered migrations: ``shenbao migrate`` creates or upgrades the register and says what it did;
``shenbao doctor`` reports the database kind and schema version without changing anything.
(Old-format registers upgraded step by step: tests/shenbao/test_store.py and test_claims.py.)"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from shenbao.store.db import Store
from shenbao.store.migrations import STEPS
from shenbao.store.models import SCHEMA_VERSION
from tests.servers_loopback import HOST, free_port
from tests.shenbao.conftest import Service, service_config


def _db(service: Service) -> Path:
    return service.root / "var" / "shenbao.db"


def _set_version(service: Service, version: str, *drop: str) -> None:
    with sqlite3.connect(_db(service)) as conn:
        for table_column in drop:
            table, column = table_column.split(".")
            conn.execute(f"drop index if exists ix_{table}_{column}")  # SQLite drops no indexed column
            conn.execute(f"alter table {table} drop column {column}")
        conn.execute("update meta set value = ? where key = 'schema_version'", (version,))


def test_the_steps_are_numbered_one_after_another_up_to_the_schema_version() -> None:
    assert [step.version for step in STEPS] == list(range(2, SCHEMA_VERSION + 1))


def test_migrate_creates_a_new_register_then_has_nothing_to_do(service: Service) -> None:
    first, second = service.cli("migrate"), service.cli("migrate")
    assert (first.exit_code, first.output) == (0, f"sqlite register created at schema {SCHEMA_VERSION}\n")
    assert (second.exit_code, second.output) == (0, f"sqlite register at schema {SCHEMA_VERSION}: nothing to do\n")


def test_migrate_upgrades_a_schema_2_register_and_says_so(service: Service) -> None:
    service.cli("migrate")
    _set_version(service, "2", "replies.claimed_by", "replies.lease_until", "submissions.campaign",
                 "emails.campaign")
    result = service.cli("migrate")
    assert (result.exit_code, result.output) == (0, f"sqlite register upgraded from schema 2 to {SCHEMA_VERSION}\n")
    with sqlite3.connect(_db(service)) as conn:
        assert {"claimed_by", "lease_until"} <= {row[1] for row in conn.execute("pragma table_info(replies)")}
        assert all("campaign" in {row[1] for row in conn.execute(f"pragma table_info({table})")}
                   for table in ("submissions", "emails"))


def test_migrate_refuses_a_database_that_is_not_shenbaos_and_leaves_it_alone(service: Service) -> None:
    _db(service).parent.mkdir(parents=True)
    with sqlite3.connect(_db(service)) as conn:
        conn.execute("create table accounts (id integer)")
    result = service.cli("migrate")
    assert result.exit_code == 1 and "holds tables that are not shenbao's" in result.output
    with sqlite3.connect(_db(service)) as conn:
        assert [row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")] == ["accounts"]


def _doctor_register_line(service: Service) -> tuple[int, str]:
    result = service.cli("doctor")
    lines = result.output.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("register "))
    return result.exit_code, lines[title] + "\n" + lines[title + 1]


@pytest.mark.parametrize("version, code, says", [
    (None, 0, "[OK] schema: sqlite: 尚未建立，首次启动时建立 / not there yet; created on first start"),
    (str(SCHEMA_VERSION), 0, f"[OK] schema: sqlite, schema {SCHEMA_VERSION}"),
    ("2", 0, (f"[OK] schema: sqlite, schema 2: 启动或 shenbao migrate 时升级到 {SCHEMA_VERSION} / upgraded to "
              f"{SCHEMA_VERSION} on start or by shenbao migrate")),
    ("99", 1, "[FAIL] schema: sqlite, schema 99: 比本程序新"),
], ids=["no file yet", "current", "older", "newer"])
def test_doctor_reports_the_database_kind_and_schema_version_without_changing_it(
        service: Service, version: str | None, code: int, says: str) -> None:
    if version is not None:
        service.cli("migrate")
        _set_version(service, version)
    exit_code, lines = _doctor_register_line(service)
    assert exit_code == code and lines.startswith(f"register sqlite:///{_db(service)}\n  {says}"), lines
    if version is None:
        assert not _db(service).exists()  # doctor created nothing
    else:
        with sqlite3.connect(_db(service)) as conn:
            assert conn.execute("select value from meta where key = 'schema_version'").fetchone()[0] == version


def _with_url(service: Service, url: str) -> Service:
    service.config.write_text(service_config(url), encoding="utf-8")
    return service


def test_doctor_reports_a_postgresql_register_and_its_schema(service: Service, postgres_url: str) -> None:
    _with_url(service, postgres_url).cli("migrate")
    code, lines = _doctor_register_line(service)
    assert code == 0 and lines == f"register {postgres_url}\n  [OK] schema: postgresql, schema {SCHEMA_VERSION}"


def test_doctor_says_a_database_server_cannot_be_reached_with_the_password_masked(service: Service) -> None:
    code, lines = _doctor_register_line(_with_url(service, f"postgresql+psycopg://shenbao:s3cret@{HOST}:{free_port()}/x"))
    assert code == 1 and "[FAIL] connect: postgresql: 无法连接 / cannot connect" in lines
    assert "s3cret" not in lines and f"shenbao:***@{HOST}" in lines


KILLED_WHILE_CREATING = """
import os, sys
from pathlib import Path
from sqlmodel import SQLModel
from shenbao.store.db import Store

real = SQLModel.metadata.create_all
def dying(bind, tables=None, checkfirst=True):
    if tables is not None:
        return real(bind, tables=tables, checkfirst=checkfirst)
    real(bind, tables=SQLModel.metadata.sorted_tables[:5], checkfirst=checkfirst)
    os._exit(9)  # the process dies with half the tables made
SQLModel.metadata.create_all = dying
Store("sqlite:///" + sys.argv[1], Path(sys.argv[2]))
"""


def test_a_register_whose_creation_was_killed_halfway_opens_as_a_new_one(tmp_path: Path) -> None:
    """GIVEN a process killed while it created a new register (half its tables made; the crash suite's
    SIGKILL at start-up)  WHEN shenbao opens it again  THEN it is created anew (the tables are made in
    the transaction that records the version), not refused as schema version 0."""
    db = tmp_path / "shenbao.db"
    dead = subprocess.run([sys.executable, "-c", KILLED_WHILE_CREATING, str(db), str(tmp_path)], cwd=Path.cwd(),
                          check=False, timeout=120)
    assert dead.returncode == 9
    with sqlite3.connect(db) as conn:
        assert conn.execute("select name from sqlite_master where type = 'table'").fetchall() == [("meta",)]
    store = Store(f"sqlite:///{db}", tmp_path)
    assert (store.migration.before, store.migration.after) == (None, SCHEMA_VERSION)
