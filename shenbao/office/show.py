"""``shenbao show ID``: one nomination as the office needs it, in Chinese (``templates/show.txt.j2``).

Status (the office decision over the automatic one), problems in words, the quota place,
other nominations of the same candidate, every file (current or replaced, with what reading
it found), every email, every reply and every decision.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from notify.office import decision_text, disposition_label, label, zone_name
from notify.reading import credit_note
from notify.render import template_env
from notify.wording import format_size, render_problem, wording
from rules.materials import Build, build_of
from shenbao.store.brief import file_facts, non_space_chars
from shenbao.config import Config
from shenbao.register.decisions import effective_status, history
from shenbao.store.models import Email, StoredFile, Submission
from shenbao.register.nominations import (arrival_ranks, by_ref, emails_of, files_of, find_nomination, latest_decision,
                                          replies_about)
from shenbao.replies.outbox import local_time
from shenbao.register.roster import duplicates_of, unit_quota
from shenbao.store.db import Store
from shenbao.store.verdicts import verdict_of

FIELDS_SHOWN = 8  # form fields listed per form


def _when(moment: str, config: Config) -> str:
    return local_time(moment, config.campaign.timezone)[:16].replace("T", " ") if moment else ""


def _ocr_line(row: StoredFile, facts: dict[str, Any]) -> str:
    """What OCR read in a screenshot (site, name shown, result), or that it read nothing."""
    if row.role != "screenshot":
        return ""
    note = credit_note(str(facts.get("ocr_state") or ""), str(facts.get("ocr_text") or ""), office=True)
    return f"；{note}" if note else ""


def _facts_line(row: StoredFile) -> str:
    """What reading the file found, in a few words."""
    if row.unreadable:
        return f"无法读取：{row.unreadable}"
    facts = file_facts(row.facts)
    build = build_of(row.role)
    if build is Build.FORM:
        fields = "，".join(f"{k}={v}" for k, v in list(facts.get("form_fields", {}).items())[:FIELDS_SHOWN] if v)
        if facts.get("scan"):
            return "扫描件或照片（文字识别）：" + fields
        unit = f"申报单位={facts['form_unit']}；" if facts.get("form_unit") else ""
        return unit + fields
    if build is Build.TEXT:
        return f"约{non_space_chars(str(facts.get('text', '')))}字"
    image = facts.get("image") or {}
    if image:
        camera = f"，{image['camera']}" if image.get("camera") else ""
        return f"{image.get('format', row.kind)} {image.get('width', 0)}×{image.get('height', 0)}{camera}" + _ocr_line(row, facts)
    return row.kind


def _file_rows(s: Session, config: Config, sub: Submission, emails: list[Email]) -> list[dict[str, Any]]:
    numbers = {e.id: index for index, e in enumerate(emails, start=1)}
    names = {f.id: f.filename for f in files_of(s, sub)}
    roles: dict[str, str] = wording()["roles"]
    return [{"name": f.filename, "role": roles.get(f.role, f.role), "kind": f.kind, "size": format_size(f.size),
             "facts": _facts_line(f), "email": numbers.get(f.email_id, "?"),
             "replaced": f.replaced_reason if f.replaced_by is not None else "",
             "replaced_by": names.get(f.replaced_by or 0, "邮件正文") if f.replaced_by is not None else ""}
            for f in files_of(s, sub)]


def nomination_view(s: Session, config: Config, sub: Submission) -> dict[str, Any]:
    """Everything ``show`` prints about ``sub``, as plain values."""
    emails = emails_of(s, sub)
    decision = latest_decision(s, sub.id)
    ranks = arrival_ranks(s, sub.unit)
    zone = config.campaign.timezone
    problems = [render_problem(p, zone) for p in verdict_of(sub).problems]
    return {
        "ref": sub.ref, "candidate": sub.candidate, "unit": sub.unit, "sender": sub.sender,
        "status": label("status", effective_status(sub, decision)), "auto_status": label("status", sub.status),
        "decision": decision_text(decision.action, decision.note, decision.decided_by, decision.decided_at, zone)
        if decision is not None else "", "zone": zone_name(zone),
        "received": _when(sub.received_at, config), "last_received": _when(sub.last_received_at, config),
        "rank": ranks.get(sub.id or 0, 0), "counted": len(ranks), "quota": unit_quota(config, sub.unit),
        "same_candidate": duplicates_of(s, sub),
        "problems": problems,
        "files": _file_rows(s, config, sub, emails),
        "unassigned": [{"name": f.filename, "email": n, "size": format_size(f.size)}
                       for n, e in enumerate(emails, start=1)
                       for f in s.exec(select(StoredFile).where(StoredFile.email_id == e.id,
                                                                col(StoredFile.submission_id).is_(None)))],
        "emails": [{"n": n, "received": _when(e.received_at, config), "from": e.from_addr, "subject": e.subject,
                    "disposition": disposition_label(e.disposition)} for n, e in enumerate(emails, start=1)],
        "replies": [{"created": _when(r.created_at, config), "kind": label("reply_kind", r.kind),
                     "state": label("reply_state", r.state), "to": r.to_addr,
                     "subject": r.subject, "error": r.last_error} for r in replies_about(s, sub)],
        "decisions": [{"at": _when(d.decided_at, config), "action": label("decision", d.action), "by": d.decided_by,
                       "note": d.note}
                      for d in history(s, sub)],
    }


def show(store: Store, config: Config, ref: str) -> str:
    """The text ``shenbao show ref`` prints; a reference of an absorbed nomination shows the survivor."""
    with store.session() as s:
        sub, found = find_nomination(s, ref), by_ref(s, ref)
        view = nomination_view(s, config, sub)
        view["absorbed"] = found.ref if found is not None and found.id != sub.id else ""
    return template_env().get_template("show.txt.j2").render(view)
