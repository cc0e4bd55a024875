"""The store: raw mail first, idempotent on (mailbox, UIDVALIDITY, UID), nothing outside data_dir."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from ingest.imap import ImapMailbox
from ingest.types import Cursor, RawMail
from shenbao.errors import StoreError
from shenbao.store.brief import Brief
from shenbao.store.db import Store
from tests.servers_imap import ImapAccount

NOW = datetime(2021, 4, 26, 2, 0, tzinfo=timezone.utc)


pytestmark = pytest.mark.both_databases  # the tests that take the ``store`` fixture


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Store:
    return Store(database_url or f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")


def mail(uid: str, raw: bytes = b"Subject: x\r\n\r\nbody", uidvalidity: int = 7) -> RawMail:
    return RawMail("imap:INBOX@h", uidvalidity, uid, NOW - timedelta(hours=1), raw, len(raw))


def test_raw_bytes_are_on_disk_and_row_committed_before_parsing(store: Store) -> None:
    email = store.save_raw(mail("1"), NOW)
    assert email is not None and email.state == "stored"
    assert store.read_raw(email) == b"Subject: x\r\n\r\nbody"
    assert store.path(email.raw_path).is_relative_to(store.data_dir)
    assert store.pending_emails() == [email.id]


def test_the_same_uid_is_stored_once_and_the_cursor_advances(store: Store) -> None:
    assert store.save_raw(mail("5"), NOW) is not None
    assert store.save_raw(mail("5"), NOW) is None
    assert store.save_raw(mail("9"), NOW) is not None
    assert store.cursor("imap:INBOX@h") == Cursor(uidvalidity=7, last_uid=9)
    assert store.uid_seen("imap:INBOX@h", 7, "5") and not store.uid_seen("imap:INBOX@h", 8, "5")


def test_a_new_uidvalidity_restarts_the_cursor(store: Store) -> None:
    store.save_raw(mail("9"), NOW)
    store.save_raw(mail("2", b"other", uidvalidity=8), NOW)
    assert store.cursor("imap:INBOX@h") == Cursor(uidvalidity=8, last_uid=2)


def test_internaldate_is_kept_exactly_in_utc(store: Store) -> None:
    shanghai = timezone(timedelta(hours=8))
    raw = RawMail("folder:x", 0, "a.eml", datetime(2021, 4, 30, 23, 59, 59, tzinfo=shanghai), b"x", 1)
    email = store.save_raw(raw, NOW)
    assert email is not None and email.received_at == "2021-04-30T15:59:59+00:00"


def test_paths_that_leave_data_dir_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="outside data_dir"):
        store.write_file("../escape.txt", b"x")
    assert not (store.data_dir.parent / "escape.txt").exists()


def test_attachment_names_are_sanitised_inside_data_dir(store: Store) -> None:
    relative = store.attachment_path("ab" * 32, "../../etc/passwd")
    assert store.path(relative).is_relative_to(store.data_dir)
    assert store.path(relative).name == "passwd"


def test_a_foreign_database_is_refused_not_recreated(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("create table accounts (id integer)")
    with pytest.raises(StoreError, match="not shenbao's"):
        Store(f"sqlite:///{db}", tmp_path / "data")


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        conn.execute("update meta set value = '99' where key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")


def test_a_database_made_before_a_table_gained_columns_is_refused(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        conn.execute("alter table replies drop column told")
    with pytest.raises(StoreError, match="table replies lacks told"):
        Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")


def test_a_schema_1_register_is_upgraded_with_the_brief_of_every_file(tmp_path: Path, database_url: str) -> None:
    """GIVEN a register made by schema 1 (files without their brief) holding a deeds file and a photo
    WHEN it is opened
    THEN each file's brief is computed from its facts and the register is at schema 3 (2, then 3), once
    (the same steps on SQLite and PostgreSQL)."""
    url, data = database_url or f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data"
    engine = Store(url, data).engine
    deeds = {"filename": "事迹.docx", "text": "王 建国\n　同志", "embedded_images": 2, "image": None, "form_fields": {}}
    photo = {"filename": "1.jpg", "text": "", "image": {"width": 4000, "height": 3000}}
    with engine.begin() as conn:
        for statement in ("alter table files drop column brief", "alter table replies drop column claimed_by",
                          "alter table replies drop column lease_until",
                          "update meta set value = '1' where key = 'schema_version'"):
            conn.execute(text(statement))
        conn.execute(text("insert into emails (mailbox, uidvalidity, uid, sha256, raw_path, size, received_at, stored_at, "
                          "state, message_id, from_addr, from_name, subject, in_reply_to, \"references\", disposition, "
                          "body_chars, cloud_links, defects) values ('m', 1, '1', '', '', 0, '', '', 'stored', '', '', "
                          "'', '', '', '', '', 0, '[]', '[]')"))
        for role, facts in (("deeds", deeds), ("photo", photo)):
            conn.execute(text("insert into files (email_id, filename, path, sha256, size, kind, role, unreadable, facts, "
                              "replaced_reason) values (1, :name, '', '', 1, 'docx', :role, '', :facts, '')"),
                         {"name": facts["filename"], "role": role, "facts": json.dumps(facts, ensure_ascii=False)})
    engine.dispose()
    assert Store(url, data).migration.describe().endswith("upgraded from schema 1 to 3")
    again = Store(url, data)  # the second opening finds schema 3: nothing to do
    assert again.migration.before == 3
    with again.engine.connect() as conn:
        briefs = [json.loads(row[0]) for row in conn.execute(text("select brief from files order by id"))]
        version = conn.execute(text("select value from meta where key = 'schema_version'")).scalar()
    empty = {"width": 0, "height": 0, "form_unit": "", "form_fields": {}}
    ocr = {"phash": "", "ocr_state": "", "ocr_text": "", "scan": False}  # a file of schema 1 was never read by OCR
    assert briefs == [{"text_chars": 5, "embedded_images": 2, **empty, **ocr},
                      {**empty, "text_chars": 0, "embedded_images": 0, "width": 4000, "height": 3000, **ocr}]
    assert version == "3"


def test_a_register_made_before_ocr_gains_the_empty_ocr_results_table(tmp_path: Path) -> None:
    """GIVEN a schema-3 register without ocr_results (made before OCR) WHEN opened THEN the table is added,
    empty, and the register stays at schema 3 (a brief stored before OCR decodes with no OCR facts)."""
    url, data = f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data"
    Store(url, data)
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        conn.execute("drop table ocr_results")
    Store(url, data)
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        assert conn.execute("select count(*) from ocr_results").fetchone() == (0,)
        assert conn.execute("select value from meta where key = 'schema_version'").fetchone() == ("3",)
    before = Brief.decode('{"text_chars": 5, "embedded_images": 2, "width": 0, "height": 0, "form_unit": "", '
                          '"form_fields": {}}', "file 1")
    assert (before.phash, before.ocr_state, before.ocr_text, before.scan) == ("", "", "", False)


def test_the_sqlite_database_runs_in_wal_mode(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data").save_raw(mail("1"), NOW)
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_a_uidvalidity_of_the_whole_32_bit_range_is_kept(store: Store) -> None:
    """IMAP's UIDVALIDITY and UIDs are unsigned 32-bit: above PostgreSQL's INTEGER."""
    top = 2**32 - 1
    assert store.save_raw(mail(str(top), uidvalidity=top), NOW) is not None
    assert store.cursor("imap:INBOX@h") == Cursor(top, top) and store.uid_seen("imap:INBOX@h", top, str(top))


def test_a_nul_character_in_a_mail_header_is_stored_not_refused(store: Store) -> None:
    """PostgreSQL text cannot hold NUL: it is stored as U+FFFD there, as it is on SQLite."""
    email = store.save_raw(mail("1"), NOW)
    assert email is not None
    with store.session() as s:
        email.subject, email.from_name = "请查收\x00附件", "\x00"
        s.add(email)
        s.commit()
    with store.session() as s:
        stored = s.get(type(email), email.id)
        nul = "\ufffd" if store.engine.dialect.name == "postgresql" else "\x00"
        assert stored is not None and (stored.subject, stored.from_name) == (f"请查收{nul}附件", nul)


def test_a_register_that_knew_the_imap_mailbox_by_its_former_name_keeps_its_cursor(tmp_path: Path) -> None:
    """GIVEN a SQLite register whose mails were stored under ``imap:INBOX@host`` (before the account
    was part of the name) WHEN the mailbox is opened under ``imap:user/INBOX@host`` THEN its cursor
    and stored UIDs carry over (nothing is fetched again), once."""
    store = Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")
    assert store.save_raw(mail("5"), NOW) is not None  # mailbox "imap:INBOX@h"
    new = "imap:jzghxjb@163.com/INBOX@h"
    assert store.adopt_mailbox(new, ("imap:INBOX@h",)) == 1 and store.adopt_mailbox(new, ("imap:INBOX@h",)) == 0
    assert store.cursor(new) == Cursor(7, 5) and store.uid_seen(new, 7, "5")
    assert store.cursor("imap:INBOX@h") == Cursor()


def test_a_former_mailbox_name_goes_on_a_shared_register_only_to_the_account_of_its_uidvalidity(
        store: Store, imap_account: ImapAccount) -> None:
    """GIVEN mail stored under the former name ``imap:INBOX@h`` with the UIDVALIDITY of a real Dovecot
    INBOX WHEN another account of that server (another UIDVALIDITY) opens the register, then the
    account itself THEN on PostgreSQL (shared) the other takes nothing and the account takes the
    cursor and the mail, once; on SQLite (one instance) the first to come takes it, unasked."""
    box = ImapMailbox(imap_account.config())
    ours = box.uidvalidity()
    store.save_raw(mail("5", uidvalidity=ours), NOW)
    other, mine = "imap:other@h/INBOX@h", f"imap:{imap_account.user}/INBOX@h"
    shared = store.engine.dialect.name != "sqlite"
    try:
        assert store.adopt_mailbox(other, ("imap:INBOX@h",), lambda: ours + 1) == (0 if shared else 1)
        assert store.adopt_mailbox(mine, ("imap:INBOX@h",), box.uidvalidity) == (1 if shared else 0)
        assert store.adopt_mailbox(mine, ("imap:INBOX@h",), box.uidvalidity) == 0
    finally:
        box.close()
    owner = mine if shared else other
    assert store.cursor(owner) == Cursor(ours, 5) and store.uid_seen(owner, ours, "5")
    assert store.cursor("imap:INBOX@h") == Cursor()


def test_the_server_is_not_asked_when_no_former_name_is_in_the_register(store: Store) -> None:
    def unreachable() -> int:
        raise AssertionError("asked the server")

    store.save_raw(mail("5"), NOW)
    assert store.adopt_mailbox("imap:u/INBOX@h", ("imap:INBOX@elsewhere",), unreachable) == 0
    assert store.cursor("imap:INBOX@h") == Cursor(7, 5)
