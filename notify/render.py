"""Render a reply (subject, text, HTML) from the ``templates`` package, and wrap it as a mail.

All wording lives in ``templates/``: ``problems.toml`` for each problem code, ``reply_*.j2``
for the letter. This module only formats values (sizes, times) and fills the templates.
"""

from __future__ import annotations

import re
import tomllib
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
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    Undefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

import templates
from rules.codes import CODES, base_code
from rules.facts import Problem
from shenbao.errors import PermanentSendError

TEMPLATES_DIR = Path(templates.__file__).parent
ReplyKind = Literal["accepted", "incomplete", "late", "unmatched", "closed"]  # closed: the office decided
Occasion = Literal["reply", "recheck"]  # recheck: a notice after the rules changed, not an answer
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|回复|答复)\s*[:：]\s*)+", re.IGNORECASE)
_MAX_REFERENCES = 20
_MAX_SUBJECT_CHARS = 120  # of the original subject quoted in ours (a hostile one may be a megabyte)
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
    sender_name: str
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


@dataclass(frozen=True)
class ProblemLine:
    code: str
    text: str
    hint: str
    blocking: bool


def format_size(size: int) -> str:
    """Bytes as MB with one decimal, rounded down so a too-small file never looks big enough."""
    if not isinstance(size, int):
        return ""
    if size >= 100_000:
        return f"{size // 100_000 / 10:g}MB"
    return f"{max(size, 0) // 1000}KB"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _local(moment: datetime | str, timezone: str) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if not isinstance(value, datetime):
        raise TypeError(f"not a time: {moment!r}")
    zone = _zone(timezone)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def format_day_time(moment: datetime | str, timezone: str) -> str:
    """"4月26日10:02" in the campaign's time zone."""
    local = _local(moment, timezone)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def format_full_time(moment: datetime | str, timezone: str) -> str:
    """"2021年4月30日23:59" in the campaign's time zone."""
    local = _local(moment, timezone)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def format_image_format(name: str) -> str:
    """"jpeg" -> "JPG", "heif" -> "HEIC" (the ``[formats]`` table), else upper case: "PNG"."""
    if not isinstance(name, str):
        return ""
    names: dict[str, str] = wording().get("formats", {})
    return names.get(name.lower(), name.upper())


@pass_context
def _datetime_filter(context: Context, moment: datetime | str) -> str:
    try:
        return format_full_time(moment, str(context.get("timezone", "Asia/Shanghai")))
    except (TypeError, ValueError):  # a missing or malformed time in a problem's detail
        return ""


def _formats_filter(names: object) -> str:
    """["jpeg", "png"] -> "JPG或PNG"."""
    items = [names] if isinstance(names, str) else names
    if isinstance(items, Undefined) or not isinstance(items, Iterable):
        return ""
    return "或".join(dict.fromkeys(format_image_format(str(n)) for n in items))


def _install_filters(env: Environment) -> Environment:
    env.filters["filesize"] = format_size
    env.filters["datetime"] = _datetime_filter
    env.filters["imgformat"] = format_image_format
    env.filters["imgformats"] = _formats_filter
    return env


@lru_cache(maxsize=2)
def _wording_env(strict: bool) -> Environment:
    return _install_filters(Environment(autoescape=False, undefined=StrictUndefined if strict else Undefined))


@lru_cache(maxsize=512)
def _wording_template(strict: bool, source: str) -> Template:
    """A wording entry compiled once: the digest and the Excel export render it per nomination."""
    return _wording_env(strict).from_string(source)


@lru_cache(maxsize=1)
def _letter_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return _install_filters(env)


@lru_cache(maxsize=1)
def wording() -> dict[str, Any]:
    """``templates/problems.toml``: ``problems`` (code -> text, hint), ``roles``, ``formats``, ``fallback``."""
    with (TEMPLATES_DIR / "problems.toml").open("rb") as handle:
        return tomllib.load(handle)


def render_problem(problem: Problem, timezone: str = "Asia/Shanghai", *, strict: bool = False) -> ProblemLine:
    """The problem's Chinese text and hint. ``strict`` raises on a placeholder its detail lacks."""
    code = base_code(problem.code)
    entry = wording()["problems"].get(code) or wording()["fallback"]
    blocking = CODES.get(code, True)
    try:
        text, hint = _render_entry(entry, problem, timezone, strict)
    except (TemplateError, TypeError, ValueError, ArithmeticError):
        if strict:
            raise
        text, hint = _render_entry(wording()["fallback"], problem, timezone, strict=False)
    return ProblemLine(code=problem.code, text=text, hint=hint, blocking=blocking)


def _render_wording(source: str, values: dict[str, Any], strict: bool) -> str:
    if "{" not in source:  # plain words, no placeholder or tag: nothing to render (most hints)
        return source.strip()
    return _wording_template(strict, source).render(values).strip()


def _render_entry(entry: dict[str, str], problem: Problem, timezone: str, strict: bool) -> tuple[str, str]:
    values = {"code": problem.code, **problem.detail, "timezone": timezone}
    return _render_wording(entry["text"], values, strict), _render_wording(entry.get("hint", ""), values, strict)


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
    if len(base) > _MAX_SUBJECT_CHARS:
        base = base[:_MAX_SUBJECT_CHARS] + "…"
    template = _letter_env().get_template("reply_subject.j2")
    subject = template.render(subject=base, ref=ref, campaign_name=campaign_name)
    return " ".join(subject.split())


def reply_values(ctx: ReplyContext) -> dict[str, Any]:
    """The values the letter templates are filled with (one nomination's part of a reply)."""
    shown = [p for p in ctx.problems if not (ctx.kind == "late" and p.code == "deadline.late")]
    lines = [render_problem(p, ctx.timezone) for p in shown]
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
        "sender_name": ctx.sender_name.strip(),
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


def to_local(moment: datetime | str, timezone: str) -> datetime:
    """An aware time (or ISO string) in the campaign's time zone."""
    return _local(moment, timezone)
