"""A deterministic mailbox of mixed, realistic mail for the crash, fault and loop suites.

Every scenario the service meets in a campaign is in it — complete and incomplete
nominations, follow-ups that complete an earlier mail, deeds pasted in the body, late mail,
an unreadable form, PNG photos, a covering note without material, auto-replies, bounces,
list mail, a forged mail "from" the office itself and a mail that is not a mail at all.
Photos are small (tens of KB) so a whole run takes seconds: the suites' config lowers
``rules.photos.min_bytes`` to ``PHOTO_MIN_BYTES`` so these photos count as big enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from shenbao.samples.build import CST, DEMO_UNITS, OFFICE_ADDRESS, build_email, deeds_docx, deeds_text, form_docx, \
    photo_jpeg, photo_png, screenshot_png

PHOTO_MIN_BYTES = 20_000
START = datetime(2021, 4, 19, 8, 30, tzinfo=CST)
AFTER_DEADLINE = datetime(2021, 5, 2, 9, 0, tzinfo=CST)
CAMPAIGN = "2021年焦作“最美职工”"

# (scenario, disposition it must get). The order is the order of one round of units.
SCENARIOS: tuple[tuple[str, str], ...] = (
    ("complete", "submission"),
    ("missing_photos", "submission"),
    ("followup_photos", "submission"),  # completes the missing_photos nomination of the same round
    ("deeds_in_body", "submission"),
    ("small_photos", "submission"),
    ("png_photos", "submission"),
    ("unreadable_form", "submission"),
    ("covering_note", "unmatched"),
    ("autoreply", "ignored:auto-submitted"),
    ("bounce", "ignored:delivery-report"),
    ("list_mail", "ignored:list"),
    ("own_address", "ignored:own-address"),
    ("late", "submission"),
    ("not_a_mail", "ignored:no-sender"),
)


@dataclass(frozen=True)
class PlannedMail:
    index: int
    scenario: str
    sender: str
    raw: bytes
    arrived: datetime  # the INTERNALDATE / file mtime it is delivered with
    disposition: str  # what the register must record

    @property
    def replied(self) -> bool:
        return self.disposition in ("submission", "unmatched")


@lru_cache(maxsize=64)
def small_photo(seed: int) -> bytes:
    return photo_jpeg(PHOTO_MIN_BYTES, seed=seed, size=(320, 240), camera=("HUAWEI", "ELE-AL00"))


@lru_cache(maxsize=16)
def _screenshot(candidate: str) -> bytes:
    """A screenshot as a phone or PC saves it: big enough not to be a decoration (ingest/decoration.py)."""
    return screenshot_png("信用中国", candidate, size=(1080, 720))


def _material(candidate: str, unit: str, seed: int, *, deeds: bool = True, photos: int = 3) -> list[tuple[str, bytes]]:
    files = [(f"{candidate}推荐表.docx", form_docx(candidate, unit)), ("征信查询截图.png", _screenshot(candidate))]
    if deeds:
        files.append((f"{candidate}事迹材料.docx", deeds_docx(candidate)))
    files += [(f"工作照{n + 1}.jpg", small_photo(seed * 7 + n)) for n in range(photos)]
    return files


def _human(sender: str, unit: str, subject: str, text: str, files: list[tuple[str, bytes]], sent: datetime,
           client: str) -> bytes:
    return build_email(from_addr=sender, from_name=unit, subject=subject, text=text, attachments=files, date=sent,
                       client=client)


def _candidate(index: int, unit: str) -> str:
    return f"{unit[:2]}候选{index}"


def _scenario_mail(scenario: str, index: int, unit: str, sender: str, sent: datetime) -> bytes:
    """The raw bytes of one scenario for one unit; ``index`` makes candidates and photos unique."""
    round_no = index // len(SCENARIOS)
    candidate = _candidate(index, unit)
    seed = index * 10
    client = ("163", "outlook", "foxmail")[round_no % 3]
    subject = f"{CAMPAIGN}推荐材料-{unit}-{candidate}"
    note = f"陈老师：您好！现报送{unit}推荐的{candidate}同志的推荐材料，请查收。\n联系人：王老师"
    if scenario in ("complete", "late"):
        return _human(sender, unit, subject, note, _material(candidate, unit, seed), sent, client)
    if scenario == "missing_photos":
        return _human(sender, unit, subject, note, _material(candidate, unit, seed, photos=0), sent, client)
    if scenario == "followup_photos":  # the form again names the candidate of the mail before
        earlier = _candidate(index - 1, unit)
        files = [(f"{earlier}推荐表.docx", form_docx(earlier, unit))]
        files += [(f"补发照片{n}.jpg", small_photo(seed * 7 + n)) for n in range(2)]
        subject = f"补发照片：{CAMPAIGN}推荐材料-{unit}-{earlier}"
        return _human(sender, unit, f"补发照片：{subject}", "补发照片两张，请查收。", files, sent, client)
    if scenario == "deeds_in_body":
        body = note + "\n事迹材料如下：\n" + deeds_text(candidate, 2050)
        return _human(sender, unit, subject, body, _material(candidate, unit, seed, deeds=False), sent, client)
    if scenario == "small_photos":
        files = _material(candidate, unit, seed, photos=0)
        files += [(f"微信图片{n}.jpg", photo_jpeg(4_000, seed=seed + n, size=(96, 72), camera=None)) for n in range(3)]
        return _human(sender, unit, subject, note, files, sent, client)
    if scenario == "png_photos":
        files = _material(candidate, unit, seed, photos=0)
        files += [(f"生活照{n}.png", photo_png(seed=seed + n, size=(200, 150))) for n in range(2)]
        return _human(sender, unit, subject, note, files, sent, client)
    if scenario == "unreadable_form":
        files = _material(candidate, unit, seed)
        files[0] = (files[0][0], files[0][1][: len(files[0][1]) // 3])  # a truncated upload
        return _human(sender, unit, subject, note, files, sent, client)
    if scenario == "covering_note":
        asker = f"asker{index}@qq.com"  # not on the roster: no open nomination to join
        return _human(asker, "李老师", "咨询：推荐材料怎么报送", "请问推荐表在哪里下载？谢谢。", [], sent, client)
    return _robot_mail(scenario, unit, sender, sent)


def _robot_mail(scenario: str, unit: str, sender: str, sent: datetime) -> bytes:
    if scenario == "autoreply":
        return build_email(from_addr=sender, from_name=unit, subject=f"自动回复：{CAMPAIGN}", text="我正在休假。",
                           attachments=[], date=sent, extra_headers={"Auto-Submitted": "auto-replied"})
    if scenario == "bounce":
        return _bounce(sender, sent)
    if scenario == "list_mail":
        return build_email(from_addr=f"news@{sender.split('@')[1]}", from_name="工会简报", subject="第12期简报",
                           text="本期要目……", attachments=[], date=sent,
                           extra_headers={"List-Id": "<jianbao.example.com>"})
    if scenario == "own_address":
        return build_email(from_addr=OFFICE_ADDRESS, from_name="焦作市总工会宣教网络部", subject=f"回复：{CAMPAIGN}",
                           text="伪造的“本邮箱”来信。", attachments=[], date=sent)
    if scenario == "not_a_mail":
        return b"\x00\x01binary junk that is no RFC 5322 message\r\n" * 20
    raise ValueError(f"unknown scenario {scenario!r}")


def _bounce(sender: str, sent: datetime) -> bytes:
    boundary = "dsn-boundary-42"
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@163.com>\r\nTo: {OFFICE_ADDRESS}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nDate: {sent.strftime('%a, %d %b %Y %H:%M:%S +0800')}\r\n"
        f"Message-ID: <bounce.{sent.timestamp():.0f}@163.com>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nThe mail to {sender} could not be delivered.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.163.com\r\n\r\nFinal-Recipient: rfc822; {sender}\r\nAction: failed\r\n"
        f"Status: 5.1.1\r\n--{boundary}--\r\n"
    ).encode()


def mixed_mailbox(count: int = 56) -> list[PlannedMail]:
    """``count`` mails: rounds of SCENARIOS, each round from the next unit of the roster, in arrival order.

    Late mail arrives after the deadline; everything else before it, minutes apart.
    """
    planned: list[PlannedMail] = []
    for index in range(count):
        round_no, position = divmod(index, len(SCENARIOS))
        scenario, disposition = SCENARIOS[position]
        unit = DEMO_UNITS[round_no % len(DEMO_UNITS)]
        sent = AFTER_DEADLINE + timedelta(minutes=index) if scenario == "late" else START + timedelta(minutes=37 * index)
        raw = _scenario_mail(scenario, index, unit.name, unit.email, sent)
        planned.append(PlannedMail(index, scenario, unit.email, raw, sent + timedelta(seconds=20), disposition))
    return planned
