"""ingest.parse: every requirement proven on raw .eml bytes built here, plus the shared samples/corpus."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.html_text import html_to_text
from ingest.parse import parse_mail
from ingest.types import ParsedMail


def _shared() -> Path:
    beside_checkout = Path(__file__).resolve().parents[3] / "shared"
    return beside_checkout if beside_checkout.is_dir() else Path("/work/shared")


SAMPLES = sorted((_shared() / "samples").glob("*.eml"))
CORPUS = sorted((_shared() / "corpus" / "realworld").rglob("*.eml"))

HEAD = ("From: Unit <unit@163.com>\nTo: jzghxjb@163.com\nSubject: test\n"
        "Message-ID: <m1@163.com>\nDate: Mon, 26 Apr 2021 10:02:18 +0800\nMIME-Version: 1.0")
PHOTO = bytes(range(256)) * 40  # binary payload: every byte value
_BOUNDARIES = itertools.count()


def entity(head: str | bytes, body: bytes = b"") -> bytes:
    """A raw message or part: header lines (may hold raw 8-bit bytes), blank line, body; CRLF."""
    lines = head.encode() if isinstance(head, str) else head
    return lines.strip(b"\n").replace(b"\n", b"\r\n") + b"\r\n\r\n" + body


def multipart(head: str, subtype: str, *parts: bytes, params: str = "") -> bytes:
    boundary = f"=_b{next(_BOUNDARIES)}".encode()
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + boundary + b"--\r\n"
    return entity(f'{head}\nContent-Type: multipart/{subtype}; boundary="{boundary.decode()}"{params}', body)


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def attachment(disposition: str | bytes, data: bytes = PHOTO, ctype: str = "application/octet-stream") -> bytes:
    head = f"Content-Type: {ctype}\nContent-Transfer-Encoding: base64\n".encode()
    extra = disposition.encode() if isinstance(disposition, str) else disposition
    return entity(head + extra, b64(data))


def word(text: str, charset: str, how: str = "B") -> str:
    data = text.encode("gb18030" if charset.lower() in ("gb2312", "gbk") else charset)
    if how == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?Q?{''.join(f'={byte:02X}' for byte in data)}?="


def pct(text: str, codec: str) -> str:
    return quote_from_bytes(text.encode(codec), safe="")


# ---------------------------------------------------------------- headers

def test_headers_are_decoded_and_normalised() -> None:
    raw = entity(
        'From: "=?UTF-8?B?5rKB6Ziz5biC5oC75bel5Lya?=" <QYSZGH@163.COM>\n'
        "To: Office <JZGHXJB@163.com>, other@Example.org\n"
        f"Subject: {word('2021年焦作“最美', 'UTF-8')}\n {word('职工”推荐材料', 'UTF-8')}\n"
        "Message-ID: <abc.123@163.com>\nIn-Reply-To: <prev@163.com>\n"
        "References: <first@163.com>\n <prev@163.com>\n"
        "Date: Mon, 26 Apr 2021 10:02:18 +0800 (CST)\nContent-Type: text/plain; charset=utf-8",
        "正文".encode())
    mail = parse_mail(raw)
    assert (mail.from_addr, mail.from_name) == ("qyszgh@163.com", "沁阳市总工会")
    assert mail.to == ("jzghxjb@163.com", "other@example.org")
    assert mail.subject == "2021年焦作“最美职工”推荐材料"
    assert (mail.message_id, mail.in_reply_to) == ("abc.123@163.com", "prev@163.com")
    assert mail.references == ("first@163.com", "prev@163.com")
    assert mail.date == datetime(2021, 4, 26, 10, 2, 18, tzinfo=timezone(timedelta(hours=8)))
    assert mail.date is not None and mail.date.utcoffset() == timedelta(hours=8)
    assert mail.text_body == "正文" and mail.defects == ()


def test_multibyte_character_split_across_encoded_words_survives() -> None:
    data = "张堃的推荐材料".encode()
    first, second = base64.b64encode(data[:4]).decode(), base64.b64encode(data[4:]).decode()
    mail = parse_mail(entity(f"Subject: =?UTF-8?B?{first}?=\n\t=?UTF-8?B?{second}?=", b"x"))
    assert mail.subject == "张堃的推荐材料"


@pytest.mark.parametrize(("value", "expected"), [
    ("Mon, 26 Apr 2021 10:02:18 +0800", datetime(2021, 4, 26, 2, 2, 18, tzinfo=timezone.utc)),
    ("26 Apr 2021 02:02:18 -0000", datetime(2021, 4, 26, 2, 2, 18, tzinfo=timezone.utc)),
    ("Tue, 27 Apr 2021 15:40:02 GMT", datetime(2021, 4, 27, 15, 40, 2, tzinfo=timezone.utc)),
])
def test_date_is_timezone_aware(value: str, expected: datetime) -> None:
    date = parse_mail(entity(f"From: a@b.cn\nDate: {value}", b"x")).date
    assert date == expected and date is not None and date.tzinfo is not None


def test_unreadable_date_is_none_with_a_defect() -> None:
    mail = parse_mail(entity("From: a@b.cn\nDate: Pn, 29 paX 2007 21:13:00 +0100", b"x"))
    assert mail.date is None
    assert any(defect.startswith("date-unparseable") for defect in mail.defects)


def test_absent_headers_give_empty_values() -> None:
    mail = parse_mail(entity("Content-Type: text/plain", b"hello"))
    assert (mail.message_id, mail.subject, mail.from_addr, mail.from_name) == ("", "", "", "")
    assert (mail.to, mail.references, mail.date, mail.in_reply_to) == ((), (), None, "")
    assert mail.text_body == "hello"


# ---------------------------------------------------------------- bodies and attachments

def test_alternative_bodies_and_attachments_are_separated() -> None:
    body = multipart("", "alternative",
                     entity("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64",
                            b64("您好，请查收。".encode())),
                     entity("Content-Type: text/html; charset=UTF-8", "<p>您好，请查收。</p>".encode()))
    docx = b"PK\x03\x04" + PHOTO
    raw = multipart(HEAD, "mixed", body,
                    attachment('Content-Disposition: attachment; filename="form.docx"', docx,
                               "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                    attachment('Content-Disposition: attachment; filename="notes.txt"', b"notes", "text/plain"))
    mail = parse_mail(raw)
    assert mail.text_body == "您好，请查收。"
    assert mail.html_body == "<p>您好，请查收。</p>"
    assert [(a.filename, a.declared_type, a.data) for a in mail.attachments] == [
        ("form.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx),
        ("notes.txt", "text/plain", b"notes"),
    ]


def test_html_only_mail_leaves_text_body_empty() -> None:
    mail = parse_mail(entity(f"{HEAD}\nContent-Type: text/html; charset=utf-8", "<div>事迹</div>".encode()))
    assert (mail.text_body, mail.html_body) == ("", "<div>事迹</div>")


@pytest.mark.parametrize("headers", [
    'Content-Type: image/jpeg\nContent-Disposition: inline; filename="photo.jpg"',
    'Content-Type: image/jpeg; name="photo.jpg"',
])
def test_inline_image_with_a_name_is_an_attachment(headers: str) -> None:
    image = entity(f"{headers}\nContent-ID: <img1@163.com>\nContent-Transfer-Encoding: base64", b64(PHOTO))
    related = multipart("", "related", entity("Content-Type: text/html", b'<img src="cid:img1@163.com">'), image)
    mail = parse_mail(multipart(HEAD, "mixed", related))
    assert [(a.filename, a.declared_type, a.data) for a in mail.attachments] == [("photo.jpg", "image/jpeg", PHOTO)]
    assert mail.html_body == '<img src="cid:img1@163.com">'


def test_quoted_printable_attachment_is_decoded_once_to_its_bytes() -> None:
    part = entity('Content-Type: text/csv\nContent-Transfer-Encoding: quoted-printable\n'
                  'Content-Disposition: attachment; filename="a.csv"', b"a=3Db,=E4=B8=AD\r\n")
    mail = parse_mail(multipart(HEAD, "mixed", part))
    assert mail.attachments[0].data == "a=b,中\r\n".encode()


@pytest.mark.parametrize(("disposition", "expected"), [
    ("", "转发：沈军推荐材料.eml"),
    ('Content-Disposition: attachment; filename="original.eml"', "original.eml"),
])
def test_attached_message_is_one_attachment(disposition: str, expected: str) -> None:
    inner = multipart(f"From: x@163.com\nSubject: {word('转发：沈军推荐材料', 'gbk')}", "mixed",
                      entity("Content-Type: text/plain", b"inner body"),
                      attachment('Content-Disposition: attachment; filename="inner.jpg"'))
    mail = parse_mail(multipart(HEAD, "mixed", entity("Content-Type: text/plain", b"outer"),
                                entity(f"Content-Type: message/rfc822\n{disposition}", inner)))
    assert [(a.filename, a.declared_type) for a in mail.attachments] == [(expected, "message/rfc822")]
    assert mail.attachments[0].data.startswith(b"From: x@163.com") and b"inner body" in mail.attachments[0].data
    assert mail.text_body == "outer"


def test_base64_encoded_attached_message_is_decoded() -> None:
    inner = entity("From: x@163.com\nSubject: hello", b"inner body")
    part = entity("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64", b64(inner))
    mail = parse_mail(multipart(HEAD, "mixed", part))
    assert mail.attachments[0].filename == "hello.eml"
    assert mail.attachments[0].data.replace(b"\r\n", b"\n") == inner.replace(b"\r\n", b"\n")


# ---------------------------------------------------------------- Chinese file names

NAME = "王喆-推荐表（张堃）.docx"  # 喆 and 堃 exist only in GBK, not in GB2312
GBK_PCT = pct(NAME, "gbk")
UTF_PCT = pct(NAME, "utf-8")
SPLIT = 9  # after 王's two bytes and the first byte of 喆


OCTET = "Content-Type: application/octet-stream\nContent-Disposition: attachment;"


@pytest.mark.parametrize("headers", [
    pytest.param(f'{OCTET} filename="{word(NAME, "UTF-8")}"', id="2047-utf8-B"),
    pytest.param(f'{OCTET} filename="{word(NAME, "UTF-8", "Q")}"', id="2047-utf8-Q"),
    pytest.param(f'{OCTET} filename="{word(NAME, "gbk")}"', id="2047-gbk-B"),
    pytest.param(f'{OCTET} filename="{word(NAME, "gb2312", "Q")}"', id="2047-gb2312-Q"),
    pytest.param(f'{OCTET}\n\tfilename="{word(NAME[:5], "GB2312")}\n\t{word(NAME[5:], "GB2312")}"',
                 id="2047-folded-two-words"),
    pytest.param(f"{OCTET} filename*=UTF-8''{UTF_PCT}", id="2231-utf8"),
    pytest.param(f"{OCTET} filename*=GBK''{GBK_PCT}", id="2231-gbk"),
    pytest.param(f"{OCTET}\n filename*0*=UTF-8''{UTF_PCT[:22]};\n filename*1*={UTF_PCT[22:]}",
                 id="2231-utf8-continuation"),
    pytest.param(f"{OCTET}\n filename*0*=gbk''{GBK_PCT[:SPLIT]};\n filename*1*={GBK_PCT[SPLIT:]}",
                 id="2231-gbk-char-split-across-sections"),
    pytest.param(f'{OCTET} filename="'.encode() + NAME.encode("gbk") + b'"', id="raw-8bit-gbk"),
    pytest.param(f'{OCTET} filename="'.encode() + NAME.encode("utf-8") + b'"', id="raw-8bit-utf8"),
    pytest.param(f'Content-Type: application/octet-stream; name="{word(NAME, "gbk")}"', id="name-in-content-type"),
])
def test_chinese_attachment_names_decode(headers: str | bytes) -> None:
    head = headers.encode() if isinstance(headers, str) else headers
    part = entity(head + b"\nContent-Transfer-Encoding: base64", b64(PHOTO))
    mail = parse_mail(multipart(HEAD, "mixed", part))
    assert [(a.filename, a.data) for a in mail.attachments] == [(NAME, PHOTO)]
    assert mail.defects == ()


def test_split_gbk_continuation_is_really_split() -> None:
    """Guard for the test above: the first section must end inside 喆's two bytes."""
    assert GBK_PCT[:SPLIT] == pct("王", "gbk") + pct("喆", "gbk")[:3]
    assert UTF_PCT[19:22] == pct("推", "utf-8")[:3]  # the UTF-8 continuation also cuts a character


