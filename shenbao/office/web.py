"""``shenbao serve``: the web view of the register (stdlib WSGI, no front-end build).

Loopback by default; listening anywhere else needs a login (HTTP Basic, checked in constant
time; ``shenbao.web_auth``). Editors decide and mark paper copies through POST forms that carry
a token (``shenbao.web_actions``); viewers only look; everything else is GET and HEAD. Every page
is escaped by the templates and sent with a strict Content-Security-Policy (no scripts at all).
Files (``shenbao.web_files``) are downloads typed from their content, never from the sender.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, unquote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from shenbao.config import Config
from shenbao.errors import StoredValueError, UsageError
from shenbao.secrets import is_loopback
from shenbao.store.db import Store
from shenbao.office.web_actions import post
from shenbao.office.web_auth import Auth, Login, logins
from shenbao.office.web_files import FileAnswer, content_disposition, materials_zip, raw_mail, stored_file, workbook
from shenbao.office.web_list import ListQuery
from shenbao.office.web_pages import (Visitor, email_page, emails_page, list_page, message_page, nomination_page, reply_page,
                               units_page)

__all__ = ["content_disposition", "is_loopback", "make_app", "serve", "server_url", "web_server"]


log = logging.getLogger(__name__)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
CSP = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
PAGE_HEADERS = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]
Page = tuple[str, str]  # (status, html)
DAMAGED = ("登记册中有一条记录已损坏，本页暂时无法显示。请管理员在服务器上运行 shenbao reevaluate 重新核对并修复，"
           "然后刷新本页。详细情况已写入服务日志。")


MAX_ID_DIGITS = 18  # a file id beyond this is no file (SQLite integers end at 9.2e18)


def _is_id(text: str) -> bool:
    """A row id in a path: ASCII digits, short enough to be a database integer (else: 404)."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS


