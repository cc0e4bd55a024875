"""Who may change a nomination. Pure: plain data in, a decision out.

A follow-up (a tagged subject, a reply, the same candidate again) may add files to a nomination,
replace its 推荐表 or rename it only when it comes from someone the nomination already trusts:
its own sender, an address the roster lists for its unit, or a reply in the thread of a mail we
sent about it (our Message-IDs are random, so only a recipient of that mail can quote one; the
``[JZ2021-007]`` tag is sequential and readable, so it finds the nomination but never authorises).
Anything else is held for the office (``held:sender``).

A forged From equal to the unit's address passes here: telling a forgery from the real sender is
the receiving mail server's work (SPF, DKIM, DMARC), not something the mail's content can show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ingest.addresses import mailbox_key

HELD_DISPOSITION = "held:sender"


@dataclass(frozen=True)
class Authority:
    allowed: bool
    reason: str  # why (English, for the log and the office): which of the three, or why not


def _norm(address: str) -> str:
    """One mailbox, however written (``"JFQZGH"@163.com``, ``jfqzgh+2021@163.com``): ingest's key."""
    return mailbox_key(address)


def may_change(sender: str, nomination_sender: str, unit_addresses: Iterable[str], in_our_thread: bool) -> Authority:
    """May a mail from ``sender`` change a nomination first sent by ``nomination_sender``?

    ``unit_addresses``: the roster's addresses of the nomination's unit (none when the unit is not
    on the roster); ``in_our_thread``: the mail's In-Reply-To/References name a Message-ID of a
    reply we sent about this nomination."""
    who = _norm(sender)
    if who and who == _norm(nomination_sender):
        return Authority(True, "the nomination's sender")
    if who and who in {_norm(a) for a in unit_addresses}:
        return Authority(True, "an address of the nomination's unit")
    if in_our_thread:
        return Authority(True, "a reply in the thread of our mail about the nomination")
    return Authority(False, "not the nomination's sender, not an address of its unit, not a reply to our mail about it")
