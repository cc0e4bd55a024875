"""The register: a nomination's facts over its current files, and its verdict (quota places included).

Which nomination an email belongs to is ``shenbao/intake/matching.py``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from ingest.types import Role
from rules.evaluate import evaluate
from rules.facts import DeedsFacts, NominationFacts, OtherPhoto, Verdict
from rules.materials import Build, built, gather
from shenbao.register.campaign import CampaignContext, judged_rules
from shenbao.register.bulk import LightFile, Material, light_materials, materials
from shenbao.store.models import NominationEmail, StoredFile, Submission
from shenbao.register.nominations import arrival_ranks, ours, unit_nominations
from shenbao.register.roster import unit_quota
from shenbao.store.brief import Brief
from shenbao.store.db import utc_iso
from shenbao.store.verdicts import lines_of, problems_json
from rules.supersede import Item, replaced

BODY_DEEDS_SOURCE = "邮件正文"
OPEN_STATUSES = ("incomplete",)


def ref_tag_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[(" + re.escape(prefix) + r"-\d{3,})\]")


def brief_of(row: StoredFile | LightFile) -> LightFile:
    """The facts judging reads of a file row: a ``LightFile`` as it is, a ``StoredFile`` from its brief."""
    if isinstance(row, LightFile):
        return row
    return LightFile(row.id or 0, row.submission_id or 0, row.email_id, row.filename, row.role, row.kind, row.size,
                     row.sha256, row.unreadable, row.replaced_by, row.replaced_reason, Brief.of_row(row))


def refresh_current(s: Session, sub: Submission, photo_set: int, material: Material | None = None) -> None:
    """Mark which of the nomination's files (and pasted deeds texts) are current, which replaced.

    ``material``: its rows from ``bulk.materials`` or ``bulk.light_materials``, when the caller
    loaded them; a row whose mark changes is updated through the session (and, if it was a plain
    row, replaced in ``material`` by the updated one)."""
    material = material or materials(s, [sub])[sub.id or 0]
    emails = material.emails
    order = {e.id: index for index, e in enumerate(emails)}
    files = material.files
    items = [Item(f.id or 0, order.get(f.email_id, len(order)), f.role, f.filename, f.sha256) for f in files]
    links = material.links
    bodies = [e for e in emails if e.body_chars and links[e.id or 0].with_body]
    text_role = built(Build.TEXT)[0].role  # a text pasted into a body is that material (the deeds)
    items += [Item(-(e.id or 0), order[e.id], text_role, BODY_DEEDS_SOURCE) for e in bodies]
    out = replaced(sorted(items, key=lambda i: (i.email, i.key)), photo_set)
    for index, row in enumerate(files):
        gone = out.get(row.id or 0)
        mark = (gone.by, gone.reason) if gone else (None, "")
        if (row.replaced_by, row.replaced_reason) != mark:
            stored = row if isinstance(row, StoredFile) else s.get_one(StoredFile, row.id)
            stored.replaced_by, stored.replaced_reason = mark
            s.add(stored)
            files[index] = stored
    for email in bodies:
        gone = out.get(-(email.id or 0))
        reason, link = (gone.reason if gone else ""), links[email.id or 0]
        if link.body_replaced != reason:
            stored_link = link if isinstance(link, NominationEmail) else s.get_one(NominationEmail, (email.id, sub.id))
            stored_link.body_replaced = reason
            s.add(stored_link)
            links[email.id or 0] = stored_link


def nomination_facts(s: Session, sub: Submission, material: Material | None = None) -> NominationFacts:
    """The facts of a nomination's current material (see ``refresh_current``)."""
    return facts_of(sub, material or materials(s, [sub])[sub.id or 0])


def facts_of(sub: Submission, material: Material) -> NominationFacts:
    """``nomination_facts`` over rows already loaded (``bulk.materials`` or ``bulk.light_materials``)."""
    files = [row for row in material.files if row.replaced_by is None]
    emails = material.emails
    gathered = gather((row, row.brief) for row in map(brief_of, files))
    deeds: list[DeedsFacts] = list(gathered.pop("deeds"))
    links = material.links
    bringing = {row.email_id for row in files}
    cloud: list[str] = []
    for email in emails:
        link_row = links.get(email.id or 0)
        if email.body_chars and link_row is not None and link_row.with_body and not link_row.body_replaced:
            deeds.append(DeedsFacts(BODY_DEEDS_SOURCE, email.body_chars))
            bringing.add(email.id or 0)
        cloud.extend(lines_of(email.cloud_links, f"emails.cloud_links of email {email.id}"))
    times = [e.received_at for e in emails if e.id in bringing]
    received = max(times, default=sub.received_at or sub.last_received_at)
    return NominationFacts(candidate=sub.candidate, unit=sub.unit, received_at=datetime.fromisoformat(received),
                           deeds=tuple(deeds), cloud_links=tuple(cloud), **gathered)


def other_photos(s: Session, sub: Submission, facts: NominationFacts) -> tuple[OtherPhoto, ...]:
    """The current photos of every other (not absorbed) nomination, when this one has hashed photos."""
    if not any(photo.phash for photo in facts.photos):
        return ()
    query = (select_columns(col(Submission.ref), col(Submission.candidate), col(Submission.unit),
                            col(StoredFile.id), col(StoredFile.filename), col(StoredFile.brief))
             .join(Submission, col(Submission.id) == col(StoredFile.submission_id))
             .where(col(StoredFile.role) == Role.PHOTO.value, col(StoredFile.replaced_by).is_(None),
                    col(StoredFile.unreadable) == "", col(StoredFile.submission_id) != sub.id,
                    col(Submission.merged_into).is_(None), ours(s)))
    found = [(ref, candidate, unit, name, Brief.decode(brief, f"file {file_id} ({name})").phash)
             for ref, candidate, unit, file_id, name, brief in s.execute(query)]
    return tuple(OtherPhoto(ref, candidate, unit, name, phash) for ref, candidate, unit, name, phash in found if phash)


def reevaluate(s: Session, ctx: CampaignContext, sub: Submission, now: datetime,
               ranks: dict[int, int] | None = None, material: Material | None = None) -> Verdict:
    """Judge a nomination over everything current it has gathered, and record the verdict on it
    (``ranks``: ``arrival_ranks`` of its unit, ``material``: its rows, when the caller has them)."""
    material = material or materials(s, [sub])[sub.id or 0]
    refresh_current(s, sub, ctx.rules.photos.min_count, material)
    ranks = arrival_ranks(s, sub.unit) if ranks is None else ranks  # its query flushes what refresh_current marked
    facts = facts_of(sub, material)
    facts = replace(facts, quota=unit_quota(ctx, sub.unit), arrival_rank=ranks.get(sub.id or 0, 0),
                    unit_count=len(ranks), other_photos=other_photos(s, sub, facts))
    verdict = evaluate(facts, judged_rules(s, ctx), ctx.campaign)
    sub.status, sub.problems = verdict.status, problems_json(verdict.problems)
    sub.updated_at = utc_iso(now)
    s.add(sub)
    return verdict


def reevaluate_units(s: Session, ctx: CampaignContext, units: set[str], now: datetime) -> None:
    """Re-judge every nomination of ``units``: one arriving, leaving or being rejected moves the others' places."""
    for unit in sorted(units):
        ranks = arrival_ranks(s, unit)  # judging one nomination does not move the unit's places
        subs = unit_nominations(s, unit)
        loaded = light_materials(s, subs)  # plain rows: only the few that change become ORM objects
        for sub in subs:
            reevaluate(s, ctx, sub, now, ranks, loaded[sub.id or 0])
