"""The answer to a plain question mail: a short, polite pointer to the notice and the deadline.

Wording lives in ``templates/reply_question.*.j2``; this module only fills them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notify.office import zone_name
from notify.render import RenderedReply, reply_subject, template_env
from notify.wording import format_day_time, format_full_time


@dataclass(frozen=True)
class QuestionContext:
    campaign_name: str
    deadline: datetime
    timezone: str
    sender_name: str
    received_at: datetime
    original_subject: str
    signature: str = ""
    contact: str = ""


def render_question(ctx: QuestionContext) -> RenderedReply:
    values = {
        "sender_name": " ".join(ctx.sender_name.split()),
        "received": format_day_time(ctx.received_at, ctx.timezone),
        "subject": " ".join(ctx.original_subject.split()),
        "campaign_name": ctx.campaign_name,
        "deadline": format_full_time(ctx.deadline, ctx.timezone),
        "zone": zone_name(ctx.timezone),
        "signature": ctx.signature.strip(),
        "contact": ctx.contact.strip(),
    }
    return RenderedReply(
        subject=reply_subject(ctx.original_subject, "", ctx.campaign_name),
        text=template_env().get_template("reply_question.txt.j2").render(values),
        html=template_env().get_template("reply_question.html.j2").render(values),
    )
