"""The office's labels (``templates/office.toml``): statuses, checklist items, reply and mail states."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

from notify.wording import TEMPLATES_DIR


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
