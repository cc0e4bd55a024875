"""Deterministic sample material for ``shenbao demo`` and for the tests: documents, pictures, mails.

Everything is generated (no file outside the project is needed) and the same arguments give
the same bytes. All people, numbers and photos are fictitious.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shenbao.samples.docs import TEMPLATE_LABELS, deeds_docx, deeds_text, form_docx
from shenbao.samples.pages import form_photo_jpeg
from shenbao.samples.images import heif_stub, photo_as, photo_jpeg, photo_png, screenshot_png, small_photo_jpeg
from shenbao.samples.mail import CLIENTS, CST, OFFICE_ADDRESS, build_email

__all__ = [
    "CLIENTS", "CST", "DEMO_UNITS", "KINDS", "OFFICE_ADDRESS", "TEMPLATE_LABELS", "DemoUnit",
    "build_email", "deeds_docx", "deeds_text", "demo_mailbox", "follow_up_email", "form_docx", "heif_stub",
    "nomination_email",
    "photo_as", "photo_jpeg", "photo_png", "screenshot_png", "small_photo_jpeg",
]

CAMPAIGN = "2021年焦作“最美职工”"
DEADLINE = datetime(2021, 4, 30, 23, 59, 59, tzinfo=CST)


@dataclass(frozen=True)
class DemoUnit:
    name: str
    email: str
    quota: int
    contact: str  # who signs the covering mail


# Units named in the notice, with fictitious mailboxes; a demo config can use them as its roster.
DEMO_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("解放区总工会", "jfqzgh@163.com", 2, "王晓燕"),
    DemoUnit("山阳区总工会", "syqzgh@163.com", 2, "孙丽娜"),
    DemoUnit("沁阳市总工会", "qyszgh@163.com", 2, "张秋菊"),
    DemoUnit("孟州市总工会", "mzszgh@163.com", 2, "赵海燕"),
    DemoUnit("市直机关工委工会", "szjggw_gh@163.com", 2, "郭晓东"),
    DemoUnit("焦作供电公司工会", "jzgdgh@163.com", 1, "马永红"),
)

# Scenario -> when it is sent by default (Asia/Shanghai); "late" is after the deadline.
KINDS: dict[str, datetime] = {
    "complete": datetime(2021, 4, 26, 10, 2, 18, tzinfo=CST),
    "missing_photos": datetime(2021, 4, 27, 15, 40, 2, tzinfo=CST),
    "small_photos": datetime(2021, 4, 28, 9, 35, 50, tzinfo=CST),
    "deeds_in_body": datetime(2021, 4, 29, 16, 20, 7, tzinfo=CST),
    "autoreply": datetime(2021, 4, 28, 14, 2, 9, tzinfo=CST),
    "late": datetime(2021, 5, 6, 9, 12, 44, tzinfo=CST),
    # the 信用中国 screenshot shows the name of the clerk who made the query, not the candidate's
    "credit_mismatch": datetime(2021, 4, 28, 17, 5, 31, tzinfo=CST),
    # the 推荐表 only as a phone photo of the stamped paper form
    "scanned_form": datetime(2021, 4, 29, 10, 11, 12, tzinfo=CST),
}


def _unit(name: str) -> DemoUnit:
    found = next((unit for unit in DEMO_UNITS if unit.name == name), None)
    return found or DemoUnit(name, "", 1, "王老师")


def _covering_text(unit: DemoUnit, candidate: str, sent: datetime, deeds: str = "") -> str:
    lines = [
        "陈老师：",
        f"    您好！现将{unit.name}推荐的{CAMPAIGN}候选人{candidate}同志的推荐材料报送给您，请查收。"
        "纸质版推荐表盖章后另行报送。",
    ]
    if deeds:
        lines += ["    事迹材料附在正文中，具体如下：", "", deeds, ""]
    signed = f"{sent.year}年{sent.month}月{sent.day}日"
    lines += [f"    联系人：{unit.contact}，电话：13800000000", "", unit.name, signed]
    return "\n".join(lines)


def _html(text: str) -> str:
    body = "".join(f"<div>{line or '<br>'}</div>" for line in text.split("\n"))
    return f'<div style="line-height:1.7;font-size:14px;font-family:Arial">{body}</div>'


def _attachments(kind: str, unit: DemoUnit, candidate: str, seed: int, sent: datetime) -> list[tuple[str, bytes]]:
    short = unit.name.removesuffix("总工会").removesuffix("工会")
    signed = f"{sent.year}年{sent.month}月{sent.day}日"
    if kind == "scanned_form":
        files = [(f"IMG_{sent:%Y%m%d}_101.jpg", form_photo_jpeg(candidate, unit.name))]
    else:
        files = [(f"{short}-{candidate}-推荐表.docx", form_docx(candidate, unit.name, date=signed))]
    if kind != "deeds_in_body":
        files.append((f"{candidate}事迹材料.docx", deeds_docx(candidate)))
    shown = unit.contact if kind == "credit_mismatch" else candidate
    files.append(("征信查询截图.png", screenshot_png("信用中国", shown)))
    if kind in ("complete", "late", "credit_mismatch", "scanned_form"):
        phone_shot = screenshot_png("中国执行信息公开网", candidate, size=(750, 1334))
        files.append((f"中国执行信息公开网-{candidate}.png", phone_shot))
        files += [
            ("工作照1.jpg", photo_jpeg(seed=seed + 1, camera=("HUAWEI", "ELE-AL00"))),
            ("工作照2.jpg", photo_jpeg(seed=seed + 2, camera=("HUAWEI", "ELE-AL00"))),
            ("生活照.jpg", photo_jpeg(seed=seed + 3, camera=("HUAWEI", "ELE-AL00"))),
        ]
    elif kind == "small_photos":
        files += [(f"微信图片_{sent:%Y%m%d%H%M}{n:02d}.jpg", small_photo_jpeg(seed=seed + n)) for n in (11, 17, 25)]
    elif kind == "deeds_in_body":
        files += [(f"IMG_444{n}.JPG", photo_jpeg(seed=seed + n, camera=("Apple", "iPhone 12 Pro"))) for n in (2, 6)]
    return files


def nomination_email(
    kind: str,
    *,
    unit: str = "沁阳市总工会",
    candidate: str = "沈军",
    from_addr: str | None = None,
    client: str = "163",
    date: datetime | None = None,
    seed: int = 0,
) -> bytes:
    """A whole scenario as one raw mail: "complete", "missing_photos", "small_photos",
    "deeds_in_body", "autoreply", "late" (complete material sent after the deadline),
    "credit_mismatch" (the screenshot shows another name) or "scanned_form" (the form only as a photo)."""
    if kind not in KINDS:
        raise ValueError(f"unknown scenario {kind!r}; choose one of {', '.join(KINDS)}")
    sender = _unit(unit)
    address = from_addr or sender.email
    if not address:
        raise ValueError(f"no mailbox known for {unit!r}: pass from_addr")
    sent = date or KINDS[kind]
    if kind == "autoreply":
        text = f"您好，您的邮件已收到，我近期休假，返岗后将尽快处理。\n\n{unit}"
        return build_email(
            from_addr=address, from_name=unit, subject=f"自动回复：回复：{CAMPAIGN}推荐材料", text=text,
            html=_html(text), attachments=[], date=sent, client=client,
            extra_headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        )
    deeds = deeds_text(candidate, 2050) if kind == "deeds_in_body" else ""
    text = _covering_text(sender, candidate, sent, deeds)
    return build_email(
        from_addr=address, from_name=unit, subject=f"{CAMPAIGN}推荐材料-{unit}-{candidate}", text=text,
        html=_html(text), attachments=_attachments(kind, sender, candidate, seed, sent), date=sent, client=client,
    )


def follow_up_email(*, unit: str, candidate: str, ref: str, date: datetime, client: str = "163", seed: int = 0) -> bytes:
    """A unit's answer to our checklist, as a mail client's reply writes it: our subject (with its
    ``[ref]`` tag) after "回复：", and the work and life photos the checklist asked for."""
    sender = _unit(unit)
    text = "\n".join(["陈老师：", f"    您好！按照回复的要求，现补充{candidate}同志的工作生活照2张（原图），请查收。",
                      "", f"    联系人：{sender.contact}，电话：13800000000", "", unit])
    photos = [(f"{candidate}-{label}.jpg", photo_jpeg(seed=seed + n, camera=("HUAWEI", "ELE-AL00")))
              for n, label in ((1, "工作照"), (2, "生活照"))]
    subject = f"回复：回复：{CAMPAIGN}推荐材料-{unit}-{candidate} [{ref}]"
    return build_email(from_addr=sender.email, from_name=unit, subject=subject, text=text, html=_html(text),
                       attachments=photos, date=date, client=client)


# (file name, scenario, unit, candidate, client, sent). Candidates are fictitious.
_DEMO_PLAN: tuple[tuple[str, str, str, str, str, datetime], ...] = (
    ("01-jiefangqu-complete.eml", "complete", "解放区总工会", "王建国", "163",
     datetime(2021, 4, 23, 9, 15, 40, tzinfo=CST)),
    ("02-shanyangqu-missing-photos.eml", "missing_photos", "山阳区总工会", "李秀梅", "outlook",
     KINDS["missing_photos"].replace(day=24)),
    ("03-qinyang-small-photos.eml", "small_photos", "沁阳市总工会", "赵志强", "163",
     KINDS["small_photos"].replace(day=26)),
    ("04-qinyang-autoreply.eml", "autoreply", "沁阳市总工会", "", "163",
     datetime(2021, 4, 26, 9, 41, 3, tzinfo=CST)),
    ("05-mengzhou-deeds-in-body.eml", "deeds_in_body", "孟州市总工会", "刘红霞", "163",
     KINDS["deeds_in_body"].replace(day=27)),
    ("06-shizhi-complete.eml", "complete", "市直机关工委工会", "周文静", "foxmail",
     datetime(2021, 4, 29, 11, 8, 44, tzinfo=CST)),
    ("07-gongdian-late.eml", "late", "焦作供电公司工会", "陈立新", "foxmail", KINDS["late"]),
    ("08-mengzhou-credit-mismatch.eml", "credit_mismatch", "孟州市总工会", "马建军", "163", KINDS["credit_mismatch"]),
    ("09-jiefangqu-scanned-form.eml", "scanned_form", "解放区总工会", "杨丽萍", "163", KINDS["scanned_form"]),
)


# The follow-up: 山阳区 answers the checklist of its nomination (the 2nd mail read, so JZ2021-002:
# the folder is read in order of file name) with the missing photos, a day later.
_DEMO_FOLLOW_UP = ("10-shanyangqu-follow-up-photos.eml", "山阳区总工会", "李秀梅", "JZ2021-002",
                   datetime(2021, 4, 25, 8, 52, 31, tzinfo=CST))


def _arrived(path: Path, sent: datetime) -> Path:
    arrived = sent.timestamp() + 21
    os.utime(path, (arrived, arrived))
    return path


def demo_mailbox(dest: Path) -> list[Path]:
    """Write the demo mails into ``dest`` (created if needed); each file's mtime is its arrival time."""
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for index, (name, kind, unit, candidate, client, sent) in enumerate(_DEMO_PLAN):
        path = dest / name
        path.write_bytes(nomination_email(kind, unit=unit, candidate=candidate or "—", client=client,
                                          date=sent, seed=index * 10))
        written.append(_arrived(path, sent))
    name, unit, candidate, ref, sent = _DEMO_FOLLOW_UP
    (dest / name).write_bytes(follow_up_email(unit=unit, candidate=candidate, ref=ref, date=sent, client="outlook",
                                              seed=len(_DEMO_PLAN) * 10))
    written.append(_arrived(dest / name, sent))
    return written