def test_attachment_name_is_nfc_normalised() -> None:
    decomposed = "Cafe\u0301-照片.jpg"
    part = attachment(f"Content-Disposition: attachment; filename*=UTF-8''{pct(decomposed, 'utf-8')}")
    assert parse_mail(multipart(HEAD, "mixed", part)).attachments[0].filename == "Café-照片.jpg"


# ---------------------------------------------------------------- charsets

GBK_ONLY = "王喆、张堃同志先进事迹"


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "gbk", "x-gbk", "cp936"])
def test_gb_labels_decode_gbk_only_characters(label: str) -> None:
    subject = f"=?{label}?B?{base64.b64encode(GBK_ONLY.encode('gbk')).decode()}?="
    raw = entity(f"Subject: {subject}\nFrom: {subject} <u@163.com>\n"
                 f"Content-Type: text/plain; charset={label}\nContent-Transfer-Encoding: 8bit",
                 GBK_ONLY.encode("gbk"))
    mail = parse_mail(raw)
    assert (mail.subject, mail.from_name, mail.text_body) == (GBK_ONLY, GBK_ONLY, GBK_ONLY)
    assert mail.defects == ()


@pytest.mark.parametrize(("label", "codec", "text"), [
    ("big5", "big5", "推薦材料，敬請查收。"),
    ("iso-2022-jp", "iso2022_jp", "推薦資料をお送りします。"),
    ("utf-8", "utf-8", "推荐材料，请查收。😀"),
    ("UTF-8", "utf-8", "张堃"),
])
def test_labelled_bodies_decode(label: str, codec: str, text: str) -> None:
    raw = entity(f"Content-Type: text/plain; charset=\"{label}\"\nContent-Transfer-Encoding: base64",
                 b64(text.encode(codec)))
    mail = parse_mail(raw)
    assert mail.text_body == text and mail.defects == ()


