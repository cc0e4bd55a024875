"""Issue 16 header oddities and decorations in generated mails (tests.shenbao.realmail) through the real
intake: headers are read as clients mean them, and tiny, thin or inline pictures never count as materials."""

from __future__ import annotations

import base64
import io
import random
from typing import Any

import pytest
from PIL import Image

from shenbao.samples.build import deeds_docx, form_docx, photo_jpeg, screenshot_png
from tests.shenbao.conftest import Service
from tests.shenbao.realmail import (COVER, CRLF, DOCX, OFFICE, SUBJECT, UNIT, attached, b64, head, mail, material,
                                    part, run, text_part)


# ---- 3. headers as clients write them -----------------------------------------------------------------------

@pytest.mark.parametrize("cte", [b"base64 ", b"\"Base64\"", b"BASE64 \t"])
def test_an_odd_base64_transfer_encoding_still_gives_a_photo(service: Service, cte: bytes) -> None:
    photo = attached("image/jpeg", "工作照1.jpg", photo_jpeg(seed=3), cte=cte)
    [sub] = run(service, material(photos=[photo]))["submissions"]
    [got] = sub["items"]["photos"]
    assert got["format"] == "jpeg" and got["file"] == "工作照1.jpg"
    assert "photos.missing" not in sub["problems"]


def test_an_iso_2022_cn_filename_star_loses_to_a_good_name(service: Service) -> None:
    data = form_docx("沈军", "沁阳市总工会")
    form = part([f'Content-Type: {DOCX}; name="推荐表.docx"'.encode(),
                 b"Content-Transfer-Encoding: base64",
                 b"Content-Disposition: attachment; filename*=iso-2022-cn''%1B%24%29A%0EMF%3Cv1m%0F.docx"], b64(data))
    [sub] = run(service, material(form=form))["submissions"]
    assert sub["items"]["form"]["present"] and sub["items"]["form"]["file"] == "推荐表.docx"


def test_a_raw_big5_subject_is_read_with_the_body_charset(service: Service) -> None:
    subject = "推薦材料-沁陽市總工會-沈軍"
    raw = CRLF.join([b"From: qyszgh@163.com", f"To: {OFFICE}".encode(), b"Subject: " + subject.encode("big5"),
                     b"Date: Mon, 26 Apr 2021 10:00:00 +0800", b"Message-ID: <b5.1@163.com>", b"MIME-Version: 1.0",
                     b"Content-Type: text/plain; charset=big5", b"Content-Transfer-Encoding: 8bit", b"",
                     "陳老師：您好！附件請查收。".encode("big5"), b""])
    [email] = run(service, raw)["emails"]
    assert email["subject"] == subject


def test_an_iso_2022_jp_subject_with_a_nec_circled_digit(service: Service) -> None:
    word = base64.b64encode(b"\x1b$B-!\x1b(B test").decode()  # ① is NEC row 13 (0x2D21), outside plain ISO-2022-JP
    raw = CRLF.join([b"From: qyszgh@163.com", f"To: {OFFICE}".encode(),
                     f"Subject: =?ISO-2022-JP?B?{word}?=".encode(),
                     b"Date: Mon, 26 Apr 2021 10:00:00 +0800", b"Message-ID: <jp.1@163.com>", b"MIME-Version: 1.0",
                     b"Content-Type: text/plain; charset=iso-2022-jp", b"Content-Transfer-Encoding: 7bit", b"",
                     b"\x1b$B-!\x1b(B hello", b""])
    [email] = run(service, raw)["emails"]
    assert email["subject"] == "① test"


# Japanese names as older clients (Becky!, Outlook Express, mobile mailers) write them: raw ISO-2022-JP,
# no RFC 2047/2231; the JIS bytes of 資 hold ";", of 本 and 宮 a backslash, of 帰 a double quote.
JIS_NAMES = ["写真資料1.jpg", "宮本の写真.jpg", "帰省写真.jpg"]
JIS_STYLES = {
    "quoted": lambda jis: b'"' + jis + b'"',
    "unquoted": lambda jis: jis,
    "quoted-then-size": lambda jis: b'"' + jis + b'"; size=2048',
}


