"""The same mail twice: a message copied or moved back into the mailbox arrives under a new UID.

It is stored like any mail (nothing is lost) but not processed again: ``earlier_copy`` finds the
first copy — the same bytes, or the same Message-ID from the same sender — and the new one is
recorded as ``ignored:duplicate`` with a defect line naming that first copy. It is not answered.
A mail no one answers anyway (an auto-reply, a bounce, junk) keeps its own ``ignored:`` reason.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, or_, select

from shenbao.store.db import session_campaign
from shenbao.store.models import Email
from shenbao.store.verdicts import lines_json, lines_of

DISPOSITION = "ignored:duplicate"
log = logging.getLogger(__name__)


def earlier_copy(s: Session, email: Email) -> Email | None:
    """The first stored mail that is this one again (``email``'s headers filled), or None."""
    same = col(Email.sha256) == email.sha256
    if email.message_id:
        same = or_(same, (col(Email.message_id) == email.message_id) & (col(Email.from_addr) == email.from_addr))
    query = select(Email).where(same, col(Email.id) < (email.id or 0), Email.raw_path != "",
                                col(Email.campaign) == session_campaign(s),  # a mail to two campaigns is each one's
                                ~col(Email.disposition).startswith("error:"))  # a failed first copy may be tried again
    return s.exec(query.order_by(col(Email.id)).limit(1)).first()


def is_copy(s: Session, email: Email) -> bool:
    """True when ``email`` is an earlier mail again; the first copy is then named in its defects."""
    first = earlier_copy(s, email)
    if first is None:
        return False
    message_id = f", <{first.message_id}>" if first.message_id else ""
    named = f"duplicate-of: email {first.id} ({first.mailbox} UID {first.uid}{message_id}, {first.disposition})"
    email.defects = lines_json([*lines_of(email.defects, f"emails.defects of email {email.id}"), named])
    log.info("email %s is a copy of email %s", email.id, first.id)
    return True
