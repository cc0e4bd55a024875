"""shenbao.samples.build: the generators are deterministic, realistic and parse back as intended."""

from __future__ import annotations

import email
import io
import time
from datetime import datetime
from email import policy
from email.message import EmailMessage
from functools import cache
from pathlib import Path

import mailparser
import pytest
from PIL import Image

from ingest.classify import classify
from ingest.read import read_file
from shenbao.samples.build import (
    CST,
    DEMO_UNITS,
    KINDS,
    OFFICE_ADDRESS,
    TEMPLATE_LABELS,
    build_email,
    deeds_docx,
    deeds_text,
    demo_mailbox,
    form_docx,
    nomination_email,
    photo_jpeg,
    screenshot_png,
    small_photo_jpeg,
)

TEMPLATE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "推荐表模板.docx"
DEADLINE = datetime(2021, 4, 30, 23, 59, 59, tzinfo=CST)


def non_whitespace(text: str) -> int:
    return len("".join(text.split()))


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


@cache
def scenario(kind: str) -> bytes:
    return nomination_email(kind)


# --- documents -------------------------------------------------------------------------------


def test_form_has_the_template_labels() -> None:
    expected = set(TEMPLATE_LABELS)
    if TEMPLATE.is_file():  # the real blank template, when the shared folder is there
        expected = set(read_file(TEMPLATE.name, TEMPLATE.read_bytes()).form_fields)
    assert set(read_file("表.docx", form_docx("张三", "解放区总工会")).form_fields) == expected


def test_form_is_deterministic_and_depends_on_its_input() -> None:
    assert form_docx("张三", "解放区总工会") == form_docx("张三", "解放区总工会")
    assert form_docx("张三", "解放区总工会") != form_docx("李四", "解放区总工会")


def test_form_refuses_unknown_empty_fields() -> None:
    with pytest.raises(ValueError, match="籍贯"):
        form_docx("张三", "解放区总工会", empty_fields=("籍贯",))


@pytest.mark.parametrize("chars", [1, 40, 299, 300, 1799, 1800, 2000, 2100, 3500])
def test_deeds_length_is_exact(chars: int) -> None:
    text = deeds_text("刘红霞", chars)
    assert non_whitespace(text) == chars
    assert non_whitespace(read_file("事迹.docx", deeds_docx("刘红霞", chars)).text) == chars


def test_deeds_read_like_deeds() -> None:
    text = deeds_text("刘红霞", 2000)
    lines = text.split("\n")
    assert lines[1] == "——记焦作市某某公司车间主任刘红霞"
    assert text.count("刘红霞") > 10 and text.endswith("。")
    assert deeds_docx("刘红霞") == deeds_docx("刘红霞")


# --- pictures --------------------------------------------------------------------------------


@pytest.mark.parametrize("min_bytes", [2_000_000, 2_300_000, 3_000_000])
def test_photo_reaches_its_size_quickly_with_exif(min_bytes: int) -> None:
    started = time.perf_counter()
    data = photo_jpeg(min_bytes, seed=1, camera=("Canon", "EOS 80D"))
    elapsed = time.perf_counter() - started
    assert min_bytes <= len(data) < min_bytes * 1.6
    assert elapsed < 2.0  # about 0.2 s on a quiet machine; generous for busy CI
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (3000, 2000)
        exif = image.getexif()
        assert (exif[271], exif[272]) == ("Canon", "EOS 80D")
        assert exif.get_ifd(0x8769)[36867] == "2021:04:10 09:30:00"


def test_photos_are_deterministic_per_seed() -> None:
    assert photo_jpeg(seed=2) == photo_jpeg(seed=2)
    assert photo_jpeg(seed=2) != photo_jpeg(seed=3)


def test_wechat_photo_is_small_and_has_no_exif() -> None:
    data = small_photo_jpeg()
    assert 300_000 <= len(data) < 2_000_000
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1280, 960)
        assert 271 not in image.getexif()


def test_screenshot_is_a_white_page_with_a_header() -> None:
    data = screenshot_png("中国执行信息公开网", "陈立新")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.info["Title"] == "中国执行信息公开网 - 陈立新"
        rgb = image.convert("RGB")
        assert rgb.getpixel((5, 5)) != (255, 255, 255)  # header bar
        assert rgb.getpixel((rgb.width - 5, rgb.height - 5)) == (255, 255, 255)
    assert screenshot_png("信用中国", "张三") != screenshot_png("中国执行信息公开网", "张三")


# --- mail ------------------------------------------------------------------------------------

_NAMES = ["沁阳市-沈军-推荐表.docx", "2021年焦作“最美职工”推荐表（很长的文件名）-贾爱华.docx", "IMG_6215.JPG"]
_ENCODED = {"163": b"filename*=UTF-8''", "outlook": b'filename="=?utf-8?B?', "foxmail": b'filename="=?GBK?B?'}


