"""The answer to a plain question mail: a short, polite pointer to the notice and the deadline.

Wording lives in ``templates/reply_question.*.j2``; this module only fills them. ``LetterContext``
and ``letter_values`` are what every letter not about a nomination shares (see ``notify.oversize``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notify.office import zone_name
from notify.render import MAX_SUBJECT_CHARS, RenderedReply, reply_subject, template_env
from notify.safetext import quotable
from notify.wording import format_day_time, format_full_time


@dataclass(frozen=True)
class LetterContext:
    """A letter to one sender about their mail (not about a nomination)."""

    campaign_name: str
    deadline: datetime
    timezone: str
    greeting: str  # as ReplyContext.greeting: a roster unit's name, "" = nobody
    received_at: datetime
    original_subject: str
    signature: str = ""
    contact: str = ""


def letter_values(ctx: LetterContext) -> dict[str, Any]:
    """The values such a letter's templates are filled with."""
    return {
        "greeting": " ".join(ctx.greeting.split()),
        "received": format_day_time(ctx.received_at, ctx.timezone),
        "subject": quotable(ctx.original_subject, MAX_SUBJECT_CHARS),
        "campaign_name": ctx.campaign_name,
        "deadline": format_full_time(ctx.deadline, ctx.timezone),
        "zone": zone_name(ctx.timezone),
        "signature": ctx.signature.strip(),
        "contact": ctx.contact.strip(),
    }


def render_letter(ctx: LetterContext, template: str, values: dict[str, Any]) -> RenderedReply:
    """``templates/<template>.txt.j2`` and ``.html.j2`` filled with ``values``, under "回复：<their subject>"."""
    return RenderedReply(
        subject=reply_subject(ctx.original_subject, "", ctx.campaign_name),
        text=template_env().get_template(f"{template}.txt.j2").render(values),
        html=template_env().get_template(f"{template}.html.j2").render(values),
    )


def render_question(ctx: LetterContext) -> RenderedReply:
    return render_letter(ctx, "reply_question", letter_values(ctx))
