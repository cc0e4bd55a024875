"""The reply to a mail too large to download: what happened and how to send the materials instead.

Wording lives in ``templates/reply_oversize.*.j2``; this module only fills them.
"""

from __future__ import annotations

from dataclasses import dataclass

from notify.question import LetterContext, letter_values, render_letter
from notify.render import RenderedReply


@dataclass(frozen=True, kw_only=True)
class OversizeContext(LetterContext):
    size: int  # the mail's size in bytes
    limit: int  # the mailbox's max_message_bytes
    min_photo_bytes: int
    ref: str = ""  # a reference tag the sender's subject already carries


def render_oversize(ctx: OversizeContext) -> RenderedReply:
    values = {**letter_values(ctx), "size": ctx.size, "limit": ctx.limit, "min_photo_bytes": ctx.min_photo_bytes,
              "tag": f"[{ctx.ref}]" if ctx.ref else ""}
    return render_letter(ctx, "reply_oversize", values)
