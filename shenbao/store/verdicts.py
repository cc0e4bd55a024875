"""The one codec of stored verdicts: ``Submission.status`` and ``.problems`` (a JSON array of
``{"code", "detail"}``), ``Reply.told`` (``{ref: summary}``: what a reply said of each nomination),
and of the register's JSON lists of text lines (``Email.defects``, ``Email.cloud_links``, a meta note).

A stored verdict that is not one is a ``StoredValueError`` naming the nomination and the fix; a
``told`` that is not one is read as telling nothing (logged): the sender is told again; a list of
lines that is not one is read as its text, one line (logged)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from rules.codes import Status
from rules.facts import Problem, Verdict
from shenbao.errors import StoredValueError

log = logging.getLogger(__name__)
FIX = "`shenbao reevaluate` judges it again"


class Judged(Protocol):  # a nomination: its ORM row or a plain row of its columns
    ref: str
    status: str
    problems: str


class _StoredProblem(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    code: str = Field(min_length=1)
    detail: dict[str, Any] = Field(default_factory=dict)


_PROBLEMS = TypeAdapter(list[_StoredProblem])
_TOLD = TypeAdapter(dict[str, str])
_LINES = TypeAdapter(list[str])
_STATUS = TypeAdapter(Status)


def problems_json(problems: Iterable[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False, default=str)


def verdict_of(sub: Judged) -> Verdict:
    """The automatic verdict stored on ``sub``."""
    column = "status"
    try:
        status = _STATUS.validate_python(sub.status)
        column = "problems"
        stored = _PROBLEMS.validate_json(sub.problems or "[]")
    except ValidationError as exc:
        raise StoredValueError.of(f"submissions.{column} of nomination {sub.ref}", exc, FIX) from None
    return Verdict(status.value, tuple(Problem(p.code, p.detail) for p in stored))


def summary(verdict: Verdict) -> str:
    """"incomplete [credit.missing, photos.too_small]": what a sender was (or is to be) told."""
    codes = sorted(verdict.codes)
    return f"{verdict.status} [{', '.join(codes)}]" if codes else verdict.status


def told_json(subs: Iterable[Judged]) -> str:
    """``Reply.told`` for a reply reporting ``subs`` as they now stand."""
    return json.dumps({sub.ref: summary(verdict_of(sub)) for sub in subs}, ensure_ascii=False)


def told_of(told: str, reply_id: int | None) -> Mapping[str, str]:
    """``Reply.told`` as stored: nomination ref -> the summary that reply gave."""
    try:
        return _TOLD.validate_json(told or "{}")
    except ValidationError as exc:
        log.warning("%s", StoredValueError.of(f"replies.told of reply {reply_id}", exc, "read as telling nothing: "
                                              "its nominations' senders may be told their verdict again"))
        return {}


def lines_json(lines: Iterable[str]) -> str:
    return json.dumps(list(lines), ensure_ascii=False)


def lines_of(text: str, where: str) -> tuple[str, ...]:
    """A stored JSON list of text lines (``where``: which column of which row, for the log)."""
    try:
        return tuple(_LINES.validate_json(text or "[]"))
    except ValidationError as exc:
        log.warning("%s", StoredValueError.of(where, exc, "read as one line of its text"))
        return (text,)
