"""Shared fixtures: real mail servers on loopback (the machinery is in tests/servers_*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_imap_proxy import ImapProxy
from tests.servers_loopback import make_certificate
from tests.servers_smtp import SmtpServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run the long variants (more crash trials, fuzz examples, bigger floods)")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    yield server
    server.stop()


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
