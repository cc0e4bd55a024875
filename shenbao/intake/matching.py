"""Which nomination(s) an email belongs to. Reads the register, writes nothing.

In order of strength:
1. A candidate the email itself names: a form's 姓名, or a known candidate (one of the unit's or
   the sender's nominations) in a file's name or its archive folder. Files naming two or more
   candidates split the email, one part per candidate; files naming nobody then stay unassigned.
2. The thread: a reply to one of our replies (In-Reply-To/References), or the ``[JZ2021-007]``
   tag in the subject. A reply about several nominations needs a name to choose among them.
3. A known candidate named in the subject, then in the sender's own words in the body.
4. A new name plainly written: "候选人：王喆" in the body, an archive folder "王喆/", or a
   subject like "推荐材料-山阳区总工会-王喆".
5. The sender's single open nomination.
Otherwise an email with material starts a nomination without a name (``candidate.unmatched``,
and the reply asks for the name); an email without material is ``unmatched``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ingest.types import ClassifiedFile, Role
from ingest.names import compact
from ingest.quotes import unquoted
from shenbao.intake.candidates import declared_name, folder_names, guessed_name, name_of_path, names_in
from shenbao.store.models import Email, Reply, Submission
from shenbao.register.nominations import (by_ref, foreign, emails_of, latest_decision, nominations_of_email, sender_nominations,
                                 surviving, unique, unit_nominations)
from shenbao.register.campaign import CampaignContext
from shenbao.register.verdict import OPEN_STATUSES, ref_tag_pattern
from shenbao.register.roster import sender_roster_unit

FORM_NAME_FIELD = "姓名"
MAX_THREAD_IDS = 100  # the nearest ids of a References header looked up (a hostile one may list thousands)


@dataclass
class Group:
    """One nomination's share of an email."""

    candidate: str  # "" when nobody is named
    source: str  # form | known | declared | folder | subject | ""
    files: list[int] = field(default_factory=list)  # indexes into the email's files
    target: Submission | None = None  # None: start a new nomination
    absorb: Submission | None = None  # a nomination without a name this email shows to be the target's
    with_body: bool = True
    unit: str = ""  # the unit of the group's nomination once this email is in (``plan_email`` sets it)


@dataclass
class Plan:
    unit: str
    groups: list[Group]
    unassigned: list[int] = field(default_factory=list)

    @property
    def unmatched(self) -> bool:
        return not self.groups


def form_name(file: ClassifiedFile) -> str:
    if file.role != Role.FORM or file.facts.unreadable:
        return ""
    return compact(file.facts.form_fields.get(FORM_NAME_FIELD, ""))


def form_unit(files: list[ClassifiedFile]) -> str:
    """The 申报单位 written on the (last) readable form among ``files``; "" when none names one."""
    forms = [f.facts.form_unit for f in files if form_name(f) and f.facts.form_unit.strip()]
    return forms[-1].strip() if forms else ""


def sender_unit(email: Email) -> str:
    """What stands for the unit when neither the roster nor a form names one: the sender."""
    return email.from_name or email.from_addr


def unit_of(ctx: CampaignContext, email: Email, files: list[ClassifiedFile]) -> str:
    """The roster unit of the sender, else the unit written on the (last) form, else the sender."""
    roster = sender_roster_unit(ctx, email)
    if roster is not None:
        return roster.name
    return form_unit(files) or sender_unit(email)


def adopted_unit(s: Session, ctx: CampaignContext, sub: Submission, files: list[ClassifiedFile]) -> str:
    """The 申报单位 of a form among ``files`` that ``sub`` moves to: only a nomination whose unit is
    its sender's name (no roster entry, no form so far) takes it. "" when ``sub`` keeps its unit."""
    unit = form_unit(files)
    if not unit or compact(unit) == compact(sub.unit) or ctx.unit_for_sender(sub.sender) is not None:
        return ""
    if sub.unit not in {sender_unit(e) for e in emails_of(s, sub)}:
        return ""  # the unit came from a form (or the roster): a later form does not move it
    return unit


def thread_scope(s: Session, ctx: CampaignContext, email: Email) -> list[Submission]:
    """The nominations this email continues: those our reply it answers was about (the nearest of
    our replies in its References), else those whose tags its subject carries."""
    chain = [i for i in [email.in_reply_to, *reversed(email.references.split())] if i][:MAX_THREAD_IDS]
    replies = {r.message_id: r for r in s.exec(select(Reply).where(col(Reply.message_id).in_(chain)))} if chain else {}
    for message_id in chain:
        reply = replies.get(message_id.strip("<>"))
        if reply is None or foreign(s, reply.email_id, reply.submission_id):
            continue  # not ours, or our reply about another campaign's nomination (a shared mailbox)
        if reply.email_id is not None and (subs := nominations_of_email(s, reply.email_id)):
            return subs
        if reply.submission_id is not None:
            sub = surviving(s, s.get(Submission, reply.submission_id))
            return [sub] if sub else []
        return []
    tagged = [surviving(s, by_ref(s, tag)) for tag in ref_tag_pattern(ctx.campaign.reference_prefix).findall(email.subject)]
    return unique(tagged)


def _is_open(s: Session, sub: Submission) -> bool:
    return sub.status in OPEN_STATUSES and latest_decision(s, sub.id) is None


