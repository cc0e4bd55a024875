"""One reply to an email that carried several candidates' materials: a part per nomination.

DESIGN promises one reply per email; when an email is split into several nominations, that
reply reports each of them (its reference, status, what is missing, what was received) and
lists the files that could not be told apart. Wording in ``templates/reply_multi.*.j2``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from notify.render import MaterialLine, RenderedReply, ReplyContext, reply_subject, reply_values, template_env
from notify.wording import format_size, wording


def multi_subject(original: str, refs: Sequence[str], campaign_name: str) -> str:
    """"回复：<original> [JZ2021-007] [JZ2021-008]"."""
    base = re.sub(r"\s*\[(?:" + "|".join(map(re.escape, refs)) + r")\]", " ", original) if refs else original
    subject = reply_subject(base, refs[0] if refs else "", campaign_name)
    return " ".join([subject, *(f"[{ref}]" for ref in refs[1:])])


def render_multi(letter: ReplyContext, parts: Sequence[ReplyContext], unassigned: Sequence[MaterialLine]) -> RenderedReply:
    """``letter`` gives the greeting, time and signature; ``parts`` one context per nomination."""
    roles: dict[str, str] = wording()["roles"]
    values = {
        **reply_values(letter),
        "parts": [reply_values(part) for part in parts],
        "unassigned": [{"name": m.filename, "role": roles.get(m.role, m.role), "size": format_size(m.size) if m.size else ""}
                       for m in unassigned],
    }
    env = template_env()
    return RenderedReply(
        subject=multi_subject(letter.original_subject, [p.ref for p in parts], letter.campaign_name),
        text=env.get_template("reply_multi.txt.j2").render(values),
        html=env.get_template("reply_multi.html.j2").render(values),
    )
