"""ingest.bigparts: taking long base64 bodies out of the parser changes speed, never the result.

Every case parses the same bytes twice, once with the swap (threshold lowered so even small
parts are swapped) and once without it (threshold above any mail), and the two ParsedMails
must be equal, attachments byte for byte.
"""

from __future__ import annotations

import base64
import random
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import bigparts
from ingest.parse import parse_mail
from ingest.types import ParsedMail
from shenbao.samples.build import CLIENTS, build_email
from tests.ingest.test_parse import CORPUS, HEAD, SAMPLES, b64, entity, multipart

NEVER = 1 << 60


def _noise(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def _both(raw: bytes, monkeypatch: pytest.MonkeyPatch, threshold: int = 64) -> tuple[ParsedMail, ParsedMail]:
    monkeypatch.setattr(bigparts, "MIN_BYTES", threshold)
    swapped = parse_mail(raw)
    monkeypatch.setattr(bigparts, "MIN_BYTES", NEVER)
    return swapped, parse_mail(raw)


def _swapped_bodies(raw: bytes, monkeypatch: pytest.MonkeyPatch, threshold: int = 64) -> int:
    monkeypatch.setattr(bigparts, "MIN_BYTES", threshold)
    return len(bigparts.split(raw)[1].bodies)


def _part(ctype: str, encoding: str, body: bytes, extra: str = "") -> bytes:
    return entity(f"Content-Type: {ctype}\nContent-Transfer-Encoding: {encoding}{extra}", body)


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_client_mail_with_photos_parses_the_same_with_the_swap(client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    photos = [(f"工作照{n}.jpg", _noise(300_000, n)) for n in range(3)]
    raw = build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料-王建国",
                      text="陈老师：您好！材料请查收。", html="<div>陈老师：您好！</div>", attachments=photos, client=client)
    assert _swapped_bodies(raw, monkeypatch, bigparts.MIN_BYTES) == 3
    swapped, plain = _both(raw, monkeypatch, bigparts.MIN_BYTES)
    assert swapped == plain
    assert [(a.filename, a.data) for a in swapped.attachments] == photos


@pytest.mark.parametrize("body, why", [
    (b64(_noise(5000))[:-3] + b"\r\n", "padding missing: the stdlib decodes it and records a defect"),
    (b64(b"first part") + b64(_noise(5000)), "padding in the middle of the body"),
    (b"QUJD\r\n" * 2000 + b"QQ==\r\n", "short lines, padded end"),
])
def test_unusual_base64_bodies_decode_as_the_stdlib_does(body: bytes, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = multipart(HEAD, "mixed", _part("text/plain; charset=utf-8", "8bit", "正文".encode()),
                    _part("application/octet-stream", "base64", body, '\nContent-Disposition: attachment; filename="a.bin"'))
    assert _swapped_bodies(raw, monkeypatch) == 1, why
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain, why
    expected = message_from_bytes(raw, policy=policy.compat32).get_payload()[1].get_payload(decode=True)
    assert swapped.attachments[0].data == expected


def test_plain_text_that_looks_like_base64_is_kept_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    text = b"ABCDabcd0123+/" * 5 + b"\r\n"
    raw = multipart(HEAD, "mixed", _part("text/plain; charset=us-ascii", "7bit", text * 500))
    assert _swapped_bodies(raw, monkeypatch) == 1
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain
    assert swapped.text_body.replace("\r\n", "\n").count("ABCDabcd0123+/") == 5 * 500


def test_an_attached_mail_keeps_its_big_photo(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = _noise(200_000)
    inner = multipart("From: a@163.com\nSubject: 转发的材料", "mixed",
                      _part("image/jpeg", "base64", b64(photo), '\nContent-Disposition: attachment; filename="p.jpg"'))
    raw = multipart(HEAD, "mixed", _part("message/rfc822", "7bit", inner))
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain
    attached = message_from_bytes(swapped.attachments[0].data, policy=policy.default)
    assert [p.get_content() for p in attached.iter_attachments()] == [photo]


def test_an_attached_mail_in_base64_is_decoded_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    inner = entity("From: a@163.com\nSubject: inner\nContent-Type: text/plain", b"x" * 100_000)
    raw = multipart(HEAD, "mixed", _part("message/rfc822", "base64", b64(inner)))
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain


def test_a_whole_mail_of_base64_lines_without_parts_is_parsed_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = entity(f"{HEAD}\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64", b64(_noise(100_000)))
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain and swapped.attachments[0].data == _noise(100_000)


def test_a_placeholder_lookalike_in_the_mail_is_not_taken_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    lookalike = b"SHENBAOBLOB00000000000000000000000000000000N00000000\r\n"
    raw = multipart(HEAD, "mixed", _part("text/plain; charset=us-ascii", "7bit", lookalike),
                    _part("application/pdf", "base64", b64(_noise(10_000)), '\nContent-Disposition: attachment; filename="x.pdf"'))
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain and "SHENBAOBLOB00000000000000000000000000000000N00000000" in swapped.text_body


@pytest.mark.parametrize("path", SAMPLES + CORPUS, ids=[p.name for p in SAMPLES + CORPUS])
def test_shared_samples_and_realworld_corpus_parse_the_same_with_the_swap(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = path.read_bytes()
    swapped, plain = _both(raw, monkeypatch)
    assert swapped == plain


def test_the_samples_do_exercise_the_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sum(_swapped_bodies(path.read_bytes(), monkeypatch) for path in SAMPLES + CORPUS) >= len(SAMPLES)


def test_clean_base64_is_decoded_exactly() -> None:
    data = _noise(100_000)
    assert bigparts._clean_base64(base64.encodebytes(data).replace(b"\n", b"\r\n")) == data
    assert bigparts._clean_base64(b"QUJD\r\nQQ=\r\n") is None  # odd length: left to the stdlib


@pytest.mark.parametrize("body, expected", [
    (b"QUJD\r\nQQ==\r\n\r\n", b"ABCA"),  # padding, then blank lines
    (b"QUJDQQ==", b"ABCA"),  # no line end at all
    (b"QUJD\r\nQQ===\r\n", None),  # too much padding: left to the stdlib
    (b"QUJD\r\n" + b"=\r\n" * 40, None),  # a run of padding and line ends longer than any clean end
])
def test_clean_base64_is_read_in_place_between_offsets(body: bytes, expected: bytes | None) -> None:
    framed = b"--boundary\r\n\r\n" + body + b"\r\n--boundary--"
    start = framed.index(body)
    assert bigparts._clean_base64(framed, start, start + len(body)) == expected


@given(st.binary(max_size=60).map(lambda b: bytes(b"\n-x"[c % 3] for c in b)), st.integers(0, 62),
       st.integers(1, bigparts.DASH_TRIES))
def test_delimiter_search_finds_what_the_plain_search_finds(raw: bytes, pos: int, tries: int) -> None:
    assert bigparts._delimiter(raw, pos, tries) == raw.find(b"\n--", pos)
