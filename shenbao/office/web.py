"""``shenbao serve``: a read-only web view of the register (stdlib WSGI, no front-end build).

Loopback by default; listening anywhere else needs ``[web] password`` (HTTP Basic, checked in
constant time). Only GET and HEAD. Every page is escaped by the templates and sent with a
strict Content-Security-Policy (no scripts at all). Originals are served as downloads
(``Content-Disposition: attachment``) with a content type from the file's content, never from
the sender, and ``nosniff``. Thumbnails are made by Pillow and cached under data_dir.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from shenbao.config import Config
from shenbao.store.derived import file_bytes
from shenbao.errors import UsageError
from shenbao.secrets import is_loopback
from shenbao.store.models import StoredFile
from shenbao.store.db import Store
from shenbao.office.thumbs import thumbnail
from shenbao.office.web_pages import emails_page, list_page, message_page, nomination_page

log = logging.getLogger(__name__)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
CSP = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
PAGE_HEADERS = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]
DOWNLOAD_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp",
                  "webp": "image/webp", "tiff": "image/tiff", "pdf": "application/pdf", "txt": "text/plain; charset=utf-8",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "doc": "application/msword", "zip": "application/zip"}


MAX_ID_DIGITS = 18  # a file id beyond this is no file (SQLite integers end at 9.2e18)


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


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real (Chinese) name per RFC 6266 / 5987."""
    stem, dot, ext = filename.rpartition(".")
    ascii_stem = "".join(c for c in (stem if dot else filename) if c.isascii() and (c.isalnum() or c in "_-"))
    ascii_ext = "".join(c for c in ext if c.isascii() and c.isalnum())[:8] if dot else ""
    fallback = (ascii_stem if any(c.isalnum() for c in ascii_stem) else "file") + (f".{ascii_ext}" if ascii_ext else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class WebApp:
    """The WSGI application. ``password`` "" = no login (only ever for loopback)."""

    def __init__(self, store: Store, config: Config, password: str = "", listen: str = "127.0.0.1") -> None:
        self.store, self.config = store, config
        self.username, self.password = config.web.username, password
        self.listen, self.hosts = listen, frozenset(config.web.hosts)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if not host_allowed(environ.get("HTTP_HOST", ""), self.listen, self.hosts):
            return self._page(start_response, "400 Bad Request", "访问地址不正确",
                              "请用 127.0.0.1 或配置 [web] hosts 中列出的名称访问本页面。")
        if method not in ("GET", "HEAD"):
            return self._page(start_response, "405 Method Not Allowed", "不支持的请求", "本页面只供查看。",
                              [("Allow", "GET, HEAD")])
        if self.password and not self._authorised(environ.get("HTTP_AUTHORIZATION", "")):
            return self._page(start_response, "401 Unauthorized", "需要登录", "请输入用户名和密码。",
                              [("WWW-Authenticate", 'Basic realm="shenbao", charset="UTF-8"')])
        body = self._route(environ, start_response)
        return [] if method == "HEAD" else body

    def _authorised(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, given = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user_ok = hmac.compare_digest(user.encode(), self.username.encode())
        password_ok = hmac.compare_digest(given.encode(), self.password.encode())  # both compared: constant time
        return user_ok and password_ok

    def _route(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/":
            status = query.get("status", [""])[0]
            html = list_page(self.store, self.config, status if status in ("complete", "incomplete", "late") else "",
                             query.get("q", [""])[0].strip()[:50])
            return self._html(start_response, "200 OK", html)
        if path == "/emails":
            return self._html(start_response, "200 OK", emails_page(self.store, self.config))
        head, _, rest = path.lstrip("/").partition("/")
        if head == "n" and rest:
            page = nomination_page(self.store, self.config, rest)
            if page is not None:
                return self._html(start_response, "200 OK", page)
        if head in ("file", "thumb") and rest.isascii() and rest.isdigit() and len(rest) <= MAX_ID_DIGITS:
            return self._file(start_response, int(rest), thumb=head == "thumb")
        return self._page(start_response, "404 Not Found", "找不到该页面", "请从首页重新进入。")

    def _file(self, start_response: StartResponse, file_id: int, thumb: bool) -> list[bytes]:
        with self.store.session() as s:
            row = s.get(StoredFile, file_id)
        if row is None:
            return self._page(start_response, "404 Not Found", "找不到该文件", "文件编号不存在。")
        if thumb:
            data = thumbnail(self.store, row)
            if data is None:
                return self._page(start_response, "404 Not Found", "无法预览", "该文件不能生成缩略图。")
            start_response("200 OK", [("Content-Type", "image/jpeg"), ("Content-Length", str(len(data))),
                                      ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "private, max-age=86400")])
            return [data]
        data = file_bytes(self.store, row, self.config.limits.for_ingest())  # checked, made again if damaged
        if data is None:
            return self._page(start_response, "404 Not Found", "文件缺失", "该文件已不在数据目录中。")
        start_response("200 OK", [("Content-Type", DOWNLOAD_TYPES.get(row.kind, "application/octet-stream")),
                                  ("Content-Length", str(len(data))), ("Content-Disposition", content_disposition(row.filename)),
                                  ("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", "default-src 'none'"),
                                  ("Cache-Control", "no-store")])
        return [data]

    def _html(self, start_response: StartResponse, status: str, html: str,
              extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        data = html.encode("utf-8")
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                                *PAGE_HEADERS, *(extra or [])])
        return [data]

    def _page(self, start_response: StartResponse, status: str, title: str, text: str,
              extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        return self._html(start_response, status, message_page(self.config, title, text), extra)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("%s " + format, self.client_address[0], *args)


def make_app(store: Store, config: Config, host: str) -> WebApp:
    """The app for ``host``; refuses anything beyond loopback without a password."""
    password = config.web.secret()
    if not is_loopback(host) and not password:
        raise UsageError(f"web.password: required to listen on {host} (anything but 127.0.0.1); set [web] "
                         "password_env (or password), or serve on 127.0.0.1")
    return WebApp(store, config, password, host)


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
