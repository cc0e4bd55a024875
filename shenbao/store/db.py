"""The store: the SQLite (or any SQLAlchemy URL) register plus content files under data_dir.

The only shared state of the service. Raw mail is written to disk and its row committed
before anything parses it; nothing is ever written outside ``data_dir``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session, col, create_engine, select

from ingest.types import Cursor, RawMail
from shenbao.store.datadir import DataDir
from shenbao.errors import StoreError
from shenbao.store.faults import database_error
from shenbao.store.migrations import Migration, migrate
from shenbao.store.models import Email, MailboxState

log = logging.getLogger(__name__)


HEADERS_SUFFIX = ".headers.eml"  # raw file of an oversize mail: its header block only


def utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_timeout_ms: int = 10000) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.close()


def _postgres_connection(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL's text cannot hold NUL, which mail and documents do carry (SQLite keeps it):
    every string goes to PostgreSQL with U+FFFD in place of NUL, as text in UTF-8."""
    from shenbao.store.postgres import register_nul_safe_text

    register_nul_safe_text(dbapi_connection)


def engine_options(database_url: str, busy_timeout_ms: int) -> dict[str, Any]:
    """``create_engine`` arguments per database: on PostgreSQL a wait for another program's row or
    table lock ends after ``busy_timeout_ms`` (as SQLite's busy_timeout), and connections are
    checked before use (a restarted server)."""
    if not database_url.startswith("postgresql"):
        return {}
    return {"pool_pre_ping": True,
            "connect_args": {"client_encoding": "utf8", "options": f"-c lock_timeout={int(busy_timeout_ms)}"}}