@pytest.mark.parametrize("style", JIS_STYLES.values(), ids=JIS_STYLES.keys())
@pytest.mark.parametrize("name", JIS_NAMES)
def test_a_raw_iso_2022_jp_filename_is_decoded(service: Service, name: str, style: Any) -> None:
    jis = style(name.encode("iso2022_jp"))
    assert b"\x1b$B" in jis and b"=?" not in jis and b"*=" not in jis
    photo = part([b"Content-Type: image/jpeg; name=" + jis, b"Content-Transfer-Encoding: base64",
                  b"Content-Disposition: attachment; filename=" + jis], b64(photo_jpeg(seed=5)))
    [sub] = run(service, material(photos=[photo]))["submissions"]
    [got] = sub["items"]["photos"]
    assert got["file"] == name


def test_a_header_folded_into_a_parameter_is_cut_at_the_fold(service: Service) -> None:
    photo = part([b'Content-Type: image/jpeg; name="' + "工作照1.jpg".encode() + b"\r\n Content-Transfer-Encoding: 8bit\"",
                  b"Content-Transfer-Encoding: base64", b"Content-Disposition: attachment"], b64(photo_jpeg(seed=4)))
    [sub] = run(service, material(photos=[photo]))["submissions"]
    [got] = sub["items"]["photos"]
    assert got["file"] == "工作照1.jpg"


# ---- 4. tiny pictures are not materials ---------------------------------------------------------------------

def _picture(fmt: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    """A picture of ``size`` full of noise, so that its bytes (over 3 KB when it is larger than a dot)
    do not give it away: only its size in pixels does."""
    noise = random.Random(size[0] * 7919 + size[1]).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, noise).convert(mode).save(out, fmt)
    return out.getvalue()


DECORATIONS = {  # (format, picture, at least / under this many bytes)
    "spacer-png": ("PNG", _picture("PNG", (1, 1)), (0, 100)),
    "spacer-gif": ("GIF", _picture("GIF", (1, 1), "P"), (0, 100)),
    "signature-150px": ("PNG", _picture("PNG", (150, 150)), (3_000, 10**9)),
    "banner-900x30": ("JPEG", _picture("JPEG", (900, 30)), (3_000, 10**9)),
}


@pytest.mark.parametrize(("fmt", "picture", "size"), DECORATIONS.values(), ids=DECORATIONS.keys())
def test_a_spacer_signature_or_banner_is_never_the_credit_screenshot(service: Service, fmt: str, picture: bytes,
                                                                     size: tuple[int, int]) -> None:
    assert size[0] <= len(picture) < size[1]
    ext = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    credit = attached(f"image/{fmt.lower()}", f"征信查询截图.{ext}", picture)
    [sub] = run(service, material(credit=credit))["submissions"]
    assert "credit.missing" in sub["problems"] and not sub["items"]["credit"]["present"]


def test_a_thumbnail_is_never_a_photo(service: Service) -> None:
    picture = _picture("JPEG", (160, 120))
    assert len(picture) > 3_000  # judged by its pixels, not its bytes
    thumb = attached("image/jpeg", "工作照1.jpg", picture)
    [sub] = run(service, material(photos=[thumb]))["submissions"]
    assert sub["items"]["photos"] == [] and "photos.missing" in sub["problems"]


def test_an_inline_cid_logo_is_never_the_credit_screenshot(service: Service) -> None:
    html = '<div>' + COVER.replace("\n", "<br>") + '</div><img src="cid:logo001@163.com">'
    logo = part([b'Content-Type: image/png; name="logo.png"', b"Content-Transfer-Encoding: base64",
                 b"Content-ID: <logo001@163.com>", b'Content-Disposition: inline; filename="logo.png"'],
                b64(screenshot_png("信用中国", "沈军")))
    related = mail([], [text_part(html, subtype="html"), logo], subtype="related").split(CRLF + CRLF, 1)
    related_part = related[0].replace(b"MIME-Version: 1.0" + CRLF, b"") + CRLF + CRLF + related[1]
    parts = [related_part,
             attached(DOCX, "推荐表.docx", form_docx("沈军", "沁阳市总工会")),
             attached(DOCX, "沈军事迹材料.docx", deeds_docx("沈军")),
             *[attached("image/jpeg", f"工作照{n}.jpg", photo_jpeg(seed=n)) for n in (1, 2)]]
    raw = mail(head(UNIT, SUBJECT, "cid.1@163.com"), parts)
    [sub] = run(service, raw)["submissions"]
    assert "credit.missing" in sub["problems"] and not sub["items"]["credit"]["present"]
