"""Reply letters: render one (subject, text, HTML) from ``templates/reply_*.j2`` and wrap it as a mail.

A ``ReplyContext`` describes one nomination's answer (its kind, problems, received files);
``reply_values`` turns it into the values the letter templates are filled with (the problem
lines come from ``notify.wording``, the received files become material rows), ``render_reply``
fills the templates, and ``build_reply_message`` makes a threaded, auto-submitted mail of it.
``template_env`` is the letter environment, shared with the digest and the web view.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notify.safetext import quotable, shown
from notify.wording import (TEMPLATES_DIR, format_day_time, format_full_time, format_size, install_filters,
                            render_problem, wording)
from rules.codes import CODES, base_code
from rules.facts import Problem
from notify.errors import PermanentSendError

ReplyKind = Literal["accepted", "incomplete", "late", "unmatched", "closed"]  # closed: the office decided
Occasion = Literal["reply", "recheck"]  # recheck: a notice after the rules changed, not an answer
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|回复|答复)\s*[:：]\s*)+", re.IGNORECASE)
_MAX_REFERENCES = 20
MAX_SUBJECT_CHARS = 120  # of the original subject quoted in ours (a hostile one may be a megabyte)
MAX_MATERIAL_ROWS = 50  # files listed one by one in a reply; the rest are counted in one line


@dataclass(frozen=True)
class MaterialLine:
    """One received file. ``role`` is a Role value ("form", "photo"...) or a Chinese label."""

    filename: str
    role: str
    size: int = 0
    note: str = ""


@dataclass(frozen=True)
class ReplyContext:
    kind: ReplyKind
    ref: str  # "JZ2021-007"; "" only for an unmatched mail that has no nomination
    campaign_name: str
    deadline: datetime
    timezone: str  # "Asia/Shanghai"
    unit: str
    candidate: str
    greeting: str  # whom the letter greets (a roster unit's name), "" = nobody: "您好" alone
    received_at: datetime
    problems: tuple[Problem, ...] = ()
    materials: tuple[MaterialLine, ...] = ()
    original_subject: str = ""
    signature: str = ""
    contact: str = ""
    occasion: Occasion = "reply"


@dataclass(frozen=True)
class RenderedReply:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _letter_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=shown,  # every value a template prints (letters, digest, show, web view)
    )
    return install_filters(env)


def _problem_files(problem: Problem) -> set[str]:
    names = {str(problem.detail["name"])} if "name" in problem.detail else set()
    for item in problem.detail.get("files", ()):
        if isinstance(item, dict) and "name" in item:
            names.add(str(item["name"]))
    return names


def _material_rows(ctx: ReplyContext) -> list[dict[str, Any]]:
    flagged: set[str] = set()
    for problem in ctx.problems:
        if CODES.get(base_code(problem.code), True):
            flagged |= _problem_files(problem)
    roles: dict[str, str] = wording()["roles"]
    return [
        {
            "name": m.filename,
            "role": roles.get(m.role, m.role),
            "size": format_size(m.size) if m.size else "",
            "note": m.note,
            "ok": m.filename not in flagged,
        }
        for m in ctx.materials[:MAX_MATERIAL_ROWS]
    ] + _more_rows(len(ctx.materials) - MAX_MATERIAL_ROWS)


def _more_rows(left: int) -> list[dict[str, Any]]:
    if left <= 0:
        return []
    return [{"name": f"另有 {left} 个文件，不再逐一列出", "role": "其他文件", "size": "", "note": "", "ok": True}]


def reply_subject(original: str, ref: str, campaign_name: str) -> str:
    """"回复：<original> [ref]": earlier reply prefixes and tags are not repeated."""
    base = " ".join(original.split())
    if ref:
        base = base.replace(f"[{ref}]", " ")
    base = " ".join(_REPLY_PREFIX.sub("", base).split())
    base = quotable(base, MAX_SUBJECT_CHARS)  # no links, controls or megabytes of a sender's text
    template = _letter_env().get_template("reply_subject.j2")
    subject = template.render(subject=base, ref=ref, campaign_name=campaign_name)
    return " ".join(subject.split())


def reply_values(ctx: ReplyContext) -> dict[str, Any]:
    """The values the letter templates are filled with (one nomination's part of a reply)."""
    shown = [p for p in ctx.problems if not (ctx.kind == "late" and p.code == "deadline.late")]
    lines = [render_problem(p, ctx.timezone, to_sender=True) for p in shown]
    return {
        "kind": ctx.kind,
        "occasion": ctx.occasion,
        "ref": ctx.ref,
        "tag": f"[{ctx.ref}]" if ctx.ref else "",
        "campaign_name": ctx.campaign_name,
        "deadline": format_full_time(ctx.deadline, ctx.timezone),
        "received": format_day_time(ctx.received_at, ctx.timezone),
        "unit": ctx.unit.strip(),
        "candidate": ctx.candidate.strip(),
        "greeting": ctx.greeting.strip(),
        "blocking": [line for line in lines if line.blocking],
        "warnings": [line for line in lines if not line.blocking],
        "materials": _material_rows(ctx),
        "signature": ctx.signature.strip(),
        "contact": ctx.contact.strip(),
    }


def render_reply(ctx: ReplyContext) -> RenderedReply:
    values = reply_values(ctx)
    env = _letter_env()
    return RenderedReply(
        subject=reply_subject(ctx.original_subject, ctx.ref, ctx.campaign_name),
        text=env.get_template("reply.txt.j2").render(values),
        html=env.get_template("reply.html.j2").render(values),
    )


def _message_ids(values: Iterable[str]) -> list[str]:
    """Bare ids (no brackets, no blanks), first occurrence kept, in order."""
    ids = (v.strip().strip("<>").strip() for v in values)
    return list(dict.fromkeys(i for i in ids if i and not any(c.isspace() for c in i)))


def _address(addr: str, name: str, what: str) -> Address:
    try:
        return Address(display_name=" ".join(name.split()), addr_spec=addr.strip())
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise PermanentSendError(f"cannot use {addr!r} as the {what} address of a reply: {exc}") from None


def build_reply_message(
    rendered: RenderedReply,
    *,
    to_addr: str,
    to_name: str,
    from_addr: str,
    from_name: str,
    in_reply_to: str,
    references: Sequence[str],
    message_id_domain: str,
    now: datetime,
) -> EmailMessage:
    """A threaded multipart/alternative reply marked ``Auto-Submitted: auto-replied``."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(from_addr, from_name, "sender")
    message["To"] = _address(to_addr, to_name, "recipient")
    message["Subject"] = " ".join(rendered.subject.split())
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<shenbao.{uuid.uuid4().hex}@{message_id_domain.strip() or 'localhost'}>"
    parent = _message_ids([in_reply_to])
    if parent:
        message["In-Reply-To"] = f"<{parent[0]}>"
    chain = [i for i in _message_ids(references) if i not in parent] + parent
    if len(chain) > _MAX_REFERENCES:
        chain = chain[:1] + chain[-(_MAX_REFERENCES - 1):]
    if chain:
        message["References"] = " ".join(f"<{i}>" for i in chain)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


def template_env() -> Environment:
    """The jinja2 environment over ``templates/`` (``*.html.j2`` autoescaped), for the digest and the web view."""
    return _letter_env()
