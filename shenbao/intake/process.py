"""Processing one stored email: parse, guard, read and classify files, attach to a nomination."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from ingest.classify import classify
from ingest.links import find_cloud_links
from ingest.html_text import body_text
from ingest.ocr import OcrReader
from ingest.parse import parse_mail
from ingest.types import ClassifiedFile, ParsedMail, role_value
from rules.guards import is_bounce, no_material_reason, no_reply_reason
from rules.materials import named, roles
from shenbao.config import Config
from shenbao.intake.attach import register_email
from shenbao.intake.prepare import RETURNED_PART_MAX_BYTES, Prepared, PreparedFile, ocr_prepared, read_files
from shenbao.store.models import Email
from shenbao.replies.outbox import mark_bounced
from shenbao.intake.oversize import DISPOSITION, answer_oversize
from shenbao.store.brief import non_space_chars
from shenbao.store.db import Store
from shenbao.store.ocr import reader_for
from shenbao.store.verdicts import lines_json
from shenbao.intake.copies import DISPOSITION as DUPLICATE, is_copy

log = logging.getLogger(__name__)

MIN_BODY_DEEDS_CHARS = 300  # a body shorter than this is a covering note, not the deeds text
SCRATCH_DIR = "tmp"  # under data_dir: unpacking and conversion scratch space, emptied after each mail


def _fill_headers(email: Email, parsed: ParsedMail) -> None:
    email.message_id = parsed.message_id
    email.from_addr = parsed.from_addr
    email.from_name = parsed.from_name
    email.subject = parsed.subject
    email.in_reply_to = parsed.in_reply_to
    email.references = " ".join(parsed.references)
    email.defects = lines_json(parsed.defects)


def _read_attachments(store: Store, config: Config, parsed: ParsedMail, ocr: OcrReader | None = None
                      ) -> tuple[tuple[PreparedFile, ...], frozenset[str]]:
    """``read_files`` in the service's reader worker, under [limits] file_seconds per file; then
    ``ocr`` reads the pictures that need it, in this process."""
    from ingest.budget import shared_pool

    return read_files(parsed, config.limits.for_ingest(), store.path(SCRATCH_DIR), shared_pool(), ocr)


def _classified(store: Store, read: Iterable[PreparedFile], inline: frozenset[str]) -> list[tuple[ClassifiedFile, str]]:
    """Each read file classified (``inline``: the digests of the pictures the body shows), with its
    place under data_dir (filled from the raw mail when first read; "" for a refused member)."""
    words = named()  # the table's file-name words, once per mail
    return [(ClassifiedFile(f.facts, classify(f.facts, inline=f.facts.sha256 in inline, named=words)),
             store.attachment_path(f.facts.sha256, f.facts.filename) if f.has_data else "")
            for f in read]


def _bounce_text(raw: bytes, parsed: ParsedMail) -> bytes:
    """Where a bounce may quote our reply's Message-ID: headers, decoded bodies, returned parts."""
    returned = b"".join(a.data for a in parsed.attachments if len(a.data) < RETURNED_PART_MAX_BYTES)
    return b"\n".join([raw, parsed.text_body.encode(), parsed.html_body.encode(), returned])


def process_email(store: Store, config: Config, email_id: int, now: datetime, prepared: Prepared | None = None) -> None:
    """Process one stored email to its disposition, in one transaction with its reply. ``prepared``:
    the mail already parsed and its files read in a pool worker (``shenbao.intake.prepare``)."""
    with store.session() as s:
        # The row stays locked until the disposition is committed: another instance on a shared
        # register skips it (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite has one writer anyway).
        email = s.exec(select(Email).where(col(Email.id) == email_id).with_for_update(skip_locked=True)).first()
        if email is None or email.state != "stored":
            return
        if not email.raw_path:  # too large, and not even its header block was kept: nobody to answer
            _finish(s, email, DISPOSITION)
            return
        raw = store.read_raw(email) if prepared is None else b""
        parsed = parse_mail(raw) if prepared is None else prepared.parsed
        _fill_headers(email, parsed)
        reason = no_reply_reason(parsed, own_addresses=frozenset({config.smtp.from_address, config.mailbox.username.lower()}),
                                 own_message_id_domain=config.smtp.domain)
        if is_bounce(parsed) and mark_bounced(s, _bounce_text(raw or store.read_raw(email), parsed), config.smtp.domain):
            reason = "bounce-of-our-reply"
        del raw  # what is read from here on is in ``parsed``: one copy of the mail in memory, not two
        if reason:
            _finish(s, email, f"ignored:{reason}")
            return
        with s.no_autoflush:  # the header fields stay unwritten: no write lock while the files are read and OCRed
            copy = is_copy(s, email)
        if copy:  # copied or moved back under a new UID: recorded, not processed or answered again
            _finish(s, email, DUPLICATE)
            return
        if store.headers_only(email):  # too large to download: recorded from its header and answered
            answer_oversize(s, config, email, now)
            _finish(s, email, DISPOSITION)
            return
        ocr = reader_for(s, config.ocr.enabled, now)  # results kept in ocr_results, committed with the verdict
        if prepared is None:
            read, inline = _read_attachments(store, config, parsed, ocr)
        else:
            read, inline = ocr_prepared(prepared.files, ocr), prepared.inline
        files = _classified(store, read, inline)
        email.cloud_links = lines_json(find_cloud_links(parsed.text_body, parsed.html_body))
        body = body_text(parsed)
        body_chars = non_space_chars(body)
        email.body_chars = body_chars if body_chars >= MIN_BODY_DEEDS_CHARS else 0
        has_material = email.body_chars > 0 or any(role_value(f.role) in roles() for f, _ in files)
        robot = None if has_material or config.unit_for_sender(parsed.from_addr) else no_material_reason(parsed, body)
        if robot:  # nothing to register and nobody to ask: a transactional robot is not answered
            _finish(s, email, f"ignored:{robot}")
            return
        _finish(s, email, register_email(s, config, email, files, body, has_material, now))


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
