"""Shared fixtures: real mail servers on loopback (the machinery is in tests/servers_*.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_imap_proxy import ImapProxy
from tests.servers_loopback import make_certificate
from tests.servers_postgres import PostgresServer
from tests.servers_smtp import SmtpServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run the long variants (more crash trials, fuzz examples, bigger floods)")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    yield server
    server.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_databases: run the test on SQLite and again on PostgreSQL (the "
                                       "fixtures that open a register take their URL from database_url)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_databases") and "database_kind" in metafunc.fixturenames:
        metafunc.parametrize("database_kind", ["sqlite", "postgresql"], indirect=True, scope="module")


@pytest.fixture(scope="module")
def database_kind(request: pytest.FixtureRequest) -> str:
    """"sqlite" (the default), or "postgresql" for a test marked ``both_databases``; with
    ``SHENBAO_TEST_DATABASE=postgresql`` every test whose register comes from ``database_url``
    runs on PostgreSQL (a whole-suite check, not the default)."""
    return str(getattr(request, "param", os.environ.get("SHENBAO_TEST_DATABASE", "sqlite")))


@pytest.fixture
def database_url(database_kind: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """"" for the test's own SQLite file, else an empty database on the session's PostgreSQL."""
    if database_kind != "postgresql":
        yield ""
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A temporary PostgreSQL cluster on loopback, once per session."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """An empty database of its own on the session's PostgreSQL (``postgresql+psycopg://…``)."""
    url = postgres.new_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    """A fresh user (empty INBOX) on the session's Dovecot."""
    return dovecot.add_user()


@pytest.fixture
def netease_proxy(dovecot: DovecotServer) -> Iterator[ImapProxy]:
    """A proxy in front of Dovecot's plain port that refuses SELECT before ID, like 163.com."""
    proxy = ImapProxy(dovecot.imap_port).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(cert.pem, key.pem), self-signed for localhost and 127.0.0.1."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain aiosmtpd server that accepts and captures everything (switch ``behaviour`` to refuse)."""
    server = SmtpServer().up()
    yield server
    server.down()
