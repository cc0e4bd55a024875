"""An email's material onto the register: to its nomination(s), judged, answered.

``register_email`` is what intake calls once an email is parsed and its files read: it asks
``matching.plan_email`` where everything goes, stores each file with its nomination, names or
absorbs nominations as the email shows, re-judges the units concerned (quota places move) and
queues the one reply. Returns the email's disposition.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from ingest.types import ClassifiedFile, role_value
from shenbao.store.brief import brief_json
from shenbao.config import Config
from shenbao.intake.held import hold, unauthorised
from ingest.names import compact
from shenbao.intake.matching import Group, Plan, form_unit, plan_email, sender_unit, unit_of
from shenbao.store.models import Email, StoredFile, Submission
from shenbao.register.nominations import absorb, create, emails_of, link, name, unique
from shenbao.replies.outbox import queue_reply
from shenbao.register.verdict import reevaluate, reevaluate_units
from shenbao.replies.compose import queue_answer
from shenbao.replies.question import answer_question, asks_something
from shenbao.register.roster import sender_roster_unit

FileEntry = tuple[ClassifiedFile, str]  # (read and classified file, path under data_dir; "" when not saved)


def store_file(s: Session, email: Email, sub: Submission | None, entry: FileEntry) -> StoredFile:
    classified, path = entry
    facts = classified.facts
    found = asdict(facts)
    row = StoredFile(email_id=email.id or 0, submission_id=sub.id if sub else None, filename=facts.filename,
                     path=path, sha256=facts.sha256, size=facts.size, kind=facts.kind, role=role_value(classified.role),
                     unreadable=facts.unreadable, facts=json.dumps(found, ensure_ascii=False, default=str),
                     brief=brief_json(found))
    s.add(row)
    return row


def _nomination(s: Session, config: Config, email: Email, plan: Plan, group: Group, files: list[FileEntry],
                now: datetime) -> Submission:
    """The group's nomination: found, or started for the unit on its form, else the email's unit."""
    if group.target is not None:
        return group.target
    unit = plan.unit
    if sender_roster_unit(config, email) is None:
        unit = unit_of(config, email, [files[i][0] for i in group.files]) if group.files else unit
    return create(s, config, email, unit, group.candidate, group.source, now)


def _adopt_form_unit(s: Session, config: Config, sub: Submission, files: list[ClassifiedFile]) -> bool:
    """A nomination whose unit is only its sender's name (no roster entry, no form so far) takes
    the 申报单位 of a form that arrives later. True when the unit changed."""
    unit = form_unit(files)
    if not unit or compact(unit) == compact(sub.unit) or config.unit_for_sender(sub.sender) is not None:
        return False
    if sub.unit not in {sender_unit(e) for e in emails_of(s, sub)}:
        return False  # the unit came from a form (or the roster): a later form does not move it
    sub.unit = unit
    s.add(sub)
    return True


def register_email(s: Session, config: Config, email: Email, files: list[FileEntry], body: str,
                   has_material: bool, now: datetime) -> str:
    """Attach ``email`` and its files to the register and queue its reply; the disposition."""
    plan = plan_email(s, config, email, [f for f, _ in files], body, has_material)
    if plan.unmatched:
        for entry in files:
            store_file(s, email, None, entry)
        if not has_material and asks_something(email, body):  # "请问截止时间…": answered, not asked for a name
            answer_question(s, config, email, now)
        else:
            queue_reply(s, config, email, None, "unmatched", now)
        return "unmatched"
    refused = unauthorised(s, config, email, plan)
    if refused:  # a follow-up from someone the nomination does not trust: kept, held for the office
        for entry in files:
            store_file(s, email, None, entry)
        return hold(s, config, email, refused, now)
    subs: list[Submission] = []
    moved: set[str] = set()  # units whose quota places change: a nomination came, was named or absorbed
    for group in plan.groups:
        sub = _nomination(s, config, email, plan, group, files, now)
        if group.target is None or (group.candidate and not sub.candidate):
            moved.add(sub.unit)
        before = sub.unit
        if group.target is not None and _adopt_form_unit(s, config, sub, [files[i][0] for i in group.files]):
            moved |= {before, sub.unit}
        if group.absorb is not None and group.absorb.id != sub.id:
            moved |= {group.absorb.unit, sub.unit}
            absorb(s, group.absorb, sub, now)
        name(sub, group.candidate, group.source)
        link(s, email, sub, group.with_body)
        for index in group.files:
            store_file(s, email, sub, files[index])
        subs.append(sub)
    unassigned = [store_file(s, email, None, files[i]) for i in plan.unassigned]
    s.flush()
    subs = unique(subs)
    for sub in subs:
        if sub.unit not in moved:
            reevaluate(s, config, sub, now)
    reevaluate_units(s, config, moved, now)
    queue_answer(s, config, email, subs, unassigned, now)
    return "submission"
