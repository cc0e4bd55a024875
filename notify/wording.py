"""Problem wording and the value formats every template shares.

``templates/problems.toml`` holds the Chinese wording: a text and a hint per problem code, the
labels of file roles and image formats, and a fallback entry. This module loads it, renders one
problem into a ``ProblemLine`` (``render_problem``), and formats the values that wording and
letters show: sizes, times in the campaign's time zone, image format names. The same formats
are installed as jinja2 filters (``filesize``, ``datetime``, ``imgformat``, ``imgformats``) on
the wording environment here and on the letter environment in ``notify.render``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, StrictUndefined, Template, TemplateError, Undefined, pass_context
from jinja2.runtime import Context

import templates
from rules.codes import CODES, base_code
from rules.facts import Problem

TEMPLATES_DIR = Path(templates.__file__).parent


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


def to_local(moment: datetime | str, timezone: str) -> datetime:
    """An aware time (or ISO string) in the campaign's time zone."""
    return _local(moment, timezone)


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


def install_filters(env: Environment) -> Environment:
    """Add the shared filters to ``env``: the wording environment here, the letter one in ``notify.render``."""
    env.filters["filesize"] = format_size
    env.filters["datetime"] = _datetime_filter
    env.filters["imgformat"] = format_image_format
    env.filters["imgformats"] = _formats_filter
    return env


@lru_cache(maxsize=2)
def _wording_env(strict: bool) -> Environment:
    return install_filters(Environment(autoescape=False, undefined=StrictUndefined if strict else Undefined))


@lru_cache(maxsize=512)
def _wording_template(strict: bool, source: str) -> Template:
    """A wording entry compiled once: the digest and the Excel export render it per nomination."""
    return _wording_env(strict).from_string(source)


@lru_cache(maxsize=1)
def wording() -> dict[str, Any]:
    """``templates/problems.toml``: ``problems`` (code -> text, hint), ``roles``, ``formats``, ``fallback``."""
    with (TEMPLATES_DIR / "problems.toml").open("rb") as handle:
        return tomllib.load(handle)


def render_problem(problem: Problem, timezone: str = "Asia/Shanghai", *, strict: bool = False,
                   to_sender: bool = False) -> ProblemLine:
    """The problem's Chinese text and hint. ``strict`` raises on a placeholder its detail lacks.
    ``to_sender``: for the unit's letter, where the wording names no other unit's nomination."""
    code = base_code(problem.code)
    entry = wording()["problems"].get(code) or wording()["fallback"]
    blocking = CODES.get(code, True)
    try:
        text, hint = _render_entry(entry, problem, timezone, strict, to_sender)
    except (TemplateError, TypeError, ValueError, ArithmeticError):
        if strict:
            raise
        text, hint = _render_entry(wording()["fallback"], problem, timezone, False, to_sender)
    return ProblemLine(code=problem.code, text=text, hint=hint, blocking=blocking)


def _render_wording(source: str, values: dict[str, Any], strict: bool) -> str:
    if "{" not in source:  # plain words, no placeholder or tag: nothing to render (most hints)
        return source.strip()
    return _wording_template(strict, source).render(values).strip()


def _render_entry(entry: dict[str, str], problem: Problem, timezone: str, strict: bool,
                  to_sender: bool) -> tuple[str, str]:
    values = {"code": problem.code, **problem.detail, "timezone": timezone, "to_sender": to_sender}
    return _render_wording(entry["text"], values, strict), _render_wording(entry.get("hint", ""), values, strict)