class Store(DataDir):
    """The register, and (``DataDir``) the files under data_dir."""

    def __init__(self, database_url: str, data_dir: Path, *, busy_timeout_seconds: float = 10.0) -> None:
        super().__init__(data_dir)
        self.busy_timeout_seconds = busy_timeout_seconds  # how long to wait for another program's lock
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"storage.data_dir {self.data_dir}: cannot create it ({exc.strerror})") from None
        if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
            db_file = Path(database_url[len("sqlite:///"):])
            try:
                db_file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"storage.database_url: cannot create {db_file.parent} ({exc.strerror})") from None
        busy_ms = int(busy_timeout_seconds * 1000)
        self.engine: Engine = create_engine(database_url, **engine_options(database_url, busy_ms))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, busy_ms))
        elif self.engine.dialect.name == "postgresql":
            event.listen(self.engine, "connect", _postgres_connection)
        self._migrate(database_url)

    def _migrate(self, database_url: str) -> None:
        """Create or upgrade the register (``shenbao.store.migrations``); refuse what is not shenbao's."""
        shown = self.engine.url.render_as_string(hide_password=True)
        try:
            self.migration: Migration = migrate(self.engine, shown)
        except StoreError as exc:
            raise StoreError(f"storage.database_url {shown}: {exc}") from None
        except OperationalError as exc:
            raise database_error(self.engine, exc, self.busy_timeout_seconds, "cannot open the database") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; a locked, full or read-only database becomes one clear StoreError."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as exc:
            raise database_error(self.engine, exc, self.busy_timeout_seconds) from exc

    # --- mail in ---------------------------------------------------------------------------

    def uid_seen(self, mailbox: str, uidvalidity: int, uid: str) -> bool:
        with self.session() as s:
            row = s.exec(select(Email.id).where(Email.mailbox == mailbox, Email.uidvalidity == uidvalidity,
                                                Email.uid == uid)).first()
            return row is not None

    def cursor(self, mailbox: str) -> Cursor:
        with self.session() as s:
            state = s.get(MailboxState, mailbox)
            return Cursor(state.uidvalidity, state.last_uid) if state else Cursor()

    def adopt_mailbox(self, name: str, former: Sequence[str], uidvalidity: Callable[[], int] | None = None) -> int:
        """A register that knew this mailbox by a former name (``ingest.imap``: before the account
        was part of it) keeps its cursor and its record of what was stored under the new name, so
        nothing is fetched again. How many emails were renamed.

        On a shared register (not SQLite) the former name may stand for another account on the same
        server: there only the history whose UIDVALIDITY is this account's is taken (``uidvalidity``
        asks the server; called only when a former name is in the register, and nothing is taken
        without it), under a lock on the former cursor, so two instances never both take it."""
        shared = self.engine.dialect.name != "sqlite"
        if not former or (shared and uidvalidity is None):
            return 0
        with self.session() as s:
            if s.get(MailboxState, name) is not None or s.exec(select(Email.id).where(Email.mailbox == name)).first():
                return 0
            candidates = list(former) if not shared else list(
                s.exec(select(MailboxState.mailbox).where(col(MailboxState.mailbox).in_(list(former)))))
        if not candidates:
            return 0
        ours = uidvalidity() if shared and uidvalidity is not None else None  # before any lock: it is a network call
        moved = 0
        with self.session() as s:
            for old in candidates:
                state = s.exec(select(MailboxState).where(col(MailboxState.mailbox) == old).with_for_update()).first()
                if shared and (state is None or state.uidvalidity != ours):
                    continue  # taken by another instance meanwhile, or another account's history
                same = [col(Email.mailbox) == old] + ([col(Email.uidvalidity) == ours] if shared else [])
                moved += int(s.exec(update(Email).where(*same).values(mailbox=name)).rowcount or 0)
                s.exec(update(MailboxState).where(col(MailboxState.mailbox) == old).values(mailbox=name))
            s.commit()
        if moved:
            log.info("the register's %d emails of %s are now under %s", moved, ", ".join(former), name)
        return moved

    def save_raw(self, mail: RawMail, now: datetime) -> Email | None:
        """Store the raw bytes and commit the row; None when this (mailbox, UIDVALIDITY, UID) is known.

        Also advances the mailbox cursor in the same transaction.
        """
        sha = hashlib.sha256(mail.raw).hexdigest()
        raw_path = ""
        if mail.raw or not mail.oversize:  # an oversize mail keeps only its header block, marked by the suffix
            raw_path = f"raw/{sha[:2]}/{sha}{HEADERS_SUFFIX if mail.oversize else '.eml'}"
            self.write_file(raw_path, mail.raw)
        email = Email(mailbox=mail.mailbox, uidvalidity=mail.uidvalidity, uid=mail.uid, sha256=sha,
                      raw_path=raw_path, size=mail.size or len(mail.raw), received_at=utc_iso(mail.internaldate),
                      stored_at=utc_iso(now))
        with self.session() as s:
            try:
                self._advance_cursor(s, mail)
                if self._seen_before_uidvalidity_change(s, mail, sha):
                    s.commit()  # the same message under a new UIDVALIDITY: move on, do not process again
                    return None
                s.add(email)
                s.commit()
            except IntegrityError:
                s.rollback()
                return None
            except OperationalError:
                raise  # locked or full: session() says so in one line; the cursor did not move
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot record {mail.mailbox} UID {mail.uid}: {exc}") from None
        return email

    @staticmethod
    def _seen_before_uidvalidity_change(s: Session, mail: RawMail, sha: str) -> bool:
        """After a UIDVALIDITY reset every message comes again under new UIDs: know them by content."""
        return s.exec(select(Email.id).where(Email.mailbox == mail.mailbox, Email.sha256 == sha,
                                             Email.uidvalidity != mail.uidvalidity)).first() is not None

    @staticmethod
    def _advance_cursor(s: Session, mail: RawMail) -> None:
        if not mail.uid.isdigit():
            return
        state = s.get(MailboxState, mail.mailbox) or MailboxState(mailbox=mail.mailbox)
        if state.uidvalidity != mail.uidvalidity:
            state.uidvalidity, state.last_uid = mail.uidvalidity, 0
        state.last_uid = max(state.last_uid, int(mail.uid))
        s.add(state)

    @staticmethod
    def headers_only(email: Email) -> bool:
        """True for a mail too large to download: only its header block was stored."""
        return not email.raw_path or email.raw_path.endswith(HEADERS_SUFFIX)

    def read_raw(self, email: Email) -> bytes:
        return self.path(email.raw_path).read_bytes() if email.raw_path else b""

    @property
    def shared(self) -> bool:
        """True for a register several instances may serve at once (not a SQLite file)."""
        return self.engine.dialect.name != "sqlite"

    def pending_emails(self, mailbox: str | None = None) -> list[int]:
        """Ids of emails stored but not yet processed (a crash left them, or they just came), of
        ``mailbox`` only when given."""
        query = select(Email.id).where(Email.state == "stored")
        if mailbox is not None:
            query = query.where(Email.mailbox == mailbox)
        with self.session() as s:
            return [i for i in s.exec(query.order_by(col(Email.id))) if i is not None]
