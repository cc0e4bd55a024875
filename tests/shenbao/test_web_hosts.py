"""The web view answers only to its own names (no DNS rebinding) and any path gets a page, never a 500."""

from __future__ import annotations

import http.client
from urllib.parse import quote, urlsplit

import pytest

from shenbao.office.web import host_allowed
from tests.shenbao.conftest import FOLDER_CONFIG, Service, serving
from tests.shenbao.test_web import fill


def _status(url: str, path: str, host: str | None) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Service:
    """One filled register for the module (filling it is the slow part)."""
    root = tmp_path_factory.mktemp("site")
    (root / "mailbox").mkdir()
    (root / "config.toml").write_text(FOLDER_CONFIG + '\n[web]\nhosts = ["Shenbao.JZGH.local"]\n', encoding="utf-8")
    service = Service(root)
    fill(service)
    return service


@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1:{port}", 200), ("localhost:{port}", 200), ("127.0.0.1", 200), ("shenbao.jzgh.local:{port}", 200),
     ("rebind.evil.example:{port}", 400), ("127.0.0.1.evil.example", 400), ("localhost.evil.example", 400),
     ("10.0.0.5:{port}", 400), ("", 400), (None, 400)],
)
def test_only_the_views_own_names_are_served(site: Service, host: str | None, status: int) -> None:
    """GIVEN the view on loopback with [web] hosts = ["Shenbao.JZGH.local"]
    WHEN asked with each Host header THEN loopback literals, localhost and the configured name are served,
    any other name (a DNS-rebinding page's) or no Host at all is refused."""
    with serving(site) as web:
        port = str(urlsplit(web.url).port)
        assert _status(web.url, "/", host.replace("{port}", port) if host is not None else None) == status


@pytest.mark.parametrize("path", ["/file/" + "9" * 40, "/thumb/" + "9" * 40, "/file/99999999999999999999",
                                  "/file/" + quote("١٢"), "/file/-1", "/file/0"])
def test_a_file_number_that_is_no_file_is_404(site: Service, path: str) -> None:
    with serving(site) as web:
        assert _status(web.url, path, "127.0.0.1") == 404


@pytest.mark.parametrize(
    ("header", "listen", "allowed"),
    [("[::1]:8080", "::1", True), ("192.168.1.10:8080", "192.168.1.10", True), ("192.168.1.11", "192.168.1.10", False),
     ("192.168.1.11:8080", "0.0.0.0", True), ("office-pc:8080", "0.0.0.0", False), ("[::1", "::1", False)],
)
def test_the_listening_address_is_one_of_the_views_names(header: str, listen: str, allowed: bool) -> None:
    assert host_allowed(header, listen, frozenset()) is allowed
