"""The register as data: the JSON export of DESIGN.md (the machine contract); the CSV for people is
``notify.workbook.people_csv``."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from notify.safetext import printable
from rules.facts import NominationFacts
from rules.materials import Build, Material, of_role, table
from shenbao.config import Config
from ingest.names import compact
from shenbao.register.decisions import decision_fields, effective_status
from shenbao.store.models import Email, Reply, StoredFile, Submission
from shenbao.register.nominations import active, emails_of, files_of, latest_decision, nominations_of_email
from shenbao.replies.outbox import LIVE_STATES, local_time
from shenbao.register.verdict import nomination_facts
from shenbao.register.roster import duplicate_candidates
from shenbao.store.db import Store, session_campaign
from shenbao.store.verdicts import verdict_of


def _item(material: Material, facts: NominationFacts) -> Any:
    """One material's entry under ``items`` (DESIGN.md), as its ``Build`` gives its facts."""
    if material.build is Build.FORM:
        form = facts.forms[-1] if facts.forms else None
        return {"present": form is not None, "file": form.filename if form else None,
                "fields": form.fields if form else {}, "unit": form.unit if form else "",
                "unreadable": form.unreadable if form else ""}
    if material.build is Build.TEXT:
        best = max(facts.deeds, key=lambda d: d.chars, default=None)
        return {"present": best is not None, "chars": best.chars if best else 0, "source": best.source if best else None}
    if material.build is Build.PICTURE:
        return [{"file": p.filename, "bytes": p.size, "format": p.format, "width": p.width, "height": p.height}
                for p in facts.photos]
    names = ([x.filename for x in facts.screenshots] if material.build is Build.SCREENSHOT
             else [x.filename for x in facts.files if x.role == material.role])
    return {"present": bool(names), "files": names}


def _items(facts: NominationFacts, files: list[StoredFile]) -> dict[str, Any]:
    return {
        **{material.item: _item(material, facts) for material in table()},
        "other": [{"file": f.filename, "kind": f.kind, "unreadable": f.unreadable}
                  for f in files if of_role(f.role) is None],  # "other", or a material no longer in the table
        "cloud_links": list(facts.cloud_links),
    }


def _submission_row(s: Session, config: Config, sub: Submission, duplicates: dict[str, list[str]]) -> dict[str, Any]:
    """One nomination, once, with every email that brought it something; an office decision
    overrides ``status`` (DESIGN vocabulary) and is reported beside it."""
    files = [f for f in files_of(s, sub) if f.replaced_by is None]
    emails = emails_of(s, sub)
    decision = latest_decision(s, sub.id)
    return {
        "id": sub.ref, "unit": printable(sub.unit), "candidate": printable(sub.candidate), "sender": printable(sub.sender),
        "status": effective_status(sub, decision),
        "problems": verdict_of(sub).codes,
        "items": _items(nomination_facts(s, sub), files),
        "emails": [f"<{e.message_id}>" if e.message_id else "" for e in emails],
        "received_at": local_time(sub.received_at, config.campaign.timezone) if sub.received_at else None,
        **decision_fields(sub, decision),
        "same_candidate": [ref for ref in duplicates.get(compact(sub.candidate), []) if ref != sub.ref],
    }


def _email_row(s: Session, config: Config, email: Email) -> dict[str, Any]:
    reply = s.exec(select(Reply).where(Reply.email_id == email.id)).first()
    return {
        "message_id": f"<{printable(email.message_id)}>" if email.message_id else "", "from": printable(email.from_addr),
        "subject": printable(email.subject), "received_at": local_time(email.received_at, config.campaign.timezone),
        "disposition": email.disposition or "pending",
        "replied": reply is not None and reply.state in LIVE_STATES,
        "nominations": [sub.ref for sub in nominations_of_email(s, email.id or 0)],
    }


def register(store: Store, config: Config) -> dict[str, Any]:
    with store.session() as s:
        duplicates = duplicate_candidates(s)
        emails = s.exec(select(Email).where(col(Email.campaign) == session_campaign(s)).order_by(col(Email.id)))
        return {"submissions": [_submission_row(s, config, x, duplicates) for x in active(s)],
                "emails": [_email_row(s, config, e) for e in emails]}


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
