"""Nominations on the register: creating, linking emails, absorbing one into another, ranking.

A nomination is (unit, candidate). It gathers the emails that brought its material (through
``NominationEmail``: one email may carry several candidates) and their files. A nomination
started without a name that later turns out to be another one's candidate is *absorbed*: its
files and emails move over and it points at the survivor (``merged_into``), so its reference
number keeps working.

Every query here keeps to the campaign the session was opened for (``shenbao.store.db.session_campaign``):
references, quotas and follow-ups of one campaign never meet another's in a shared register.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rules.quota import counts_toward_quota
from shenbao.errors import UsageError
from shenbao.register.campaign import CampaignContext
from shenbao.store.models import Decision, Email, Meta, NominationEmail, Reply, StoredFile, Submission
from shenbao.store.db import session_campaign, utc_iso
from shenbao.store.migrations import campaign_key

LAST_NUMBER_KEY = "ref.last"  # the last reference number given, per campaign (see next_number)

REJECT = "reject"


def unique(subs: Iterable[Submission | None]) -> list[Submission]:
    """Each nomination once, first occurrence kept (table rows are not hashable)."""
    seen: set[int | None] = set()
    out = []
    for sub in subs:
        if sub is not None and sub.id not in seen:
            seen.add(sub.id)
            out.append(sub)
    return out


def ours(s: Session) -> Any:
    """The condition "of the session's campaign", for a query of ``Submission``."""
    return col(Submission.campaign) == session_campaign(s)


def of_campaign(s: Session, sub: Submission | None) -> Submission | None:
    """``sub`` when it is of the session's campaign, else None."""
    return sub if sub is not None and sub.campaign == session_campaign(s) else None


def foreign(s: Session, email_id: int | None, sub_id: int | None) -> bool:
    """Whether the mail ``email_id`` or the nomination ``sub_id`` is another campaign's (a reply
    to that mail, or about that nomination, is then none of this campaign's business)."""
    mine = session_campaign(s)
    email = s.get(Email, email_id) if email_id is not None else None
    sub = s.get(Submission, sub_id) if sub_id is not None else None
    return (email is not None and email.campaign != mine) or (sub is not None and sub.campaign != mine)


def active(s: Session) -> list[Submission]:
    """Every nomination that has not been absorbed into another, in order of number."""
    query = select(Submission).where(col(Submission.merged_into).is_(None), ours(s))
    return list(s.exec(query.order_by(col(Submission.id))))


_PLAIN_COLUMNS = [col(c) for c in (Submission.id, Submission.ref, Submission.unit, Submission.candidate, Submission.sender,
                                    Submission.status, Submission.problems, Submission.received_at,
                                    Submission.last_received_at)]


def active_rows(s: Session, ids: Iterable[int] | None = None, columns: Iterable[Any] = _PLAIN_COLUMNS) -> list[Any]:
    """``active`` as plain read-only rows of the columns the office views read (far cheaper than 10 000
    ORM objects); ``ids``: of those only (the views read 500 at a time: problems are most of a row)."""
    query = select_columns(*columns).where(col(Submission.merged_into).is_(None), ours(s))
    query = query if ids is None else query.where(col(Submission.id).in_(list(ids)))
    return list(s.execute(query.order_by(col(Submission.id))))


def surviving(s: Session, sub: Submission | None) -> Submission | None:
    """``sub`` itself, or the nomination it was absorbed into (followed to the end)."""
    seen: set[int] = set()
    while sub is not None and sub.merged_into is not None and sub.id not in seen:
        seen.add(sub.id or 0)
        sub = s.get(Submission, sub.merged_into)
    return sub


def by_ref(s: Session, ref: str) -> Submission | None:
    """The nomination a reference names: "JZ2021-007" (any case), or just its number "7"."""
    ref = ref.strip().strip("[]").upper()
    found = s.exec(select(Submission).where(col(Submission.ref) == ref, ours(s))).first()
    if found is None and ref.isdigit():
        found = s.exec(select(Submission).where(col(Submission.ref).endswith(f"-{int(ref):03d}"), ours(s))
                       .order_by(col(Submission.id))).first()
    return found


def find_nomination(s: Session, ref: str) -> Submission:
    """The nomination ``ref`` leads to (``by_ref``; an absorbed one's survivor); a ``UsageError`` when none."""
    sub = surviving(s, by_ref(s, ref))
    if sub is None:
        raise UsageError(f"{ref}: no such nomination (see `shenbao export` for the references)")
    return sub