@pytest.mark.parametrize("client", sorted(_ENCODED))
def test_built_mail_parses_back_with_every_client_style(client: str) -> None:
    payloads = [name.encode("utf-8") * 50 for name in _NAMES]
    raw = build_email(
        from_addr="qyszgh@163.com", from_name="沁阳市总工会", subject="2021年焦作“最美职工”推荐材料-沁阳市总工会-沈军",
        text="陈老师：\n    您好！请查收。", html="<div>陈老师：</div>",
        attachments=list(zip(_NAMES, payloads, strict=True)),
        message_id="abc@163.com", date=datetime(2021, 4, 26, 10, 2, 18, tzinfo=CST),
        extra_headers={"In-Reply-To": "<q@163.com>"}, client=client,
    )
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert _ENCODED[client] in raw
    message = parse(raw)
    assert message["Subject"] == "2021年焦作“最美职工”推荐材料-沁阳市总工会-沈军"
    assert message["From"].addresses[0].display_name == "沁阳市总工会"
    assert message["To"] == OFFICE_ADDRESS
    assert message["Message-ID"] == "<abc@163.com>"
    assert message["In-Reply-To"] == "<q@163.com>"
    assert message["Date"].datetime == datetime(2021, 4, 26, 10, 2, 18, tzinfo=CST)
    assert body_text(message).replace("\r\n", "\n") == "陈老师：\n    您好！请查收。"
    parts = list(message.iter_attachments())
    assert [p.get_filename() for p in parts] == _NAMES
    assert [p.get_payload(decode=True) for p in parts] == payloads
    assert [a["filename"] for a in mailparser.parse_from_bytes(raw).attachments] == _NAMES


def test_built_mail_is_deterministic() -> None:
    assert scenario("missing_photos") == nomination_email("missing_photos")


def _roles(raw: bytes) -> list[str]:
    roles = []
    for part in parse(raw).iter_attachments():
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        roles.append(classify(read_file(part.get_filename() or "", data)).value)
    return sorted(roles)


@pytest.mark.parametrize(
    ("kind", "roles"),
    [
        ("complete", ["deeds", "form", "photo", "photo", "photo", "screenshot", "screenshot"]),
        ("late", ["deeds", "form", "photo", "photo", "photo", "screenshot", "screenshot"]),
        ("missing_photos", ["deeds", "form", "screenshot"]),
        ("small_photos", ["deeds", "form", "photo", "photo", "photo", "screenshot"]),
        ("deeds_in_body", ["form", "photo", "photo", "screenshot"]),
        ("autoreply", []),
    ],
)
def test_scenarios_carry_the_intended_material(kind: str, roles: list[str]) -> None:
    raw = scenario(kind)
    assert _roles(raw) == roles
    message = parse(raw)
    assert message["Date"].datetime == KINDS[kind]
    assert (message["Date"].datetime > DEADLINE) is (kind == "late")


def test_scenario_photo_sizes_straddle_two_megabytes() -> None:
    def photo_sizes(kind: str) -> list[int]:
        return [len(p.get_payload(decode=True)) for p in parse(scenario(kind)).iter_attachments()
                if p.get_content_type() == "image/jpeg"]

    assert all(size >= 2_000_000 for size in photo_sizes("complete"))
    assert all(size < 2_000_000 for size in photo_sizes("small_photos"))


def test_deeds_in_body_scenario_has_the_text_in_the_body() -> None:
    assert non_whitespace(body_text(parse(scenario("deeds_in_body")))) >= 2050


def test_autoreply_scenario_is_marked_automatic() -> None:
    message = parse(scenario("autoreply"))
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Subject"].startswith("自动回复")


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="complete"):
        nomination_email("everything")


def test_demo_mailbox_writes_dated_mails_from_the_roster(tmp_path: Path) -> None:
    paths = demo_mailbox(tmp_path / "inbox")
    assert len(paths) >= 6
    assert paths == sorted(paths)
    roster = {unit.email: unit.name for unit in DEMO_UNITS}
    late = []
    for path in paths:
        message = parse(path.read_bytes())
        sender = message["From"].addresses[0]
        assert roster[sender.addr_spec] == sender.display_name
        arrived = datetime.fromtimestamp(path.stat().st_mtime, tz=CST)
        assert 0 < (arrived - message["Date"].datetime).total_seconds() < 120
        if arrived > DEADLINE:
            late.append(path.name)
    assert late == ["07-gongdian-late.eml"]
    assert {roster[parse(p.read_bytes())["From"].addresses[0].addr_spec] for p in paths} == set(roster.values())