def host_allowed(header: str, listen: str, names: frozenset[str]) -> bool:
    """Whether a request's Host header names this view: ``localhost``, a loopback literal, the
    listening address (any address literal when listening on all of them) or one of ``names``
    (``[web] hosts``). Any other name is refused, so a page whose domain is made to resolve to
    127.0.0.1 (DNS rebinding) cannot read the login-free loopback view."""
    host = header.strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    host = host.rstrip(".")
    if host == "localhost" or host in names:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    try:
        bound = ipaddress.ip_address(listen)
    except ValueError:
        bound = None
    return address.is_loopback or (bound is not None and (bound.is_unspecified or address == bound))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class WebApp:
    """The WSGI application; ``auth`` knows the logins (none: no login, only ever for loopback)."""

    def __init__(self, store: Store, config: Config, auth: Auth, clock: Callable[[], datetime] = _utc_now,
                 listen: str = "127.0.0.1") -> None:
        self.store, self.config, self.auth, self.clock = store, config, auth, clock
        self.listen, self.hosts = listen, frozenset(config.web.hosts)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if not host_allowed(environ.get("HTTP_HOST", ""), self.listen, self.hosts):
            return self._message(start_response, "400 Bad Request", "访问地址不正确",
                                 "请用 127.0.0.1 或配置 [web] hosts 中列出的名称访问本页面。")
        path = environ.get("PATH_INFO", "/")
        posting = method == "POST" and path.endswith(("/decide", "/paper"))
        if method not in ("GET", "HEAD") and not posting:
            return self._message(start_response, "405 Method Not Allowed", "不支持的请求", "该地址只能查看。",
                                 [("Allow", "GET, HEAD")])
        login = self.auth.who(environ.get("HTTP_AUTHORIZATION", ""))
        if login is None:
            return self._message(start_response, "401 Unauthorized", "需要登录", "请输入用户名和密码。",
                                 [("WWW-Authenticate", 'Basic realm="shenbao", charset="UTF-8"')])
        visitor = Visitor(login.name, login.can_edit, self.auth.token(login), self.auth.required)
        try:
            if posting:
                return self._post(start_response, login, visitor, environ, path)
            body = self._route(start_response, visitor, path, parse_qs(environ.get("QUERY_STRING", "")))
        except StoredValueError as exc:  # a damaged register row: say so politely, name the repair, log the row
            log.error("web: %s %s: %s", method, path, exc)
            return self._message(start_response, "500 Internal Server Error", "登记册中有一条记录无法读取",
                                 DAMAGED, visitor=visitor)
        return [] if method == "HEAD" else body

    def _post(self, start_response: StartResponse, login: Login, visitor: Visitor, environ: dict[str, Any],
              path: str) -> list[bytes]:
        outcome = post(self.store, self.config, self.auth, login, environ, unquote(path), self.clock())
        if outcome.location:
            log.info("web: %s %s by %s", path, outcome.status, login.name)
            start_response(outcome.status, [("Location", outcome.location), ("Content-Length", "0"), *PAGE_HEADERS])
            return []
        html = message_page(self.config, outcome.title, outcome.text, visitor, outcome.back)
        return self._html(start_response, outcome.status, html)

    def _route(self, start_response: StartResponse, visitor: Visitor, path: str,
               query: dict[str, list[str]]) -> list[bytes]:
        page = self._page(visitor, path, query)
        if page is not None:
            return self._html(start_response, *page)
        head, _, rest = unquote(path).lstrip("/").partition("/")
        number, _, tail = rest.partition("/")
        answer: FileAnswer | None = None
        if head in ("file", "thumb", "view") and _is_id(rest):
            answer = stored_file(self.store, self.config, int(rest), head)
        elif head in ("email", "reply") and number.isdigit() and tail == "raw":
            answer = raw_mail(self.store, head, int(number))
        elif head == "n" and tail == "materials.zip":
            answer = materials_zip(self.store, number)
        elif path == "/register.xlsx":
            answer = workbook(self.store, self.config, self.clock())
        if answer is not None:
            return self._file(start_response, visitor, answer)
        return self._message(start_response, "404 Not Found", "找不到该页面", "请从首页重新进入。", visitor=visitor)

    def _page(self, visitor: Visitor, path: str, query: dict[str, list[str]]) -> Page | None:
        """The HTML page at ``path``, if there is one."""
        store, config = self.store, self.config
        if path == "/":
            return "200 OK", list_page(store, config, visitor, ListQuery.of(query))
        if path == "/units":
            return "200 OK", units_page(store, config, visitor)
        if path == "/emails":
            return "200 OK", emails_page(store, config, visitor)
        head, _, rest = unquote(path).lstrip("/").partition("/")
        html: str | None = None
        if head == "n" and rest and "/" not in rest:
            html = nomination_page(store, config, visitor, rest, query.get("done", [""])[0])
        elif head == "email" and _is_id(rest):
            html = email_page(store, config, visitor, int(rest))
        elif head == "reply" and _is_id(rest):
            html = reply_page(store, config, visitor, int(rest))
        return ("200 OK", html) if html is not None else None

    def _file(self, start_response: StartResponse, visitor: Visitor, answer: FileAnswer) -> list[bytes]:
        if answer.data is None:
            return self._message(start_response, "404 Not Found", answer.title, answer.text, visitor=visitor)
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.data))),
                   ("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", "default-src 'none'"),
                   ("Cache-Control", answer.cache)]
        if answer.filename:
            headers.append(("Content-Disposition", content_disposition(answer.filename, answer.inline)))
        start_response("200 OK", headers)
        return [answer.data]

    def _html(self, start_response: StartResponse, status: str, html: str,
              extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        data = html.encode("utf-8")
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                                *PAGE_HEADERS, *(extra or [])])
        return [data]

    def _message(self, start_response: StartResponse, status: str, title: str, text: str,
                 extra: list[tuple[str, str]] | None = None, visitor: Visitor | None = None) -> list[bytes]:
        return self._html(start_response, status, message_page(self.config, title, text, visitor), extra)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("%s " + format, self.client_address[0], *args)  # noqa: G003 - the stdlib hands its own format


def make_app(store: Store, config: Config, host: str) -> WebApp:
    """The app for ``host``; refuses anything beyond loopback without a login."""
    known = logins(config)
    if not is_loopback(host) and not known:
        raise UsageError(f"web.password: required to listen on {host} (anything but 127.0.0.1); set [web] "
                         "password_env (or password) or [[web.users]], or serve on 127.0.0.1")
    return WebApp(store, config, Auth(config, known), listen=host)


def web_server(store: Store, config: Config, host: str, port: int) -> WSGIServer:
    """A threading WSGI server for the app, bound and listening (port 0: any free port)."""
    app = make_app(store, config, host)
    try:
        return make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def server_url(server: WSGIServer) -> str:
    host = str(server.server_address[0])
    return f"http://{host if ':' not in host else f'[{host}]'}:{server.server_port}/"


def serve(store: Store, config: Config, host: str, port: int, ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGTERM/SIGINT; ``ready`` is told the URL once listening."""
    server = web_server(store, config, host, port)
    stopper = threading.Thread(target=server.shutdown, daemon=True)  # shutdown() must not run on the serving thread
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stopper.start())
    log.info("serving the register at %s", server_url(server))
    if ready is not None:
        ready(server_url(server))
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