def emails_of(s: Session, sub: Submission) -> list[Email]:
    """The emails that brought material or news to ``sub``, in order of arrival."""
    query = (select(Email).join(NominationEmail, col(NominationEmail.email_id) == col(Email.id))
             .where(NominationEmail.submission_id == sub.id).order_by(col(Email.received_at), col(Email.id)))
    return list(s.exec(query))


def files_of(s: Session, sub: Submission) -> list[StoredFile]:
    return list(s.exec(select(StoredFile).where(StoredFile.submission_id == sub.id).order_by(col(StoredFile.id))))


def nominations_of_email(s: Session, email_id: int) -> list[Submission]:
    query = (select(Submission).join(NominationEmail, col(NominationEmail.submission_id) == col(Submission.id))
             .where(NominationEmail.email_id == email_id, ours(s)).order_by(col(Submission.id)))
    return [sub for sub in (surviving(s, x) for x in s.exec(query)) if sub is not None]


def refs_by_email(s: Session) -> dict[int, list[str]]:
    """Email id -> the references of every nomination it brought something to (a split mail has several)."""
    nominations = {row.id: row for row in s.execute(select_columns(col(Submission.id), col(Submission.ref),
                                                                    col(Submission.merged_into)).where(ours(s)))}

    def survivor_ref(sub_id: int) -> str | None:
        seen = set()
        row = nominations.get(sub_id)
        while row is not None and row.merged_into is not None and row.id not in seen:
            seen.add(row.id)  # as ``surviving``, over rows in memory
            row = nominations.get(row.merged_into)
        return None if row is None else str(row.ref)

    links = select_columns(col(NominationEmail.email_id), col(NominationEmail.submission_id)).order_by(
        col(NominationEmail.email_id), col(NominationEmail.submission_id))
    out: dict[int, list[str]] = {}
    for email_id, sub_id in s.execute(links):
        refs = out.setdefault(email_id, [])
        ref = survivor_ref(sub_id)
        if ref is not None and ref not in refs:
            refs.append(ref)
    return out


def link(s: Session, email: Email, sub: Submission, with_body: bool = True) -> None:
    """Record that ``email`` brought something to ``sub`` (once)."""
    if s.get(NominationEmail, (email.id, sub.id)) is None:
        s.add(NominationEmail(email_id=email.id or 0, submission_id=sub.id or 0, with_body=with_body))
    if email.submission_id is None:
        email.submission_id = sub.id
        s.add(email)
    sub.last_received_at = max(sub.last_received_at, email.received_at)
    s.add(sub)


def create(s: Session, ctx: CampaignContext, email: Email, unit: str, candidate: str, source: str,
           now: datetime) -> Submission:
    sub = Submission(campaign=session_campaign(s), unit=unit, candidate=candidate,
                     candidate_source=source if candidate else "",
                     sender=email.from_addr, received_at=email.received_at, last_received_at=email.received_at,
                     created_at=utc_iso(now), updated_at=utc_iso(now))
    s.add(sub)
    s.flush()
    sub.ref = f"{ctx.campaign.reference_prefix}-{next_number(s):03d}"
    return sub


def next_number(s: Session) -> int:
    """The campaign's next reference number, counted in the register (the campaign's ``meta`` row
    ``LAST_NUMBER_KEY``) in the caller's transaction: a transaction that dies (a crash, a rollback)
    takes its number with it, and the row lock makes two instances on a shared register take turns. Not the row id: a PostgreSQL
    sequence keeps counting through rollbacks and left gaps in the references (JZ2021-012 missing
    after a SIGKILL, tests/reliability/test_crash_instances.py). A register without the row goes
    on from its highest id (its references were ``PREFIX-<id>``); a new campaign starts at 1."""
    key = campaign_key(LAST_NUMBER_KEY, session_campaign(s))
    for _ in range(2):
        row = s.exec(select(Meta).where(col(Meta.key) == key).with_for_update()).first()
        if row is not None:
            row.value = str(int(row.value) + 1)
            s.add(row)
            s.flush()
            return int(row.value)
        start = int(s.exec(select(func.coalesce(func.max(Submission.id), 0)).where(col(Submission.ref) != "",
                                                                                  ours(s))).one() or 0)
        try:
            with s.begin_nested():  # another instance may create the row at the same moment
                s.add(Meta(key=key, value=str(start + 1)))
            return start + 1
        except IntegrityError:
            continue  # it did: take the next number from its row
    raise RuntimeError("the reference counter could not be read")  # unreachable: the row exists after a conflict