@pytest.mark.parametrize(("label", "data", "text"), [
    ("x-no-such-charset", "推荐材料".encode(), "推荐材料"),
    ("invalid", ("王喆同志先进事迹材料，张堃同志在工作中认真负责，任劳任怨。" * 6).encode("gbk"),
     "王喆同志先进事迹材料，张堃同志在工作中认真负责，任劳任怨。" * 6),
])
def test_unknown_charset_is_detected_and_recorded(label: str, data: bytes, text: str) -> None:
    mail = parse_mail(entity(f"Content-Type: text/plain; charset={label}\nContent-Transfer-Encoding: base64",
                             b64(data)))
    assert mail.text_body == text
    assert any(defect.startswith("charset-unknown") and label in defect for defect in mail.defects)


def test_undecodable_bytes_are_replaced_with_a_defect() -> None:
    data = "合格".encode() + b"\xff" + "材料".encode()
    mail = parse_mail(entity("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit", data))
    assert mail.text_body == "合格\ufffd材料"
    assert any(defect.startswith("charset-undecodable") for defect in mail.defects)


# ---------------------------------------------------------------- automatic mail

def test_auto_headers_are_collected_with_lower_case_names() -> None:
    raw = entity("Return-Path: <>\nAuto-Submitted: auto-replied\nPrecedence: bulk\nList-Id: <news.163.com>\n"
                 "List-Unsubscribe: <mailto:u@163.com>\nX-Auto-Response-Suppress: All\nX-Autoreply: yes\n"
                 "X-Autorespond: yes\nX-Loop: jzghxjb@163.com\nX-Mailer: Foxmail\nContent-Type: text/plain",
                 b"x")
    assert parse_mail(raw).auto_headers == {
        "return-path": "<>", "auto-submitted": "auto-replied", "precedence": "bulk",
        "list-id": "<news.163.com>", "list-unsubscribe": "<mailto:u@163.com>",
        "x-auto-response-suppress": "All", "x-autoreply": "yes", "x-autorespond": "yes",
        "x-loop": "jzghxjb@163.com", "content-type": "text/plain",
    }


