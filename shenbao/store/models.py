"""The register's tables (SQLModel). Timestamps are ISO-8601 strings in UTC with offset."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 4  # 2: files.brief (shenbao.store.brief); 3: replies.claimed_by, replies.lease_until;
#                     4: submissions.campaign, emails.campaign


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


class MailboxState(SQLModel, table=True):
    """How far each mailbox folder has been read."""

    __tablename__ = "mailbox_state"
    mailbox: str = Field(primary_key=True)
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)  # IMAP's are unsigned 32-bit
    last_uid: int = Field(default=0, sa_type=BigInteger)


class Email(SQLModel, table=True):
    """One fetched message. The row is committed, raw bytes on disk, before any parsing."""

    __tablename__ = "emails"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_email_source"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign: str = Field(default="", index=True)  # of the instance that stored it (schema 4, as Submission.campaign)
    mailbox: str
    uidvalidity: int = Field(sa_type=BigInteger)  # unsigned 32-bit: above PostgreSQL's INTEGER
    uid: str
    sha256: str = Field(index=True)
    raw_path: str = ""  # relative to data_dir; "" when not downloaded (oversize)
    size: int = 0
    received_at: str  # INTERNALDATE, UTC ISO
    stored_at: str
    state: str = "stored"  # stored | processed
    message_id: str = Field(default="", index=True)
    from_addr: str = ""
    from_name: str = ""
    subject: str = ""
    in_reply_to: str = ""
    references: str = ""  # space-separated
    disposition: str = ""  # submission | ignored:<reason> | unmatched | held:sender | error:<reason> | duplicate
    body_chars: int = 0  # non-whitespace characters of deeds text pasted into the body
    cloud_links: str = "[]"  # JSON list
    defects: str = "[]"  # JSON list
    submission_id: int | None = Field(default=None, foreign_key="submissions.id", index=True)


class StoredFile(SQLModel, table=True):
    """One attachment (or archive member) saved under data_dir, with what reading it found."""

    __tablename__ = "files"
    id: int | None = Field(default=None, primary_key=True)
    email_id: int = Field(foreign_key="emails.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submissions.id", index=True)
    filename: str  # sanitised display name
    path: str  # relative to data_dir
    sha256: str
    size: int
    kind: str  # from content
    role: str  # form | deeds | photo | screenshot | other
    unreadable: str = ""
    facts: str = "{}"  # JSON of ingest.types.FileFacts (text included)
    # No longer current on its nomination (kept as history): the file that replaced it (a negative
    # number -N: the deeds text in the body of email N) and why (Chinese, see rules/supersede.py).
    replaced_by: int | None = None
    replaced_reason: str = ""
    brief: str = ""  # JSON object of the facts judging reads (shenbao.store.brief.Brief); added in schema 2


class OcrResult(SQLModel, table=True):
    """What OCR read in a file's bytes, by the bytes' SHA-256: the same picture is recognised once,
    whichever mail brings it again (a new table: an older register gains it empty)."""

    __tablename__ = "ocr_results"
    sha256: str = Field(primary_key=True)
    state: str  # ingest.ocr READ | EMPTY (a failure is not kept: it is tried again)
    text: str = ""
    seconds: float = 0.0
    created_at: str = ""


class Submission(SQLModel, table=True):
    """A nomination: (unit, candidate), gathering one or more emails."""

    __tablename__ = "submissions"
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(default="", index=True)  # unique within its campaign
    # ``[campaign] id``: the campaign it belongs to (schema 4; "" until an older register's rows are
    # adopted by the first campaign that opens it, ``shenbao.store.migrations.adopt_rows``)
    campaign: str = Field(default="", index=True)
    unit: str = ""
    candidate: str = ""
    sender: str = ""
    candidate_source: str = ""  # form | subject | folder | "" (none yet: candidate.unmatched)
    merged_into: int | None = Field(default=None, foreign_key="submissions.id")  # absorbed by that nomination
    status: str = "incomplete"  # the automatic verdict; an office Decision overrides it where shown
    problems: str = "[]"  # JSON list of {"code", "detail"}
    received_at: str = ""  # first email
    last_received_at: str = ""
    created_at: str = ""
    updated_at: str = ""


class Reply(SQLModel, table=True):
    """The outbox: a rendered reply committed with the verdict, then sent."""

    __tablename__ = "replies"
    id: int | None = Field(default=None, primary_key=True)
    email_id: int | None = Field(default=None, foreign_key="emails.id", unique=True)
    submission_id: int | None = Field(default=None, foreign_key="submissions.id", index=True)
    to_addr: str = Field(index=True)
    kind: str  # accepted | incomplete | late | unmatched
    subject: str = ""
    message_id: str = Field(default="", index=True)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = "pending"  # pending | sending | sent | failed | bounced | suppressed
    attempts: int = 0
    next_attempt_at: str = ""
    last_error: str = ""
    created_at: str = ""
    sent_at: str = ""
    told: str = "{}"  # JSON {ref: "status [codes]"}: the verdict of each nomination this reply reported
    claimed_by: str = ""  # while ``sending``: the owner of the claim, "host/pid/start" (shenbao.replies.claims); schema 3
    lease_until: str = ""  # while ``sending``: UTC ISO on the machine's clock; after it the claim may be taken back


class NominationEmail(SQLModel, table=True):
    """Which emails brought what to which nomination (one email may carry several candidates)."""

    __tablename__ = "nomination_emails"
    email_id: int = Field(foreign_key="emails.id", primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", primary_key=True, index=True)
    with_body: bool = True  # the body's pasted deeds text counts for this nomination
    body_replaced: str = ""  # why that body text is no longer current ("" = current)


class Decision(SQLModel, table=True):
    """An office decision on a nomination: who, when, why. The latest one is in force."""

    __tablename__ = "decisions"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    action: str  # accept | reject | reopen (reopen withdraws the decision in force)
    note: str
    decided_by: str
    decided_at: str  # UTC ISO


class PaperCopy(SQLModel, table=True):
    """The paper copies of the form (推荐表一式2份加盖公章) marked received or still missing by the
    office: who, when, why. Every mark is kept; the latest one is in force."""

    __tablename__ = "paper_copies"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    received: bool
    note: str = ""
    marked_by: str
    marked_at: str  # UTC ISO


class Lease(SQLModel, table=True):
    """A named lease on a shared register (PostgreSQL): which process serves a mailbox, until when.
    Renewed while it runs; after ``lease_until`` (or once its owner is known gone) another may take it.
    A table added after schema 3: created by ``create_all``, no numbered step (``store/migrations.py``)."""

    __tablename__ = "leases"
    name: str = Field(primary_key=True)  # "mailbox imap:INBOX@imap.163.com"
    owner: str  # "host/pid/start" (shenbao.replies.claims.owner_id)
    lease_until: str  # UTC ISO on the machine's clock
    since: str = ""  # when this owner took it