def name(sub: Submission, candidate: str, source: str) -> None:
    """Give ``sub`` its candidate; a name read from a form replaces a guessed one."""
    if candidate and (not sub.candidate or (source == "form" and sub.candidate_source != "form")):
        sub.candidate, sub.candidate_source = candidate, source


def absorb(s: Session, src: Submission, dst: Submission, now: datetime) -> None:
    """Move everything of ``src`` (a nomination started without a name) over to ``dst``."""
    for row in s.exec(select(StoredFile).where(StoredFile.submission_id == src.id)):
        row.submission_id = dst.id
        s.add(row)
    for reply in s.exec(select(Reply).where(Reply.submission_id == src.id)):
        reply.submission_id = dst.id
        s.add(reply)
    for joined in list(s.exec(select(NominationEmail).where(NominationEmail.submission_id == src.id))):
        email = s.get(Email, joined.email_id)
        if email is not None:
            link(s, email, dst, joined.with_body)
            if email.submission_id == src.id:
                email.submission_id = dst.id
        s.delete(joined)
    dst.received_at = min(dst.received_at or src.received_at, src.received_at or dst.received_at)
    src.merged_into, src.updated_at, dst.updated_at = dst.id, utc_iso(now), utc_iso(now)
    s.add(src)
    s.add(dst)
    s.flush()


def sender_nominations(s: Session, address: str) -> list[Submission]:
    """Active nominations that any email from ``address`` went to."""
    query = (select(Submission).join(NominationEmail, col(NominationEmail.submission_id) == col(Submission.id))
             .join(Email, col(Email.id) == col(NominationEmail.email_id))
             .where(Email.from_addr == address, col(Submission.merged_into).is_(None), ours(s))
             .order_by(col(Submission.id)))
    rows: list[Submission] = list(s.exec(query))
    return unique(rows)


def unit_nominations(s: Session, unit: str) -> list[Submission]:
    query = select(Submission).where(Submission.unit == unit, col(Submission.merged_into).is_(None), ours(s))
    return list(s.exec(query.order_by(col(Submission.received_at), col(Submission.id))))


def latest_decision(s: Session, sub_id: int | None) -> Decision | None:
    """The office decision in force on a nomination; None when there is none (or it was reopened)."""
    row = s.exec(select(Decision).where(Decision.submission_id == sub_id).order_by(col(Decision.id).desc())).first()
    return row if row is not None and row.action != "reopen" else None


def latest_decisions(s: Session, sub_ids: Iterable[int | None] | None = None) -> dict[int, Decision]:
    """``latest_decision`` of many nominations in one query (all of them when ``sub_ids`` is None):
    nomination id -> the decision in force; nominations without one are left out."""
    query = select(Decision).order_by(col(Decision.id))
    if sub_ids is not None:
        query = query.where(col(Decision.submission_id).in_([i for i in sub_ids if i is not None]))
    last = {row.submission_id: row for row in s.exec(query)}
    return {sub_id: row for sub_id, row in last.items() if row.action != "reopen"}


def counts(sub: Submission, decision: Decision | None) -> bool:
    """Whether ``sub`` counts against its unit's quota: named, and not rejected by the office
    (``decision``: the one in force, see ``latest_decision``)."""
    return counts_toward_quota(sub.candidate, decision is not None and decision.action == REJECT)


def counted(s: Session, sub: Submission) -> bool:
    """``counts`` with the decision in force looked up."""
    return counts(sub, latest_decision(s, sub.id))


def arrival_ranks(s: Session, unit: str) -> dict[int, int]:
    """Nomination id -> 1-based place among the unit's counted nominations, in order of arrival."""
    subs = unit_nominations(s, unit)
    decisions = latest_decisions(s, [sub.id for sub in subs])
    ranked = [sub for sub in subs if counts(sub, decisions.get(sub.id or 0))]
    return {sub.id or 0: index for index, sub in enumerate(ranked, start=1)}


def replies_about(s: Session, sub: Submission) -> list[Reply]:
    """Replies that reported on ``sub``: to its emails, or sent about it alone, oldest first."""
    email_ids = [e.id for e in emails_of(s, sub)]
    query = select(Reply).where(col(Reply.submission_id) == sub.id)
    if email_ids:
        query = select(Reply).where((col(Reply.submission_id) == sub.id) | col(Reply.email_id).in_(email_ids))
    return list(s.exec(query.order_by(col(Reply.id))))
