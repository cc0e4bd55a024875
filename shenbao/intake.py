"""Processing one stored email: parse, guard, read and classify files, attach to a nomination."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from ingest.classify import classify
from ingest.names import safe_filename
from ingest.parse import html_to_text, parse_mail
from ingest.read import read_file
from ingest.types import ClassifiedFile, ParsedMail, Role
from rules.guards import is_robot_address, no_reply_reason
from shenbao.config import Config
from shenbao.models import Email, StoredFile, Submission
from shenbao.outbox import mark_bounced, queue_reply
from shenbao.register import find_submission, new_submission, non_space_chars, reevaluate
from shenbao.store import Store

log = logging.getLogger(__name__)

MIN_BODY_DEEDS_CHARS = 300  # a body shorter than this is a covering note, not the deeds text
MATERIAL_ROLES = {Role.FORM, Role.DEEDS, Role.PHOTO, Role.SCREENSHOT}


def _fill_headers(email: Email, parsed: ParsedMail) -> None:
    email.message_id = parsed.message_id
    email.from_addr = parsed.from_addr
    email.from_name = parsed.from_name
    email.subject = parsed.subject
    email.in_reply_to = parsed.in_reply_to
    email.references = " ".join(parsed.references)
    email.defects = json.dumps(list(parsed.defects), ensure_ascii=False)


def _body_text(parsed: ParsedMail) -> str:
    return parsed.text_body or html_to_text(parsed.html_body)


def _read_attachments(store: Store, parsed: ParsedMail) -> list[tuple[ClassifiedFile, str]]:
    """Save every attachment under data_dir and read it: (classified file, stored path)."""
    out = []
    for attachment in parsed.attachments:
        name = safe_filename(attachment.filename)
        facts = read_file(name, attachment.data)
        path = store.save_attachment(facts.sha256, name, attachment.data)
        out.append((ClassifiedFile(facts, classify(facts)), path))
    return out


def _candidate_and_unit(config: Config, email: Email, files: list[tuple[ClassifiedFile, str]]) -> tuple[str, str]:
    forms = [f.facts for f, _ in files if f.role == Role.FORM and not f.facts.unreadable]
    candidate = forms[-1].form_fields.get("姓名", "").strip() if forms else ""
    roster = config.unit_for_sender(email.from_addr)
    form_unit = forms[-1].form_unit if forms else ""
    unit = roster.name if roster else (form_unit or email.from_name or email.from_addr)
    return candidate, unit


def _bounce_text(raw: bytes, parsed: ParsedMail) -> bytes:
    """Where a bounce may quote our reply's Message-ID: headers, decoded bodies, returned parts."""
    returned = b"".join(a.data for a in parsed.attachments if len(a.data) < 1_000_000)
    return b"\n".join([raw, parsed.text_body.encode(), parsed.html_body.encode(), returned])


def process_email(store: Store, config: Config, email_id: int, now: datetime) -> None:
    """Process one stored email to its disposition, in one transaction with its reply."""
    with store.session() as s:
        email = s.get(Email, email_id)
        if email is None or email.state != "stored":
            return
        if not email.raw_path:
            _finish(s, email, "error:oversize")
            return
        raw = store.read_raw(email)
        parsed = parse_mail(raw)
        _fill_headers(email, parsed)
        reason = no_reply_reason(parsed, own_addresses=frozenset({config.smtp.from_address, config.mailbox.username.lower()}),
                                 own_message_id_domain=config.smtp.domain)
        if (parsed.is_delivery_report or is_robot_address(parsed.from_addr)) and mark_bounced(s, _bounce_text(raw, parsed), config.smtp.domain):
            reason = "bounce-of-our-reply"
        if reason:
            _finish(s, email, f"ignored:{reason}")
            return
        files = _read_attachments(store, parsed)
        body = _body_text(parsed)
        body_chars = non_space_chars(body)
        email.body_chars = body_chars if body_chars >= MIN_BODY_DEEDS_CHARS else 0
        has_material = email.body_chars > 0 or any(f.role in MATERIAL_ROLES for f, _ in files)
        candidate, unit = _candidate_and_unit(config, email, files)
        sub = find_submission(s, config, email, candidate, unit)
        if sub is None and not has_material:
            _store_files(s, email, None, files)
            queue_reply(s, config, email, None, "unmatched", now)
            _finish(s, email, "unmatched")
            return
        if sub is None:
            sub = new_submission(s, config, email, unit, candidate, now)
        elif candidate and not sub.candidate:
            sub.candidate = candidate
        email.submission_id = sub.id
        sub.last_received_at = max(sub.last_received_at, email.received_at)
        _store_files(s, email, sub, files)
        s.flush()
        verdict = reevaluate(s, config, sub, now)
        queue_reply(s, config, email, sub, _reply_kind(verdict.status), now)
        _finish(s, email, "submission")


def _reply_kind(status: str) -> str:
    return {"complete": "accepted", "late": "late"}.get(status, "incomplete")


def _store_files(s: Session, email: Email, sub: Submission | None, files: list[tuple[ClassifiedFile, str]]) -> None:
    for classified, path in files:
        facts = classified.facts
        s.add(StoredFile(email_id=email.id, submission_id=sub.id if sub else None, filename=facts.filename,
                         path=path, sha256=facts.sha256, size=facts.size, kind=facts.kind,
                         role=classified.role.value, unreadable=facts.unreadable,
                         facts=json.dumps(asdict(facts), ensure_ascii=False, default=str)))


def _finish(s: Session, email: Email, disposition: str) -> None:
    email.disposition = disposition
    email.state = "processed"
    s.add(email)
    s.commit()


def record_failure(store: Store, email_id: int, exc: Exception) -> None:
    """A mail whose processing failed gets a recorded disposition; the loop goes on."""
    with store.session() as s:
        email = s.get(Email, email_id)
        if email is None:
            return
        reason = f"{type(exc).__name__}: {exc}"[:300]
        _finish(s, email, f"error:{reason}")
