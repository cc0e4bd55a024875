"""The attack table of issue 19 as mails, each built for real: names over the file system's byte limit,
From headers read unlike mail clients, caps dodged by spelling, a sender-written greeting, terminal
escapes, archive members lost, and the same mail twice.

``attack_mails`` gives (file name, raw mail, expected disposition, expected reply recipient or "").
"""

from __future__ import annotations

import base64
import unicodedata
from datetime import datetime

from shenbao.samples.build import CST, build_email, small_photo_jpeg
from tests.formats.builders import seven_zip_as_written, zip_raw
from tests.shenbao.unitmail import package, with_from

SENT = datetime(2021, 4, 27, 10, 30, tzinfo=CST)
LONG_UNIT = "焦作市" + "某某某某集团有限责任公司" * 9 + "工会委员会"  # 116 characters, 348 bytes
LONG_PHOTO = "在平凡岗位上做出不平凡贡献的" * 8 + "工作照.jpg"  # 119 characters, 351 bytes
OSC52 = "\x1b]52;c;" + base64.b64encode(b"rm -rf ~").decode() + "\x07"
PHISHING = "您的推荐资格已被取消，请立即登录 http://evil.example/login 重新申报"
ROSTER = '\n[[units]]\nname = "解放区总工会"\nemails = ["jfqzgh@163.com"]\ntype = "县市区工会"\n'
CAP_3H = 10  # [replies] max_per_sender_per_3h of the run
Attack = tuple[str, bytes, str, str]


def _word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def _mail(n: int, sender: str, candidate: str, unit: str = "孟州市总工会", *, files: list[tuple[str, bytes]] | None = None,
          subject: str = "", from_line: str = "") -> bytes:
    raw = build_email(from_addr=sender, from_name=unit, subject=subject or f"推荐材料-{candidate}", text="推荐材料请查收。",
                      attachments=package(candidate, unit, with_photos=False, seed=n) if files is None else files, date=SENT,
                      message_id=f"<attack.{n}@example.com>")
    return with_from(raw, from_line) if from_line else raw


def _photo(seed: int) -> bytes:
    return small_photo_jpeg(20_000, seed=seed, size=(320, 240))


def _archives() -> list[Attack]:
    solid = seven_zip_as_written([("照片/1.jpg", _photo(1))], link_first="照片/快捷方式.jpg")
    climbing = seven_zip_as_written([("../../evil.txt", b"evil"), ("照片/2.jpg", _photo(2))])
    twice = zip_raw([("照片.jpg".encode(), _photo(3)), ("照片.jpg".encode(), _photo(4))], flags=0x800)
    return [(f"archive-{n}.eml", _mail(40 + n, f"archive{n}@example.com", name, files=[(f"材料{n}.{kind}", data)]),
             "submission", f"archive{n}@example.com")
            for n, (name, kind, data) in enumerate([("李娜", "7z", solid), ("王芳", "7z", climbing), ("刘洋", "zip", twice)])]


def attack_mails() -> list[Attack]:
    """Every input of the table, in delivery order (file names sort in this order)."""
    attacks: list[Attack] = [
        ("a-long-names.eml", _mail(1, "long@example.com", "王喆", LONG_UNIT, files=[
            *package("王喆", LONG_UNIT, with_photos=False), (LONG_PHOTO, _photo(5))]), "submission", "long@example.com"),
        ("a-windows-name.eml", _mail(2, "con@example.com", "赵敏", "CON"), "submission", "con@example.com"),
        ("b-glued-display-name.eml", _mail(3, "x@example.com", "孙丽",
                                           from_line="jfqzgh@163.com<attacker@evil.example>"), "submission",
         "attacker@evil.example"),
        ("b-encoded-word-address.eml", _mail(4, "x@example.com", "周强", from_line="=?utf-8?q?jfqzgh=40163.com?="),
         "ignored:no-sender", ""),
        ("b-own-quoted.eml", _mail(5, "x@example.com", "吴刚", from_line='"JZGHXJB"@163.COM'), "ignored:own-address", ""),
        ("b-own-tagged.eml", _mail(6, "x@example.com", "郑洁", from_line="jzghxjb+x@163.com"), "ignored:own-address", ""),
        ("c-phishing-greeting.eml", _mail(7, "x@example.com", "冯雪", subject=f"推荐材料 {PHISHING}",
                                          from_line=f"{_word(PHISHING)} <phish@example.com>"), "submission",
         "phish@example.com"),
        ("c-terminal-escapes.eml", _mail(8, "x@example.com", "陈晨", subject=_word("推荐\u202egpj.exe 陈晨 \x1b[2J"),
                                         from_line=f"{_word('孟州' + OSC52 + chr(0x9b) + '31m')} <esc@example.com>"),
         "submission", "esc@example.com"),
        *_archives(),
    ]
    spellings = [f"victim+{n}@163.com" for n in range(5)] + ['"victim"@163.com'] * 5 + ["VICTIM@163.com"] * 4
    attacks += [(f"d-cap-{n:02d}.eml", _mail(60 + n, "x@example.com", "", files=[], subject=f"咨询（第{n}封）",
                                             from_line=address), "unmatched",
                 address.replace('"', "").lower() if n < CAP_3H else "")  # one mailbox: capped after 10
                for n, address in enumerate(spellings)]
    twice = _mail(80, "twice@example.com", "韩梅")
    name = "e-推荐材料-José.eml"
    attacks += [("e-twice-1.eml", twice, "submission", "twice@example.com"),
                ("e-twice-2.eml", twice, "ignored:duplicate", ""),
                (unicodedata.normalize("NFC", name), _mail(81, "nfc@example.com", "杨光"), "submission", "nfc@example.com"),
                (unicodedata.normalize("NFD", name), _mail(82, "nfd@example.com", "林涛"), "submission", "nfd@example.com")]
    return attacks
