"""The office's labels (``templates/office.toml``): statuses, checklist items, reply and mail states."""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

from notify.wording import TEMPLATES_DIR, format_full_time


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    with (TEMPLATES_DIR / "office.toml").open("rb") as handle:
        return tomllib.load(handle)


def label(section: str, key: str) -> str:
    """The Chinese label of ``key`` in ``section``; the key itself when the file has none."""
    return labels().get(section, {}).get(key, key)


def disposition_label(disposition: str) -> str:
    """"ignored:auto-submitted" -> "不回复（…）"; the reason after ":" is for the admin, not shown."""
    return label("disposition", (disposition or "pending").split(":", 1)[0])


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(autoescape=False, undefined=StrictUndefined)


def summary(key: str, **values: Any) -> str:
    """A checklist cell's wording: ``summary("chars", chars=2315)`` -> "2315字"."""
    try:
        return _summary(key, tuple(sorted(values.items())) if len(values) > 1 else tuple(values.items()))
    except TypeError:  # a value that cannot be a cache key
        return _compiled(label("summary", key)).render(values)


@lru_cache(maxsize=4096)
def _summary(key: str, values: tuple[tuple[str, Any], ...]) -> str:
    """``summary`` rendered once per distinct wording (a register of 10 000 repeats a few hundred)."""
    return _compiled(label("summary", key)).render(dict(values))


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A summary wording compiled once (it is rendered for every nomination of a register)."""
    return _env().from_string(source)


ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Harbin": "北京时间", "PRC": "北京时间"}


def zone_name(timezone: str) -> str:
    """How the office calls the campaign's time zone: "北京时间" for China's, else the zone's name."""
    return ZONE_NAMES.get(timezone, timezone)


def decision_text(action: str, note: str, by: str, at: datetime | str, timezone: str) -> str:
    """"受理（王老师，2021年5月7日10:00 北京时间）：因邮箱故障逾期，准予受理" — one decision in words."""
    when = format_full_time(at, timezone)
    return f"{label('decision', action)}（{by}，{when} {zone_name(timezone)}）：{note}"


def problem_name(code: str) -> str:
    """A problem code in a few words: "photos.too_small" -> "照片文件过小", "form.field_empty:联系电话" ->
    "推荐表有未填项（联系电话）"; a code without words gets the fallback, never the bare code."""
    base, _, detail = code.partition(":")
    words = labels().get("problem", {})
    name = words.get(base) or words.get("fallback", "需人工核对")
    return f"{name}（{detail}）" if detail else name


def verdict_words(status: str, codes: list[str]) -> str:
    """"待补充（缺工作生活照、照片文件过小）": a status and its problems, for a line of text."""
    named = "、".join(problem_name(code) for code in codes)
    return f"{label('status', status)}（{named}）" if named else label("status", status)
