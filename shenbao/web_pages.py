"""What each page of the web view shows, read from the register (``shenbao.web`` serves it).

Pages are plain server-rendered HTML from ``templates/web_*.html.j2`` (autoescaped): the list of
nominations with status filters, one nomination (checklist, problems, thumbnails, deeds text,
form fields, files, emails, replies), and the list of emails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from notify.office import disposition_label, label
from notify.render import template_env
from notify.wording import format_full_time, format_size, wording
from shenbao.config import Config
from shenbao.materials import body_deeds
from shenbao.models import Email, StoredFile, Submission
from shenbao.nominations import emails_of, refs_by_email, replies_about
from shenbao.overview import NominationView, find_view, nomination_views
from shenbao.store import Store
from shenbao.thumbs import can_preview

STATUSES = ("complete", "incomplete", "late")
PICTURE_ROLES = ("photo", "screenshot")


@dataclass(frozen=True)
class FileRow:
    id: int
    name: str
    role: str  # Chinese
    size: str
    kind: str
    note: str  # why it could not be read, if so
    picture: bool  # a photo or screenshot
    preview: bool  # a thumbnail can be made
    ocr: str = ""  # the text OCR read in it (screenshots, scans), shown beside the thumbnail


def _file_row(row: StoredFile) -> FileRow:
    assert row.id is not None
    roles: dict[str, str] = wording()["roles"]
    read = json.loads(row.facts or "{}")
    ocr = str(read.get("ocr_text") or "") if read.get("ocr_state") == "read" else ""
    return FileRow(row.id, row.filename, roles.get(row.role, row.role), format_size(row.size), row.kind.upper(),
                   row.unreadable, row.role in PICTURE_ROLES or bool(read.get("scan")), can_preview(row), ocr)


def _time(value: str, zone: str) -> str:
    return format_full_time(value, zone) if value else ""


def render(name: str, **values: Any) -> str:
    return template_env().get_template(name).render(**values)


def list_page(store: Store, config: Config, status: str, query: str) -> str:
    with store.session() as s:
        views = nomination_views(s, config)
    counts = {st: sum(1 for v in views if v.status == st) for st in STATUSES}
    shown = [v for v in views if (not status or v.status == status)
             and (not query or query in v.unit or query in v.candidate or query in v.ref)]
    return render("web_list.html.j2", campaign=config.campaign.name, views=shown, total=len(views), counts=counts,
                  status=status, query=query, statuses=[(st, label("status", st)) for st in STATUSES],
                  timezone=config.campaign.timezone)


def _deeds_text(store: Store, s: Session, sub: Submission, files: list[StoredFile]) -> tuple[str, str]:
    """(source, text) of the longest deeds text: a deeds file's text, or a mail body's."""
    texts = [(row.filename, str(json.loads(row.facts or "{}").get("text", ""))) for row in files
             if row.role == "deeds" and not row.unreadable]
    texts += [("邮件正文", text) for text in body_deeds(store, s, sub)]
    return max(texts, key=lambda item: len(item[1]), default=("", ""))


def _replies(s: Session, sub: Submission, zone: str) -> list[dict[str, str]]:
    return [{"at": _time(r.sent_at or r.created_at, zone), "kind": label("reply_kind", r.kind),
             "state": label("reply_state", r.state), "to": r.to_addr, "error": r.last_error}
            for r in replies_about(s, sub)]


def _emails(emails: Iterable[Email], zone: str, refs: dict[int, list[str]]) -> list[dict[str, Any]]:
    return [{"at": _time(e.received_at, zone), "from": e.from_addr, "name": e.from_name, "subject": e.subject,
             "outcome": disposition_label(e.disposition), "refs": refs.get(e.id or 0, [])} for e in emails]


def nomination_page(store: Store, config: Config, ref: str) -> str | None:
    zone = config.campaign.timezone
    with store.session() as s:
        view: NominationView | None = find_view(s, config, ref)
        if view is None:
            return None
        sub = s.get(Submission, view.id)
        assert sub is not None
        files = list(s.exec(select(StoredFile).where(StoredFile.submission_id == view.id).order_by(col(StoredFile.id))))
        source, deeds = _deeds_text(store, s, sub, files)
        emails = _emails(emails_of(s, sub), zone, refs_by_email(s))
        replies = _replies(s, sub, zone)
    form = view.facts.forms[-1] if view.facts.forms else None
    rows = [_file_row(f) for f in files]
    return render("web_nomination.html.j2", campaign=config.campaign.name, v=view, timezone=zone,
                  received=_time(sub.received_at, zone), last_received=_time(sub.last_received_at, zone),
                  pictures=[r for r in rows if r.picture], files=rows, form=form, deeds=deeds, deeds_source=source,
                  deeds_chars=sum(1 for ch in deeds if not ch.isspace()), emails=emails, replies=replies)


def emails_page(store: Store, config: Config) -> str:
    zone = config.campaign.timezone
    with store.session() as s:
        emails = _emails(s.exec(select(Email).order_by(col(Email.received_at).desc(), col(Email.id).desc())), zone,
                         refs_by_email(s))
    return render("web_emails.html.j2", campaign=config.campaign.name, emails=emails)


def message_page(config: Config, title: str, text: str) -> str:
    return render("web_message.html.j2", campaign=config.campaign.name, title=title, text=text)
