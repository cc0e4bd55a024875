"""``bounce_shape`` with its phrase search first (issue 13) names the same detector as every
flufl.bounce detector reading every body line (issue 16's way), over the real-world corpus, a
nomination with attachments and bounces that return a mail with base64 attachments."""

from __future__ import annotations

import email
from email.message import Message
from email.policy import compat32
from pathlib import Path

import pytest

from ingest.robots import _DETECTORS, _LOOSE, bounce_shape
from shenbao.samples.build import CST, nomination_email
from datetime import datetime

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
CORPUS_MAILS = sorted(CORPUS.rglob("*.eml"))
SENT = datetime(2021, 4, 26, 9, 0, tzinfo=CST)


def every_line_shape(message: Message) -> str:
    """The detectors in order, each over the whole mail, the first that finds a failed recipient."""
    for detector in (d for d in _DETECTORS if d.__name__ not in _LOOSE):
        try:
            temporary, permanent = detector().process(message)
        except Exception:  # noqa: BLE001 - as bounce_shape: a broken detector skips only itself
            continue
        if temporary or permanent:
            return str(detector.__name__)
    return ""


def returned(notice: str, original: bytes) -> bytes:
    """A bounce in words (no DSN) that returns ``original`` (with its base64 attachments) after ``notice``."""
    head = ("From: Mail Delivery System <MAILER-DAEMON@mx.example.cn>\r\nTo: jzghxjb@163.com\r\n"
            "Subject: failure notice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
    return (head + "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + notice + "\r\n--b1\r\n"
            "Content-Type: message/rfc822\r\n\r\n").encode() + original + b"\r\n--b1--\r\n"


NOMINATION = nomination_email("complete", unit="解放区总工会", candidate="赵刚", date=SENT)
GENERATED = {
    "nomination-with-attachments": NOMINATION,
    "returned-after-simplematch-phrase": returned(
        "Delivery to the following recipient failed permanently:\r\n\r\n     nobody@example.cn\r\n", NOMINATION),
    "returned-qmail": returned(
        "Hi. This is the qmail-send program at mx.example.cn.\r\nI'm afraid I wasn't able to deliver your message.\r\n\r\n"
        "<nobody@example.cn>:\r\nSorry, no mailbox here by that name.\r\n\r\n--- Below this line is a copy of the message.\r\n",
        NOMINATION),
    # the phrase, then only the returned mail's base64 lines: SimpleMatch's end pattern (^[^D][^@]{2,}$) ends it there
    "phrase-then-base64-only": returned("Delivery to the following recipient failed\r\n", NOMINATION),
}


@pytest.mark.parametrize("raw", [pytest.param(raw, id=key) for key, raw in GENERATED.items()])
def test_the_phrase_search_names_the_detector_every_line_names_for_generated_mail(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=compat32)
    assert bounce_shape(message) == every_line_shape(message)


def test_the_phrase_search_finds_the_bounces_it_must() -> None:
    """GIVEN a bounce in words returning a nomination with attachments  THEN it is still read as one."""
    message = email.message_from_bytes(GENERATED["returned-after-simplematch-phrase"], policy=compat32)
    assert bounce_shape(message) == "SimpleMatch"
    assert bounce_shape(email.message_from_bytes(NOMINATION, policy=compat32)) == ""


def test_the_phrase_search_names_the_detector_every_line_names_over_the_corpus() -> None:
    """GIVEN every .eml of the shared corpus  THEN both ways name the same detector for each."""
    assert len(CORPUS_MAILS) > 100
    differ = []
    for path in CORPUS_MAILS:
        message = email.message_from_bytes(path.read_bytes(), policy=compat32)
        if bounce_shape(message) != every_line_shape(message):
            differ.append(path.name)
    assert differ == []
    assert sum(bool(bounce_shape(email.message_from_bytes(p.read_bytes(), policy=compat32))) for p in CORPUS_MAILS) > 5