DSN = entity("Content-Type: message/delivery-status", b"Reporting-MTA: dns; mx.163.com\r\n\r\n"
             b"Final-Recipient: rfc822; a@b.cn\r\nAction: failed\r\nStatus: 5.1.1\r\n")
TEXT = entity("Content-Type: text/plain", b"undeliverable")


@pytest.mark.parametrize(("raw", "expected"), [
    (multipart(HEAD, "report", TEXT, DSN, params="; report-type=delivery-status"), True),
    (multipart(HEAD, "report", TEXT, DSN, params='; report-type="Delivery-Status"'), True),
    (multipart(HEAD, "mixed", multipart("", "report", TEXT, params="; report-type=delivery-status")), True),
    (multipart(HEAD, "mixed", TEXT, DSN), True),
    (multipart(HEAD, "report", TEXT, params="; report-type=disposition-notification"), False),
    (multipart(HEAD, "mixed", TEXT), False),
])
def test_delivery_reports_are_recognised(raw: bytes, expected: bool) -> None:
    mail = parse_mail(raw)
    assert mail.is_delivery_report is expected
    assert mail.text_body == "undeliverable"


# ---------------------------------------------------------------- html_to_text

@pytest.mark.parametrize(("html", "text"), [
    ("<p>第一段</p><p>第二段</p>", "第一段\n\n第二段"),
    ("一<br>二<br/>三", "一\n二\n三"),
    ("<div>甲</div><div>乙</div>", "甲\n\n乙"),
    ("<style>p{color:red}</style><script>alert(1)</script><p>正文&nbsp;&amp;附件</p>", "正文 &附件"),
    ("<p>  多个   空格\n换行 </p>", "多个 空格 换行"),
    ("<pre>a\n  b</pre>", "a\nb"),
    ("<![if !supportLists]>1.<![endif]>项目", "1.项目"),
    ("<p>甲</p><![foo [x]>乙", "甲\n\n乙"),  # html.parser gives up: tags become line breaks
])
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


