"""The reply to a mail too large to download: what happened and how to send the materials instead.

Wording lives in ``templates/reply_oversize.*.j2``; this module only fills them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notify.render import MAX_SUBJECT_CHARS, RenderedReply, reply_subject, template_env
from notify.safetext import quotable
from notify.wording import format_day_time, format_full_time


@dataclass(frozen=True)
class OversizeContext:
    campaign_name: str
    deadline: datetime
    timezone: str
    greeting: str  # as ReplyContext.greeting
    received_at: datetime
    original_subject: str
    size: int  # the mail's size in bytes
    limit: int  # the mailbox's max_message_bytes
    min_photo_bytes: int
    ref: str = ""  # a reference tag the sender's subject already carries
    signature: str = ""
    contact: str = ""


def render_oversize(ctx: OversizeContext) -> RenderedReply:
    values = {
        "greeting": " ".join(ctx.greeting.split()),
        "received": format_day_time(ctx.received_at, ctx.timezone),
        "subject": quotable(ctx.original_subject, MAX_SUBJECT_CHARS),
        "size": ctx.size,
        "limit": ctx.limit,
        "min_photo_bytes": ctx.min_photo_bytes,
        "deadline": format_full_time(ctx.deadline, ctx.timezone),
        "tag": f"[{ctx.ref}]" if ctx.ref else "",
        "signature": ctx.signature.strip(),
        "contact": ctx.contact.strip(),
    }
    return RenderedReply(
        subject=reply_subject(ctx.original_subject, "", ctx.campaign_name),
        text=template_env().get_template("reply_oversize.txt.j2").render(values),
        html=template_env().get_template("reply_oversize.html.j2").render(values),
    )
