"""The reply to a mail held for the office (``held:sender``): received, to be checked, nothing more.

The mail came from someone the nomination it points at does not trust (see rules/authority.py),
so the letter says nothing about any nomination: no unit, candidate, reference or file list.
Wording lives in ``templates/reply_held.*.j2``; this module only fills them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notify.render import RenderedReply, reply_subject, template_env
from notify.wording import format_day_time


@dataclass(frozen=True)
class HeldContext:
    campaign_name: str
    timezone: str
    greeting: str  # as ReplyContext.greeting
    received_at: datetime
    original_subject: str
    signature: str = ""
    contact: str = ""


def render_held(ctx: HeldContext) -> RenderedReply:
    values = {
        "greeting": " ".join(ctx.greeting.split()),
        "received": format_day_time(ctx.received_at, ctx.timezone),
        "campaign_name": ctx.campaign_name,
        "signature": ctx.signature.strip(),
        "contact": ctx.contact.strip(),
    }
    return RenderedReply(
        subject=reply_subject(ctx.original_subject, "", ctx.campaign_name),
        text=template_env().get_template("reply_held.txt.j2").render(values),
        html=template_env().get_template("reply_held.html.j2").render(values),
    )