class _Matcher:
    def __init__(self, s: Session, ctx: CampaignContext, email: Email, files: list[ClassifiedFile], body: str,
                 has_material: bool) -> None:
        self.s, self.ctx, self.email, self.files, self.has_material = s, ctx, email, files, has_material
        self.body = unquoted(body)
        self.unit = unit_of(ctx, email, files)
        self.scope = thread_scope(s, ctx, email)
        self.mine = sender_nominations(s, email.from_addr)
        pool = [*self.scope, *unit_nominations(s, self.unit), *self.mine]
        self.pool = unique(sub for sub in pool if sub.merged_into is None)
        self.known = {compact(sub.candidate) for sub in self.pool if compact(sub.candidate)}
        self.ignore = [self.unit, *(u.name for u in ctx.units), ctx.campaign.name, email.from_name]

    def target(self, name: str) -> Submission | None:
        """The nomination of ``name``: in the thread, else the unit's, else the sender's."""
        same_unit = [sub for sub in self.pool if compact(sub.unit) == compact(self.unit)]
        for group in (self.scope, same_unit, self.mine):
            found = next((sub for sub in group if compact(sub.candidate) == name), None)
            if found is not None:
                return found
        return None

    def named(self, name: str, source: str, files: list[int]) -> Group:
        """The group for an email (or its part) that names ``name``."""
        group = Group(name, source, files, self.target(name))
        unnamed = [sub for sub in self.scope if sub.candidate_source != "form"]
        if len(self.scope) == 1 and unnamed:
            if group.target is None or group.target is unnamed[0]:
                group.target = unnamed[0]
            elif not compact(unnamed[0].candidate):
                group.absorb = unnamed[0]
        if group.target is None and not self.scope:
            waiting = [sub for sub in self.mine if not compact(sub.candidate) and _is_open(self.s, sub)]
            group.target = waiting[0] if len(waiting) == 1 else None
        return group

    def final_unit(self, group: Group) -> str:
        """A new nomination's unit: as ``unit_of`` says for the group's own files; a known one keeps
        its unit unless a form among them names the unit that only its sender stood for."""
        files = [self.files[i] for i in group.files]
        if group.target is None:
            return unit_of(self.ctx, self.email, files) if files else self.unit
        return adopted_unit(self.s, self.ctx, group.target, files) or group.target.unit

    def one(self, group: Group) -> Plan:
        return Plan(self.unit, [group])

    def by_files(self) -> Plan | None:
        names = self.known | {form_name(f) for f in self.files if form_name(f)}
        owners = [form_name(f) or name_of_path(f.facts.filename, names) for f in self.files]
        distinct = list(dict.fromkeys(o for o in owners if o))
        if not distinct:
            return None
        if len(distinct) == 1:
            source = "form" if any(form_name(f) for f in self.files) else "known"
            return self.one(self.named(distinct[0], source, list(range(len(self.files)))))
        groups = []
        for name in distinct:
            source = "form" if any(form_name(f) == name for f in self.files) else "known"
            mine = [i for i, owner in enumerate(owners) if owner == name]
            groups.append(Group(name, source, mine, self.target(name), with_body=False))
        return Plan(self.unit, groups, [i for i, owner in enumerate(owners) if not owner])

    def guesses(self) -> list[tuple[str, str]]:
        """New names plainly written, strongest first: declared in the words, an archive folder, the subject."""
        folders = folder_names((f.facts.filename for f in self.files), self.ignore)
        found = [(declared_name(self.email.subject + "\n" + self.body), "declared"),
                 (folders.pop() if len(folders) == 1 else "", "folder"),
                 (guessed_name(_without_tags(self.email.subject), self.ignore), "subject")]
        return [(name, source) for name, source in found if name]

    def by_words(self) -> Plan:
        everything = list(range(len(self.files)))
        only = self.scope[0] if len(self.scope) == 1 else None
        in_subject = names_in(self.email.subject, self.known)
        if len(in_subject) == 1:
            return self.one(self.named(in_subject.pop(), "known", everything))
        if only is not None and compact(only.candidate):
            return self.one(Group(compact(only.candidate), "known", everything, only))
        in_body = names_in(self.body, self.known)
        if len(in_body) == 1:
            return self.one(self.named(in_body.pop(), "known", everything))
        for name, source in self.guesses():
            group = self.named(name, source, everything)
            if group.target is not None or self.has_material:
                return self.one(group)
        if only is not None:
            return self.one(Group("", "", everything, only))
        open_ones = [sub for sub in self.mine if _is_open(self.s, sub)]
        if len(open_ones) == 1:
            return self.one(Group(compact(open_ones[0].candidate), "known", everything, open_ones[0]))
        return Plan(self.unit, [Group("", "", everything)] if self.has_material else [])


def _without_tags(subject: str) -> str:
    return re.sub(r"\[[^\]]*\]", " ", subject)


def plan_email(s: Session, ctx: CampaignContext, email: Email, files: list[ClassifiedFile], body: str,
               has_material: bool) -> Plan:
    """Decide which nomination(s) ``email`` and each of its ``files`` belong to."""
    matcher = _Matcher(s, ctx, email, files, body, has_material)
    plan = matcher.by_files() or matcher.by_words()
    for group in plan.groups:
        group.unit = matcher.final_unit(group)
    return plan
