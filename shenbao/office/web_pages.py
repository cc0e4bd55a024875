"""What each page of the web view shows, read from the register (``shenbao.office.web`` serves it).

Pages are plain server-rendered HTML from ``templates/web_*.html.j2`` (autoescaped): the list of
nominations (``shenbao.web_list``), the units, one nomination (decision and automatic verdict,
paper copies, checklist, problems, thumbnails, deeds text, form fields, files, emails, replies,
the record of office actions, and the forms to decide and to mark paper copies for editors), the
list of emails, one email and one reply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from notify.office import disposition_label, label
from notify.render import template_env
from notify.wording import format_full_time, format_size, wording
from notify.views import NominationView
from rules.authority import HELD_DISPOSITION
from rules.materials import Build, build_of, is_picture
from shenbao.store.brief import Brief, file_facts, non_space_chars
from ingest.html_text import body_text
from ingest.parse import parse_mail
from shenbao.config import Config
from shenbao.office.marks import audit_trail, paper_info
from shenbao.office.materials import body_deeds
from shenbao.store.models import Email, Reply, StoredFile, Submission
from shenbao.register.nominations import emails_of, foreign, refs_by_email, replies_about
from shenbao.office.overview import find_view
from shenbao.office.paper import latest_paper
from shenbao.store.db import Store, session_campaign
from shenbao.office.thumbs import can_preview
from shenbao.office.web_files import INLINE_KINDS
from shenbao.office.web_list import ListQuery, list_rows, list_values, roster_flags, unit_rows

MAX_BODY_CHARS = 100_000
DONE = {"accept": "已记录：办公室决定受理。", "reject": "已记录：办公室决定不予受理。",
        "reopen": "已撤销决定，恢复为自动核对的结果。", "paper_received": "已登记：纸质推荐表已收到。",
        "paper_missing": "已登记：纸质推荐表未收到。"}


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
    inline: bool  # a browser can show the original
    ocr: str = ""  # the text OCR read in it (screenshots, scans), shown beside the thumbnail


def _file_row(row: StoredFile) -> FileRow:
    assert row.id is not None
    roles: dict[str, str] = wording()["roles"]
    brief = Brief.of_row(row)  # OCR's text and the scan flag, without decoding the whole facts
    ocr = brief.ocr_text if brief.ocr_state == "read" else ""
    return FileRow(row.id, row.filename, roles.get(row.role, row.role), format_size(row.size), row.kind.upper(),
                   row.unreadable, is_picture(row.role) or brief.scan, can_preview(row), row.kind in INLINE_KINDS, ocr)


def _time(value: str, zone: str) -> str:
    return format_full_time(value, zone) if value else ""


@dataclass(frozen=True)
class Visitor:
    """Who is looking, for the frame and the forms: name, whether they may change things, the form token."""

    name: str
    can_edit: bool
    token: str
    login: bool  # False on loopback without a password


def render(name: str, visitor: Visitor | None = None, **values: Any) -> str:
    return template_env().get_template(name).render(visitor=visitor, **values)


def list_page(store: Store, config: Config, visitor: Visitor, query: ListQuery) -> str:
    with store.session() as s:
        rows = list_rows(s, config)
    return render("web_list.html.j2", visitor, campaign=config.campaign.name, timezone=config.campaign.timezone,
                  **list_values(rows, query))


def units_page(store: Store, config: Config, visitor: Visitor) -> str:
    with store.session() as s:
        units = unit_rows(config, list_rows(s, config))
    return render("web_units.html.j2", visitor, campaign=config.campaign.name, units=units, roster=bool(config.units))


def _deeds_text(store: Store, s: Session, sub: Submission, files: list[StoredFile]) -> tuple[str, str]:
    """(source, text) of the longest deeds text: a deeds file's text, or a mail body's."""
    texts = [(row.filename, str(file_facts(row.facts).get("text", ""))) for row in files
             if build_of(row.role) is Build.TEXT and not row.unreadable]
    texts += [("邮件正文", text) for text in body_deeds(store, s, sub)]
    return max(texts, key=lambda item: len(item[1]), default=("", ""))


def _replies(replies: Iterable[Reply], zone: str) -> list[dict[str, Any]]:
    return [{"id": r.id, "at": _time(r.sent_at or r.created_at, zone), "kind": label("reply_kind", r.kind),
             "state": label("reply_state", r.state), "to": r.to_addr, "subject": r.subject, "error": r.last_error}
            for r in replies]


def _emails(emails: Iterable[Email], zone: str, refs: dict[int, list[str]]) -> list[dict[str, Any]]:
    return [{"id": e.id, "at": _time(e.received_at, zone), "from": e.from_addr, "name": e.from_name, "subject": e.subject,
             "outcome": disposition_label(e.disposition),
             "held": e.disposition == HELD_DISPOSITION, "refs": refs.get(e.id or 0, [])} for e in emails]


def nomination_page(store: Store, config: Config, visitor: Visitor, ref: str, done: str = "") -> str | None:
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
        replies = _replies(replies_about(s, sub), zone)
        paper = paper_info(latest_paper(s, sub.id), zone)
        trail = audit_trail(s, sub, zone)
    rows = [_file_row(f) for f in files]
    return render("web_nomination.html.j2", visitor, campaign=config.campaign.name, v=view, timezone=zone,
                  received=_time(sub.received_at, zone), last_received=_time(sub.last_received_at, zone),
                  pictures=[r for r in rows if r.picture], files=rows, form=view.form, deeds=deeds, deeds_source=source,
                  deeds_chars=non_space_chars(deeds), emails=emails, replies=replies,
                  decision=view.decision, auto_status=sub.status, auto_label=label("status", sub.status), paper=paper,
                  paper_title=label("paper", "title"), trail=trail, flags=roster_flags(config, view),
                  done=DONE.get(done, ""))


def emails_page(store: Store, config: Config, visitor: Visitor) -> str:
    zone = config.campaign.timezone
    with store.session() as s:
        query = select(Email).where(col(Email.campaign) == session_campaign(s))
        emails = _emails(s.exec(query.order_by(col(Email.received_at).desc(), col(Email.id).desc())), zone,
                         refs_by_email(s))
    return render("web_emails.html.j2", visitor, campaign=config.campaign.name, emails=emails)


def _body(raw: bytes) -> tuple[str, list[str]]:
    """The readable text of a mail and the names of its attachments."""
    mail = parse_mail(raw)
    text = body_text(mail)
    return text[:MAX_BODY_CHARS], [a.filename for a in mail.attachments]


def email_page(store: Store, config: Config, visitor: Visitor, email_id: int) -> str | None:
    """One incoming mail: who, when, what became of it, its text and its files."""
    zone = config.campaign.timezone
    with store.session() as s:
        email = s.get(Email, email_id)
        if email is None or foreign(s, email_id, None):
            return None
        files = [_file_row(f) for f in s.exec(select(StoredFile).where(StoredFile.email_id == email_id)
                                                .order_by(col(StoredFile.id)))]
        replies = _replies(s.exec(select(Reply).where(Reply.email_id == email_id)), zone)
        info = _emails([email], zone, refs_by_email(s))[0]
    try:
        raw = store.read_raw(email)
    except OSError:
        raw = b""
    text, _ = _body(raw) if raw else ("", [])
    return render("web_email.html.j2", visitor, campaign=config.campaign.name, e=info, text=text, files=files,
                  replies=replies, headers_only=store.headers_only(email), raw=bool(raw))


def reply_page(store: Store, config: Config, visitor: Visitor, reply_id: int) -> str | None:
    """One reply as it was sent (or is waiting to be sent)."""
    with store.session() as s:
        reply = s.get(Reply, reply_id)
        if reply is None or foreign(s, reply.email_id, reply.submission_id):
            return None
        sub = s.get(Submission, reply.submission_id) if reply.submission_id else None
        refs = [sub.ref] if sub else refs_by_email(s).get(reply.email_id or 0, [])
    info = _replies([reply], config.campaign.timezone)[0]
    text, attached = _body(reply.raw)
    return render("web_reply.html.j2", visitor, campaign=config.campaign.name, r=info, text=text, attached=attached,
                  refs=refs, email_id=reply.email_id)


def message_page(config: Config, title: str, text: str, visitor: Visitor | None = None, back: str = "/") -> str:
    return render("web_message.html.j2", visitor, campaign=config.campaign.name, title=title, text=text, back=back)
