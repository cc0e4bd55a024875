"""Mails that could hurt the service, end to end: too large, hostile names, bombs, encrypted parts.

Each ends with a recorded disposition (and a reply to a person), and nothing is written outside
data_dir: the whole temp tree is listed afterwards.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, screenshot_png
from tests.formats.builders import gbk_zip, zip_raw
from tests.shenbao.conftest import FOLDER_CONFIG, Service

ON_TIME = datetime(2021, 4, 27, 9, 30, tzinfo=CST)
SENDER, UNIT, NAME = "qyszgh@163.com", "沁阳市总工会", "李秀英"


def oversize_service(service: Service, limit: int) -> Service:
    service.config.write_text(FOLDER_CONFIG.replace('kind = "folder"\n', f'kind = "folder"\nmax_message_bytes = {limit}\n', 1),
                              encoding="utf-8")
    return service


def big_mail(extra_headers: dict[str, str] | None = None, subject: str = "推荐材料（照片原图）") -> bytes:
    return build_email(from_addr=SENDER, from_name=UNIT, subject=subject, text="照片原图，请查收。",
                       attachments=[("照片.zip", os.urandom(300_000))], date=ON_TIME, extra_headers=extra_headers)


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_oversize_mail_is_recorded_and_answered_without_its_body(service: Service) -> None:
    oversize_service(service, 100_000).deliver("big.eml", big_mail(subject="推荐材料 [JZ2021-003]"), ON_TIME)
    service.run_once()
    [row] = service.export()["emails"]
    assert (row["disposition"], row["replied"], row["subject"]) == ("error:oversize", True, "推荐材料 [JZ2021-003]")
    [reply] = service.replies()
    text = reply.get_body(("plain",)).get_content()
    assert "超过了本邮箱单封邮件" in text and "分成几封邮件发送" in text and "[JZ2021-003]" in text
    assert reply["To"].addresses[0].addr_spec == SENDER and reply["Auto-Submitted"] == "auto-replied"
    stored = [p for p in tree(service.root / "var" / "data") if p.startswith("raw/")]
    assert len(stored) == 1 and stored[0].endswith(".headers.eml")
    assert (service.root / "var" / "data" / stored[0]).stat().st_size < 5_000


def test_oversize_auto_reply_is_recorded_and_not_answered(service: Service) -> None:
    mail = big_mail({"Auto-Submitted": "auto-replied"})
    oversize_service(service, 100_000).deliver("big.eml", mail, ON_TIME)
    service.run_once()
    [row] = service.export()["emails"]
    assert row["disposition"].startswith("ignored:") and not row["replied"]
    assert service.replies() == []


def hostile_attachments() -> list[tuple[str, bytes]]:
    traversal = zip_raw([(b"../../../../../../tmp/shenbao-evil.txt", b"owned"), (b"/etc/shenbao-evil.conf", b"x"),
                         (b"C:\\Windows\\shenbao-evil.ini", b"y"), ("照片\x07.jpg".encode("gbk"), b"z" * 10)])
    nested = b"core"
    for level in range(8):
        nested = zip_raw([(f"{level}.zip".encode(), nested)])
    return [
        ("推荐表.docx", form_docx(NAME, UNIT)),
        ("事迹材料.docx", deeds_docx(NAME)),
        ("征信.png", screenshot_png("信用中国", NAME)),
        ("../../../../tmp/shenbao-evil-attachment.txt", "事迹".encode() * 10),
        ("/etc/cron.d/shenbao-evil", b"* * * * * root true"),
        ("压缩包.zip", traversal),
        ("套娃.zip", nested),
        ("炸弹.zip", gbk_zip({"零.bin": b"\x00" * (30 << 20)})),
        ("加密.zip", zip_raw([(b"a.docx", b"secret")], flags=0x1)),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + os.urandom(2000)),
    ]


@pytest.mark.timeout(120)
def test_hostile_attachments_are_recorded_and_nothing_is_written_outside_data_dir(service: Service) -> None:
    raw = build_email(from_addr=SENDER, from_name=UNIT, subject=f"推荐材料-{NAME}", text="请查收。",
                      attachments=hostile_attachments(), date=ON_TIME)
    service.deliver("hostile.eml", raw, ON_TIME)
    before = set(os.listdir("/tmp"))
    service.run_once()
    data = service.export()
    [row] = data["emails"]
    assert row["disposition"] == "submission" and row["replied"]
    [sub] = data["submissions"]
    assert "attachment.unreadable" in sub["problems"]
    text = service.replies()[0].get_body(("plain",)).get_content()
    assert "加密" in text and "压缩炸弹" in text and "嵌套层数过多" in text
    outside = {p for p in tree(service.root) if not p.startswith(("mailbox/", "replies/", "var/")) and p != "config.toml"}
    assert outside == set()
    stored = tree(service.root / "var" / "data")
    assert all(p.startswith("files/") and p.count("/") == 3 for p in stored if "evil" in p)  # files/ab/<sha>/<name>
    assert not (service.root / "var" / "data" / "tmp").exists() or tree(service.root / "var" / "data" / "tmp") == set()
    assert not any("shenbao-evil" in name for name in set(os.listdir("/tmp")) - before)
    assert not Path("/etc/shenbao-evil.conf").exists() and not Path("/etc/cron.d/shenbao-evil").exists()
