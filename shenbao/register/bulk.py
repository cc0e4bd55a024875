"""A nomination's material as the register holds it, loaded for many nominations at once.

Judging or viewing a nomination reads its files (by id), its emails (in order of arrival) and
the links that say what each email brought (``shenbao.register.verdict.facts_of``), and a view also its
last reply. Loading them nomination by nomination costs several queries each: re-judging a unit
after every mail, or listing 10 000 nominations, spent most of its time there. ``materials``
loads them for a list of nominations in two queries as ORM rows; ``light_materials`` loads the
columns judging and the office views read as plain rows (far cheaper than ORM objects), which
the office views read in chunks, so 10 000 nominations stay cheap in time and memory. What
counts as current is still decided by ``shenbao.register.verdict`` and ``rules.supersede`` over these
rows, as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from shenbao.store.brief import Brief
from shenbao.store.models import Email, NominationEmail, Reply, StoredFile, Submission

CHUNK = 500  # nominations per query of the office views (bound parameters, memory)
T = TypeVar("T")


@dataclass
class Material:
    """One nomination's files (by id), emails (in order of arrival) and links (email id -> link).

    Either ORM rows, or plain rows with the same attribute names (``light_materials``)."""

    files: list[StoredFile | LightFile] = field(default_factory=list)
    emails: list[Email | LightEmail] = field(default_factory=list)
    links: dict[int, NominationEmail | LightEmail] = field(default_factory=dict)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def materials(s: Session, subs: Sequence[Submission]) -> dict[int, Material]:
    """Nomination id -> its material as ORM rows (``files_of``, ``emails_of`` and its links), in two queries."""
    ids = [sub.id for sub in subs if sub.id is not None]
    out = {sub_id: Material() for sub_id in ids}
    files = select(StoredFile).where(col(StoredFile.submission_id).in_(ids)).order_by(col(StoredFile.id))
    for row in s.exec(files):
        out[row.submission_id or 0].files.append(row)
    linked = (select(NominationEmail, Email).join(Email, col(Email.id) == col(NominationEmail.email_id))
              .where(col(NominationEmail.submission_id).in_(ids)).order_by(col(Email.received_at), col(Email.id)))
    for link, email in s.exec(linked):
        material = out[link.submission_id]
        material.emails.append(email)
        material.links[email.id or 0] = link
    return out


_FILE_COLUMNS = [col(c) for c in (StoredFile.id, StoredFile.submission_id, StoredFile.email_id, StoredFile.filename,
                                    StoredFile.role, StoredFile.kind, StoredFile.size, StoredFile.sha256,
                                    StoredFile.unreadable, StoredFile.replaced_by, StoredFile.replaced_reason,
                                    StoredFile.brief)]
# One row serves as the email (id, received_at, body_chars, cloud_links) and as its link (with_body, body_replaced).
_LINKED_COLUMNS = [col(c) for c in (Email.id, Email.received_at, Email.body_chars, Email.cloud_links,
                                    NominationEmail.submission_id, NominationEmail.with_body,
                                    NominationEmail.body_replaced)]
_REPLY_COLUMNS = [col(c) for c in (Reply.id, Reply.email_id, Reply.submission_id, Reply.kind, Reply.state,
                                   Reply.created_at, Reply.sent_at)]


@dataclass(slots=True)
class LightFile:
    """A file row as ``light_materials`` loads it: its plain columns and the few facts judging and
    the office views read (its brief, see ``shenbao.store.brief``)."""

    id: int
    submission_id: int
    email_id: int
    filename: str
    role: str
    kind: str
    size: int
    sha256: str
    unreadable: str
    replaced_by: int | None
    replaced_reason: str
    brief: Brief  # not its whole facts

    @classmethod
    def of(cls, row: Sequence[Any]) -> LightFile:
        """From a row of ``_FILE_COLUMNS``: the plain columns in field order, then the brief."""
        file_id, sub_id, email_id, filename, role, kind, size, sha256, unreadable, replaced_by, reason, brief = row
        return cls(file_id, sub_id, email_id, filename, role, kind, size, sha256, unreadable, replaced_by, reason,
                   Brief.decode(brief, f"file {file_id} ({filename})"))


@dataclass(frozen=True, slots=True)
class LightEmail:
    """An email as ``light_materials`` loads it (a row of ``_LINKED_COLUMNS``), which serves as its
    link to the nomination as well."""

    id: int
    received_at: str
    body_chars: int
    cloud_links: str
    submission_id: int
    with_body: bool
    body_replaced: str


def light_materials(s: Session, subs: Sequence[Submission]) -> dict[int, Material]:
    """``materials`` as plain rows with the columns judging and the office views read (read-only:
    ``register.refresh_current`` turns a row it must change into an ORM object)."""
    ids = [sub.id for sub in subs if sub.id is not None]
    out = {sub_id: Material() for sub_id in ids}
    files = select_columns(*_FILE_COLUMNS).where(col(StoredFile.submission_id).in_(ids)).order_by(col(StoredFile.id))
    for row in s.execute(files):
        out[row.submission_id].files.append(LightFile.of(row))
    linked = (select_columns(*_LINKED_COLUMNS).join(NominationEmail, col(NominationEmail.email_id) == col(Email.id))
              .where(col(NominationEmail.submission_id).in_(ids)).order_by(col(Email.received_at), col(Email.id)))
    for email in (LightEmail(*values) for values in s.execute(linked)):
        material = out[email.submission_id]
        material.emails.append(email)
        material.links[email.id] = email
    return out


@dataclass(frozen=True)
class ReplyRow:
    id: int
    email_id: int | None
    submission_id: int | None
    kind: str
    state: str
    created_at: str
    sent_at: str


class Replies:
    """Every reply's small columns (not its bytes), to find the replies about a nomination without a query."""

    def __init__(self, s: Session) -> None:
        self.by_sub: dict[int, list[ReplyRow]] = defaultdict(list)
        self.by_email: dict[int, list[ReplyRow]] = defaultdict(list)
        for values in s.execute(select_columns(*_REPLY_COLUMNS)):
            row = ReplyRow(*values)
            if row.submission_id is not None:
                self.by_sub[row.submission_id].append(row)
            if row.email_id is not None:
                self.by_email[row.email_id].append(row)

    def about(self, sub_id: int, email_ids: Sequence[int]) -> list[ReplyRow]:
        """``nominations.replies_about``: sent about the nomination, or to one of its emails, oldest first."""
        found = {row.id: row for row in self.by_sub.get(sub_id, [])}
        for email_id in email_ids:
            found.update((row.id, row) for row in self.by_email.get(email_id, []))
        return [found[key] for key in sorted(found)]
