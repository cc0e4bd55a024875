"""The one module that talks IMAP: a ``Mailbox`` over imapclient, ready for 163.com.

Read-only and exact: the folder is selected with EXAMINE, bodies are fetched with
``BODY.PEEK[]`` (\\Seen is never set nor read), only UIDs above the cursor are fetched while
UIDVALIDITY is unchanged, and one message is held in memory at a time. NetEase servers refuse
SELECT until the client identifies itself, so ``ID`` is sent whenever the server offers it.
A connection that drops mid-fetch is re-opened with backoff and the fetch resumes after the
last UID handed out, so nothing is lost and nothing is handed out twice.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import time
from collections.abc import Iterator, Sequence
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from ingest.errors import AuthError, MailboxError
from ingest.imap_texts import (as_str, aware, error_text, login_refused, password_not_ascii, select_failure, tls_detail,
                               tls_failed, tls_untrusted, unreachable)
from ingest.mailbox import MAX_HEADER_BYTES, Known
from ingest.resume import Broken, Progress, resumed
from ingest.settings import ImapSettings, client_version
from ingest.types import Cursor, RawMail

log = logging.getLogger(__name__)

CLIENT_ID = {"name": "shenbao", "version": client_version()}
META_BATCH = 50
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0)
_NEWS = (b"EXISTS", b"RECENT")
_Broken = (imaplib.IMAP4.error, OSError)  # a failed command, a BYE (abort), a reset or a timeout


class ImapMailbox:
    """``Mailbox`` over IMAP. Keeps one connection open between calls; ``close()`` ends it."""

    def __init__(self, cfg: ImapSettings, *, retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.cfg = cfg
        # The account is part of the name: two accounts on one server (a mailbox per city on
        # imap.163.com) have their own UIDs, so their own cursor and (mailbox, UIDVALIDITY, UID) keys.
        self.name = f"imap:{cfg.username}/{cfg.folder}@{cfg.host}"
        self.former_names = (f"imap:{cfg.folder}@{cfg.host}",)  # the name before the account was in it
        self.retry_delays = tuple(retry_delays)
        self._client: IMAPClient | None = None
        self._uidnext: int | None = None  # UIDNEXT seen by the last fetch, to spot mail that came since

    @property
    def where(self) -> str:
        return f"{self.cfg.host}:{self.cfg.port}"

    # -- fetching ---------------------------------------------------------------------------

    def fetch_new(self, cursor: Cursor, known: Known) -> Iterator[RawMail]:
        """Yield every message above the cursor (all of them after a UIDVALIDITY change), oldest first."""
        start = Progress(cursor.uidvalidity, cursor.last_uid)
        yield from resumed(lambda progress: self._fetch_pass(progress, known), start, self.retry_delays, self._discard,
                           self.where)

    def _fetch_pass(self, progress: Progress, known: Known) -> Iterator[RawMail]:
        try:
            client = self._connected()
        except MailboxError as exc:
            if progress.connected and not isinstance(exc, AuthError):
                raise Broken(str(exc)) from exc
            raise
        progress.connected = True
        try:
            uidvalidity = self._select(client)
            if progress.uidvalidity != uidvalidity:
                log.info("IMAP %s: UIDVALIDITY of %s is %s (was %s): reading the whole folder",
                         self.where, self.cfg.folder, uidvalidity, progress.uidvalidity)
                progress.uidvalidity, progress.floor = uidvalidity, 0
            # "UID n:*" always matches the newest message, even below n: filter.
            uids = sorted(uid for uid in client.search(["UID", f"{progress.floor + 1}:*"]) if uid > progress.floor)
            for start in range(0, len(uids), META_BATCH):
                batch = uids[start:start + META_BATCH]
                meta = client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
                for uid in batch:
                    mail = self._download(client, uidvalidity, uid, meta.get(uid), known)
                    if mail is not None:
                        yield mail
                        mail = None  # not held while the next one is read: one message in memory
                    progress.floor = uid
                    self._uidnext = max(self._uidnext or 0, uid + 1)
        except _Broken as exc:
            raise Broken(f"{type(exc).__name__}: {exc}") from exc

    def _download(self, client: IMAPClient, uidvalidity: int, uid: int, meta: dict[bytes, Any] | None,
                  known: Known) -> RawMail | None:
        if meta is None or known.uid_seen(self.name, uidvalidity, str(uid)):
            return None  # expunged meanwhile, or stored already
        size = int(meta.get(b"RFC822.SIZE", 0))
        internaldate = aware(meta.get(b"INTERNALDATE"))
        if size > self.cfg.max_message_bytes:  # only the header block: enough to record and answer it
            header = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {}).get(b"BODY[HEADER]") or b""
            return RawMail(self.name, uidvalidity, str(uid), internaldate, bytes(header)[:MAX_HEADER_BYTES], size,
                           oversize=True)
        body = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
        if body is None:
            return None
        return RawMail(self.name, uidvalidity, str(uid), internaldate, bytes(body), size or len(body))

    # -- waiting ----------------------------------------------------------------------------

    def wait_for_news(self, timeout: float) -> bool:
        """Block up to ``timeout`` s in IMAP IDLE; True as soon as the server announces new mail.

        Returns False at once when IDLE is off or not offered (the caller then sleeps its poll
        interval), and False when the connection breaks while waiting (the next fetch reconnects).
        MailboxError/AuthError when no connection can be opened at all.
        """
        if not self.cfg.idle:
            return False
        client = self._connected()
        try:
            if not client.has_capability("IDLE"):
                return False
            uidnext = int(client.select_folder(self.cfg.folder, readonly=True).get(b"UIDNEXT", 0))
            if self._uidnext is not None and uidnext > self._uidnext:
                return True  # arrived between the last fetch and now
            return self._idle(client, time.monotonic() + timeout)
        except _Broken as exc:
            log.info("IMAP %s: IDLE ended by %s; will reconnect", self.where, exc)
            self._discard()
            return False

    def _idle(self, client: IMAPClient, deadline: float) -> bool:
        client.idle()
        try:
            while (left := deadline - time.monotonic()) > 0:
                responses = [r for r in client.idle_check(timeout=left) if isinstance(r, tuple) and len(r) > 1]
                if any(r[1] in _NEWS for r in responses):
                    return True
                # Nothing read before the deadline means EOF (idle_check swallows it), or a BYE.
                if any(r[0] == b"BYE" for r in responses) or (not responses and deadline - time.monotonic() > 0.1):
                    raise imaplib.IMAP4.abort("the server closed the connection during IDLE")
            return False
        finally:
            client.idle_done()

    # -- optional changes to the mailbox ------------------------------------------------------

    def post_process(self, uid: str) -> None:
        """Add ``mark_processed_keyword`` and/or move to ``move_processed_to``; by default do nothing."""
        keyword, target = self.cfg.mark_processed_keyword, self.cfg.move_processed_to
        if not keyword and not target:
            return
        client = self._connected()
        try:
            client.select_folder(self.cfg.folder, readonly=False)
            if keyword:
                client.add_flags([int(uid)], [keyword])
            if target:
                self._move(client, int(uid), target)
        except _Broken as exc:
            self._discard()
            raise MailboxError(f"IMAP {self.where}: could not mark or move UID {uid} of {self.cfg.folder!r}: {exc}; "
                               "check mark_processed_keyword / move_processed_to in [mailbox]") from exc

    def _move(self, client: IMAPClient, uid: int, target: str) -> None:
        if not client.folder_exists(target):
            client.create_folder(target)
        if client.has_capability("MOVE"):
            client.move([uid], target)
        elif client.has_capability("UIDPLUS"):
            client.copy([uid], target)
            client.add_flags([uid], [b"\\Deleted"])
            client.uid_expunge([uid])
        else:
            raise MailboxError(f"IMAP {self.where}: the server offers neither MOVE nor UIDPLUS, so mail cannot be "
                               "moved without touching other messages; leave move_processed_to empty")

    # -- connection -------------------------------------------------------------------------

    def uidvalidity(self) -> int:
        """The folder's UIDVALIDITY, asked of the server (the connection stays for the next fetch)."""
        try:
            return self._select(self._connected())
        except _Broken as exc:
            self._discard()
            raise MailboxError(f"IMAP {self.where}: cannot read UIDVALIDITY of {self.cfg.folder}: "
                               f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except _Broken:
                _shutdown(client)

    def _discard(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)

    def _connected(self) -> IMAPClient:
        if self._client is None:
            client = self._dial()
            try:
                self._login(client)
                self._identify(client)
            except MailboxError:
                _shutdown(client)
                raise
            self._client = client
        return self._client

    def _select(self, client: IMAPClient) -> int:
        """EXAMINE the folder; return its UIDVALIDITY."""
        try:
            info = client.select_folder(self.cfg.folder, readonly=True)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            raise MailboxError(select_failure(self.where, self.cfg.folder, exc, client.has_capability("ID"))) from exc
        self._uidnext = int(info.get(b"UIDNEXT", 0)) or None
        return int(info[b"UIDVALIDITY"])

    def _dial(self) -> IMAPClient:
        """Open the connection (TCP, then TLS when ``ssl``); MailboxError names host:port and the fix.

        A TLS failure is raised ``from`` its ``ssl.SSLError`` (doctor tells it from a refused host).
        """
        cfg = self.cfg
        try:
            client = IMAPClient(cfg.host, cfg.port, ssl=cfg.ssl, ssl_context=self._tls_context() if cfg.ssl else None,
                                timeout=cfg.timeout_seconds)
        except ssl.SSLCertVerificationError as exc:
            raise MailboxError(tls_untrusted(self.where, exc.verify_message)) from exc
        except ssl.SSLError as exc:
            raise MailboxError(tls_failed(self.where, exc.reason)) from exc
        except _Broken as exc:
            raise MailboxError(unreachable(self.where, exc)) from exc
        client._imap.debug = 0  # imapclient sets 5: imaplib would %-format every body it reads
        client.normalise_times = False  # keep INTERNALDATE's own UTC offset
        return client

    def _tls_context(self) -> ssl.SSLContext:
        return self.cfg.tls_context()

    def _login(self, client: IMAPClient) -> None:
        user = self.cfg.username
        try:
            client.login(user, self.cfg.secret())
        except LoginError as exc:
            raise AuthError(login_refused(self.where, user, exc)) from exc
        except UnicodeEncodeError as exc:
            raise AuthError(password_not_ascii(self.where, user)) from exc
        except _Broken as exc:
            raise MailboxError(f"IMAP {self.where}: connection lost during login ({exc}); try again later") from exc

    def _identify(self, client: IMAPClient) -> dict[str, str] | None:
        """Send RFC 2971 ID when offered (before SELECT: NetEase requires it); the server's answer."""
        try:
            if not client.has_capability("ID"):
                return None
            answer = client.id_(CLIENT_ID)
        except (imaplib.IMAP4.abort, OSError) as exc:
            raise MailboxError(f"IMAP {self.where}: connection lost after login ({exc}); try again later") from exc
        except imaplib.IMAP4.error as exc:  # a refused ID is not fatal by itself; SELECT will tell
            log.warning("IMAP %s: ID refused: %s", self.where, error_text(exc))
            return {}
        pairs = answer.items() if isinstance(answer, dict) else (answer or ())
        return {as_str(k): as_str(v) for k, v in pairs}

    # -- diagnosis --------------------------------------------------------------------------

    def doctor(self) -> list[tuple[str, bool, str]]:
        """Check connect, TLS, login, ID and SELECT in turn: (step, ok, 中文 / English detail)."""
        try:
            client = self._dial()
        except MailboxError as exc:
            if isinstance(exc.__cause__, ssl.SSLError):
                return [("connect", True, f"已连通 {self.where} / reachable"), ("TLS", False, f"TLS 失败 / {exc}")]
            return [("connect", False, f"无法连接 / {exc}")]
        steps = [("connect", True, f"已连接 {self.where} / connected"), ("TLS", True, self._tls_detail(client))]
        checks = (("login", self._check_login), ("ID", self._check_id), ("select", self._check_select))
        try:
            for name, check in checks:
                try:
                    ok, detail = check(client)
                except MailboxError as exc:
                    ok, detail = False, str(exc)
                except _Broken as exc:
                    ok, detail = False, f"连接中断 / connection lost: {exc}"
                steps.append((name, ok, detail))
                if not ok:
                    break
        finally:
            _shutdown(client)
        return steps

    def _tls_detail(self, client: IMAPClient) -> str:
        version = getattr(client.socket(), "version", lambda: "TLS")() if self.cfg.ssl else ""
        return tls_detail(self.cfg.ssl, self.cfg.ssl_verify, version)

    def _check_login(self, client: IMAPClient) -> tuple[bool, str]:
        self._login(client)
        return True, f"已登录 {self.cfg.username} / logged in"

    def _check_id(self, client: IMAPClient) -> tuple[bool, str]:
        answer = self._identify(client)
        if answer is None:
            return True, "服务器未提供 ID 命令，无需发送 / server does not offer ID"
        return True, f"已发送 ID，服务器为 {answer.get('name', '?')} / ID sent"

    def _check_select(self, client: IMAPClient) -> tuple[bool, str]:
        self._select(client)
        count = client.folder_status(self.cfg.folder, ["MESSAGES"]).get(b"MESSAGES", "?")
        return True, f"已打开文件夹 {self.cfg.folder}（{count} 封邮件，只读）/ folder opened read-only"


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except _Broken:
        pass
