"""The same mail twice (copied or moved back under a new UID) is recorded once more but not processed
or answered again; a folder mailbox's file names are UIDs exactly as written (NFC and NFD are two files)."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from shenbao.config import load_config
from shenbao.store.models import Email
from shenbao.samples.build import CST, build_email
from shenbao.store.db import Store
from tests.shenbao.conftest import Service
from tests.shenbao.unitmail import package

pytestmark = pytest.mark.both_databases  # the store, intake, outbox and digest on SQLite and PostgreSQL

AT = datetime(2021, 4, 26, 10, 0, tzinfo=CST)


def _mail(subject: str = "推荐材料-王喆", message_id: str = "<m1@163.com>", text: str = "附件是推荐材料。") -> bytes:
    return build_email(from_addr="syqzgh@163.com", from_name="山阳区总工会", subject=subject, text=text,
                       attachments=package("王喆", "山阳区总工会"), date=AT, message_id=message_id)


def _emails(service: Service) -> list[Email]:
    config = load_config(service.config)
    with Store(config.database_url, config.data_dir).session() as s:
        return list(s.exec(select(Email).order_by(Email.id)))  # type: ignore[arg-type]


def test_a_copy_under_a_new_uid_is_ignored_as_a_duplicate_naming_the_first(service: Service) -> None:
    """GIVEN a nomination processed and answered WHEN the same message arrives again under a new UID,
    byte for byte, and once more re-sent with its Message-ID by the same sender
    THEN both copies are stored and recorded as ignored:duplicate naming the first; nobody is answered again."""
    raw = _mail()
    service.deliver("1.eml", raw, AT)
    service.run_once()
    service.deliver("copy-of-1.eml", raw, AT + timedelta(hours=1))
    service.deliver("resent.eml", raw.replace(b"\r\n\r\n", b"\r\nX-Resent: yes\r\n\r\n", 1), AT + timedelta(hours=2))
    service.run_once()
    first, copy, resent = _emails(service)
    assert [e.disposition for e in (first, copy, resent)] == ["submission", "ignored:duplicate", "ignored:duplicate"]
    for later in (copy, resent):
        named = [line for line in json.loads(later.defects) if line.startswith("duplicate-of:")]
        assert named == [f"duplicate-of: email {first.id} ({first.mailbox} UID 1.eml, <m1@163.com>, submission)"]
    assert len(service.replies()) == 1
    [sub] = service.export()["submissions"]
    assert len(sub["emails"]) == 1


def test_the_same_message_id_from_another_sender_is_not_a_duplicate(service: Service) -> None:
    service.deliver("1.eml", _mail(), AT)
    other = _mail().replace(b"syqzgh@163.com", b"jfqzgh@163.com")
    service.deliver("2.eml", other, AT + timedelta(minutes=5))
    service.run_once()
    first, second = _emails(service)
    assert first.disposition == "submission" and second.disposition != "ignored:duplicate"  # (held: another sender)
    assert len(service.replies()) == 2


def test_nfc_and_nfd_file_names_are_two_mails(service: Service) -> None:
    """GIVEN two different mails in files whose names differ only in Unicode normalisation (NFC and NFD)
    WHEN the folder is read THEN both are stored and processed, each under its own UID."""
    name = "推荐材料-José.eml"
    nfc, nfd = unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)
    assert nfc != nfd
    service.deliver(nfc, _mail("推荐材料-王喆", "<a@163.com>"), AT)
    service.deliver(nfd, _mail("补充材料-王喆", "<b@163.com>", text="补充的材料见附件。"), AT + timedelta(minutes=1))
    service.run_once()
    emails = _emails(service)
    assert sorted(e.uid for e in emails) == sorted([nfc, nfd])
    assert all(e.state == "processed" and not e.disposition.startswith(("error", "ignored")) for e in emails)