# ---------------------------------------------------------------- hostile input never raises

def _nested(depth: int) -> bytes:
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth))
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return b"Subject: deep\r\n" + head + b"Content-Type: text/plain\r\n\r\nbottom" + tail


HUGE_TO = "To: \"test\" <test@test.com>,\r\n" + "\r\n".join(["\t=?utf-8?Q?date=3E2017-08-20T10:08:28.617=3C/pr?="] * 3000)


@pytest.mark.parametrize(("raw", "defect"), [
    pytest.param(b"", "empty-message", id="empty"),
    pytest.param(b"\x00\xff garbage \x80\x81 not a mail", "no-headers", id="garbage"),
    pytest.param(_nested(100), "mime-too-deep", id="nested-100"),
    pytest.param(_nested(3000), "mime-too-deep", id="nested-3000"),
    pytest.param(f"{HUGE_TO}\r\n\r\nx".encode(), "address-list-too-long", id="huge-address-list"),
    pytest.param(entity("Content-Type: text/plain; charset=rot13", b"text"), "charset-unknown", id="rot13"),
])
def test_hostile_input_gives_defects_not_exceptions(raw: bytes, defect: str) -> None:
    mail = parse_mail(raw)
    assert isinstance(mail, ParsedMail)
    assert any(item.startswith(defect) for item in mail.defects), mail.defects


def test_deep_nesting_keeps_the_headers() -> None:
    assert parse_mail(_nested(3000)).subject == "deep"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000) | st.builds(lambda tail: multipart(HEAD, "mixed", tail), st.binary(max_size=500)))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    assert isinstance(parse_mail(raw), ParsedMail)


HEADER_PIECES = st.sampled_from([
    "=?", "?=", "?B?", "?Q?", "utf-8", "gb2312", "rot13", "*zh", "5rKB", "==", "=E4", "_", " ", "\n\t",
    '"', "\\", ";", "filename*0*=", "filename*1*=", "name=", "''", "%E4%B8", "%", "\x00", "王",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(HEADER_PIECES, max_size=25).map("".join), st.lists(HEADER_PIECES, max_size=25).map("".join))
def test_hostile_header_text_costs_nothing_but_itself(first: str, second: str) -> None:
    part = entity(f"Content-Type: text/plain; charset={second}\nContent-Disposition: attachment; {first}; {second}",
                  b"hello")
    mail = parse_mail(multipart(f"Subject: {first}\nFrom: {second}", "mixed", part))
    assert not [d for d in mail.defects if d.startswith(("parse-failed", "part-unreadable"))]
    assert [a.data for a in mail.attachments] == [b"hello"]


# ---------------------------------------------------------------- shared samples and real-world corpus

@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_attachments_match_their_labels(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))["meta"]["attachments"]
    mail = parse_mail(path.read_bytes())
    assert [(a.filename, len(a.data), hashlib.sha256(a.data).hexdigest()) for a in mail.attachments] == [
        (item["filename"], item["size"], item["sha256"]) for item in expected]
    assert mail.from_addr.endswith("@163.com") and mail.subject and mail.date is not None


@pytest.mark.parametrize("path", [path for path in SAMPLES if "autoreply" in path.name])
def test_sample_autoreply_headers_are_collected(path: Path) -> None:
    mail = parse_mail(path.read_bytes())
    assert mail.auto_headers["auto-submitted"] == "auto-replied"
    assert mail.attachments == ()


@pytest.mark.parametrize("path", CORPUS, ids=[str(path.relative_to(_shared())) for path in CORPUS])
def test_realworld_mail_parses_without_a_runaway(path: Path) -> None:
    """No parse of a real mail spends more than 5 s of this process's CPU (a quadratic walk would):
    CPU time, not wall time, so a loaded machine does not fail it; speed itself is the benchmark's."""
    started = time.process_time()
    mail = parse_mail(path.read_bytes())
    assert time.process_time() - started < 5.0
    assert isinstance(mail.subject, str) and isinstance(mail.text_body, str)
    assert all(isinstance(a.data, bytes) and a.filename for a in mail.attachments)
