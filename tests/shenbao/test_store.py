"""The store: raw mail first, idempotent on (mailbox, UIDVALIDITY, UID), nothing outside data_dir."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.types import Cursor, RawMail
from shenbao.errors import StoreError
from shenbao.store.db import Store

NOW = datetime(2021, 4, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")


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


def test_a_schema_1_register_is_upgraded_with_the_brief_of_every_file(tmp_path: Path) -> None:
    """GIVEN a register made by schema 1 (files without their brief) holding a deeds file and a photo
    WHEN it is opened
    THEN each file's brief is computed from its facts and the register is at schema 3 (2, then 3), once."""
    url, data = f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data"
    Store(url, data)
    deeds = {"filename": "事迹.docx", "text": "王 建国\n　同志", "embedded_images": 2, "image": None, "form_fields": {}}
    photo = {"filename": "1.jpg", "text": "", "image": {"width": 4000, "height": 3000}}
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        conn.execute("alter table files drop column brief")
        conn.execute("alter table replies drop column claimed_by")
        conn.execute("alter table replies drop column lease_until")
        conn.execute("update meta set value = '1' where key = 'schema_version'")
        for role, facts in (("deeds", deeds), ("photo", photo)):
            conn.execute("insert into files (email_id, filename, path, sha256, size, kind, role, unreadable, facts, "
                         "replaced_reason) values (1, ?, '', '', 1, 'docx', ?, '', ?, '')",
                         (facts["filename"], role, json.dumps(facts, ensure_ascii=False)))
    Store(url, data)
    Store(url, data)  # the second opening finds schema 3: nothing to do
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        briefs = [json.loads(row[0]) for row in conn.execute("select brief from files order by id")]
        version = conn.execute("select value from meta where key = 'schema_version'").fetchone()[0]
    empty = {"width": 0, "height": 0, "form_unit": "", "form_fields": {}}
    assert briefs == [{"text_chars": 5, "embedded_images": 2, **empty},
                      {**empty, "text_chars": 0, "embedded_images": 0, "width": 4000, "height": 3000}]
    assert version == "3"


def test_the_database_runs_in_wal_mode(store: Store, tmp_path: Path) -> None:
    store.save_raw(mail("1"), NOW)
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
