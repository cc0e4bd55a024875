"""Mail from nominating units for the register tests: packages per candidate, follow-ups in a thread.

Generated with ``shenbao.samples.build`` (real .docx, real 2 MB JPEGs); photos are cached per seed.
``Desk`` wraps a ``Service`` with a roster and a clock that moves one hour per mail.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import cache
from typing import Any

from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, photo_jpeg, screenshot_png, small_photo_jpeg
from tests.shenbao.conftest import Service

START = datetime(2021, 4, 20, 9, 0, tzinfo=CST)
Files = list[tuple[str, bytes]]

# name, address, type, quota override
ROSTER = (
    ("解放区总工会", "jfqzgh@163.com", "县市区工会", None),
    ("山阳区总工会", "syqzgh@163.com", "县市区工会", None),
    ("焦作供电公司工会", "jzgdgh@163.com", "市属基层工会", None),
    ("市教育工会", "jyjgh@163.com", "产业工会", 3),
)


def with_from(raw: bytes, from_line: str) -> bytes:
    """``raw`` with its From header (folded lines included) replaced by ``from_line`` as written."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = re.sub(rb"(?im)^From:.*(?:\r\n[ \t].*)*", b"From: " + from_line.encode(), head, count=1)
    return lines + sep + body


def roster_toml() -> str:
    lines = []
    for name, address, kind, quota in ROSTER:
        lines += ["", "[[units]]", f'name = "{name}"', f'emails = ["{address}"]', f'type = "{kind}"']
        if quota is not None:
            lines.append(f"quota = {quota}")
    return "\n".join(lines) + "\n"


@cache
def big_photo(seed: int) -> bytes:
    return photo_jpeg(seed=seed)


def form(name: str, unit: str, **kwargs: Any) -> tuple[str, bytes]:
    return (f"推荐表-{name}.docx", form_docx(name, unit, **kwargs))


def deeds(name: str, chars: int = 2100) -> tuple[str, bytes]:
    return (f"{name}事迹材料.docx", deeds_docx(name, chars))


def credit(name: str) -> tuple[str, bytes]:
    return (f"征信截图-{name}.png", screenshot_png("信用中国", name))


def photos(names: list[str], seed: int = 0, small: bool = False) -> Files:
    return [(n, small_photo_jpeg(seed=seed + i) if small else big_photo(seed + i)) for i, n in enumerate(names)]


def package(name: str, unit: str, *, with_photos: bool = True, chars: int = 2100, seed: int = 0, **form_kw: Any) -> Files:
    """Everything the notice asks for one candidate; photos named after the candidate."""
    files = [form(name, unit, **form_kw), deeds(name, chars), credit(name)]
    if with_photos:
        files += photos([f"{name}工作照{i}.jpg" for i in (1, 2)], seed=seed)
    return files


def zipped(name: str, files: dict[str, bytes]) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return name, buffer.getvalue()


@dataclass
class Desk:
    """The office's mailbox as units write to it, one mail an hour from ``START``."""

    service: Service
    sent: int = 0
    message_ids: dict[str, str] = field(default_factory=dict)

    def send(self, unit: str, subject: str, attachments: Files, *, text: str = "陈老师：您好！附件是推荐材料，请查收。",
             answering: EmailMessage | None = None, sender: str | None = None, at: datetime | None = None) -> str:
        """Deliver a mail from ``unit``'s roster address; returns its Message-ID (without brackets)."""
        self.sent += 1
        when = at or START + timedelta(hours=self.sent)
        address = sender or next(a for n, a, _, _ in ROSTER if n == unit)
        message_id = f"m{self.sent}.{address}"
        headers = {}
        if answering is not None:
            ours = str(answering["Message-ID"])
            headers = {"In-Reply-To": ours, "References": f"{answering.get('References', '')} {ours}".strip()}
        raw = build_email(from_addr=address, from_name=unit, subject=subject, text=text, attachments=attachments,
                          message_id=f"<{message_id}>", date=when, extra_headers=headers)
        self.service.deliver(f"{self.sent:03d}.eml", raw, when)
        self.service.run_once()
        return message_id

    def reply_to(self, message_id: str) -> EmailMessage:
        """Our reply to the mail ``message_id``."""
        found = [r for r in self.service.replies() if str(r["In-Reply-To"]).strip("<>") == message_id]
        assert len(found) == 1, f"expected one reply to {message_id}, got {len(found)}"
        return found[0]

    def text_of(self, message_id: str) -> str:
        body = self.reply_to(message_id).get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def nominations(self) -> dict[str, dict[str, Any]]:
        """Export rows by reference."""
        return {s["id"]: s for s in self.service.export()["submissions"]}

    def by_candidate(self, candidate: str) -> dict[str, Any]:
        [row] = [s for s in self.service.export()["submissions"] if s["candidate"] == candidate]
        return row
