"""The register: which nomination an email belongs to, and a nomination's verdict over all its files."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session, col, select

from ingest.types import Role
from rules.evaluate import evaluate
from rules.facts import DeedsFacts, FormFacts, NominationFacts, PhotoFacts, Problem, ScreenshotFacts, UnreadableFacts, Verdict
from shenbao.config import Config
from shenbao.models import Email, Reply, StoredFile, Submission
from shenbao.store import utc_iso

BODY_DEEDS_SOURCE = "邮件正文"
OPEN_STATUSES = ("incomplete",)


def non_space_chars(text: str) -> int:
    """A deeds text's length as DESIGN.md defines it: its count of non-whitespace characters."""
    return sum(1 for ch in text if not ch.isspace())


def ref_tag_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[(" + re.escape(prefix) + r"-\d{3,})\]")


def find_submission(s: Session, config: Config, email: Email, candidate: str, unit: str) -> Submission | None:
    """The nomination an email continues: a reply to our reply, the tag in the subject, the same
    (unit, candidate), or — without a candidate — the sender's only open nomination."""
    thread_ids = [i for i in [email.in_reply_to, *email.references.split()] if i]
    if thread_ids:
        reply = s.exec(select(Reply).where(col(Reply.message_id).in_(thread_ids),
                                           col(Reply.submission_id).is_not(None))).first()
        if reply is not None:
            return s.get(Submission, reply.submission_id)
    tag = ref_tag_pattern(config.campaign.reference_prefix).search(email.subject)
    if tag:
        found = s.exec(select(Submission).where(Submission.ref == tag.group(1))).first()
        if found is not None:
            return found
    if candidate:
        return s.exec(select(Submission).where(Submission.unit == unit, Submission.candidate == candidate)).first()
    open_ones = list(s.exec(select(Submission).where(Submission.sender == email.from_addr,
                                                     col(Submission.status).in_(OPEN_STATUSES))))
    return open_ones[0] if len(open_ones) == 1 else None


def new_submission(s: Session, config: Config, email: Email, unit: str, candidate: str, now: datetime) -> Submission:
    sub = Submission(unit=unit, candidate=candidate, sender=email.from_addr, received_at=email.received_at,
                     last_received_at=email.received_at, created_at=utc_iso(now), updated_at=utc_iso(now))
    s.add(sub)
    s.flush()
    sub.ref = f"{config.campaign.reference_prefix}-{sub.id:03d}"
    return sub


def _facts_of(row: StoredFile) -> dict:
    return json.loads(row.facts or "{}")


def nomination_facts(s: Session, sub: Submission) -> NominationFacts:
    files = list(s.exec(select(StoredFile).where(StoredFile.submission_id == sub.id).order_by(StoredFile.id)))
    emails = list(s.exec(select(Email).where(Email.submission_id == sub.id).order_by(Email.id)))
    forms, deeds, photos, shots, unreadable = [], [], [], [], []
    for row in files:
        facts = _facts_of(row)
        if row.role == Role.FORM.value:
            forms.append(FormFacts(row.filename, facts.get("form_fields", {}), facts.get("form_unit", ""), row.unreadable))
        elif row.unreadable:
            unreadable.append(UnreadableFacts(row.filename, row.unreadable))
        elif row.role == Role.DEEDS.value:
            deeds.append(DeedsFacts(row.filename, non_space_chars(facts.get("text", ""))))
        elif row.role == Role.PHOTO.value:
            image = facts.get("image") or {}
            photos.append(PhotoFacts(row.filename, row.size, row.kind, image.get("width", 0), image.get("height", 0)))
        elif row.role == Role.SCREENSHOT.value:
            shots.append(ScreenshotFacts(row.filename))
    links: list[str] = []
    for email in emails:
        if email.body_chars:
            deeds.append(DeedsFacts(BODY_DEEDS_SOURCE, email.body_chars))
        links.extend(json.loads(email.cloud_links or "[]"))
    received = max((e.received_at for e in emails), default=sub.last_received_at or sub.received_at)
    return NominationFacts(candidate=sub.candidate, unit=sub.unit, received_at=datetime.fromisoformat(received),
                           forms=tuple(forms), deeds=tuple(deeds), photos=tuple(photos),
                           screenshots=tuple(shots), unreadable=tuple(unreadable), cloud_links=tuple(links))


def problems_json(verdict: Verdict) -> str:
    return json.dumps([asdict(p) for p in verdict.problems], ensure_ascii=False, default=str)


def problems_from_json(text: str) -> tuple[Problem, ...]:
    return tuple(Problem(p["code"], p.get("detail", {})) for p in json.loads(text or "[]"))


def reevaluate(s: Session, config: Config, sub: Submission, now: datetime) -> Verdict:
    """Judge a nomination over everything it has gathered, and record the verdict on it."""
    verdict = evaluate(nomination_facts(s, sub), config.rules, config.campaign)
    sub.status = verdict.status
    sub.problems = problems_json(verdict)
    sub.updated_at = utc_iso(now)
    s.add(sub)
    return verdict
