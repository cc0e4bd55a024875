"""When not to reply (RFC 3834 and mail-loop hygiene), and the per-sender reply cap. Pure.

``no_reply_reason`` returns a short English reason code, recorded as ``ignored:<reason>``,
or None when a reply is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from ingest.addresses import mailbox_key
from ingest.types import ParsedMail

# Local parts of addresses that are machines, compared without "-", "_" and ".".
_ROBOT_LOCALS = ("mailerdaemon", "postmaster", "noreply", "donotreply")
_NO_REPLY = ("noreply", "donotreply")  # anywhere in the local part: gmail-noreply@, alerts_no_reply@
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_SUPPRESS_TOKENS = frozenset({"all", "oof", "autoreply"})
# Subjects that auto-responders without RFC 3834 headers write (iCloud, some QQ/Exchange setups).
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:自动回复|自動回覆|自动答复|auto[\s_-]?reply|automatic\s+reply|auto[\s_-]?respon[sd]|"
    r"out\s+of\s+(?:the\s+)?office)",
    re.IGNORECASE,
)
# Read receipts that are no RFC 8098 report: Outlook inside Exchange sends "Read: …" / "已读: …" with
# the receipt in a small winmail.dat (TNEF), or nothing at all.
_READ_RECEIPT_SUBJECT = re.compile(r"^\s*(?:read|已读|已讀|gelesen|lu|leído|letto)\s*[:：]", re.IGNORECASE)
_TNEF_NAMES = frozenset({"winmail.dat", "win.dat"})
_RECEIPT_MAX_BYTES = 100_000  # a receipt's winmail.dat is a few KB; one carrying files is far larger
# Subjects that delivery failure reports start with (Postfix, Exchange, Gmail, qmail, Exim, sendmail,
# 163/QQ); "回复：Undeliverable: …" is a person answering one.
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered\s+mail|delivery\s+status\s+notification|mail\s+delivery\s+failed|"
    r"delivery\s+failure|returned\s+mail|failure\s+notice|系统退信|退信)",
    re.IGNORECASE,
)
# Words only a delivery failure report puts anywhere in its subject (even after "RE:"):
# InterScan's "Mail could not be delivered", Exchange's localized "non remis (delivery failed)",
# "Unzustellbar", "No se puede entregar", "Non recapitabile", 163's "投递失败".
_BOUNCE_WORDS = re.compile(
    r"\b(?:could\s+not\s+be\s+delivered|delivery\s+(?:has\s+)?failed|non\s+remis|unzustellbar|"
    r"no\s+se\s+puede\s+entregar|non\s+recapitabile|niet\s+bezorgd|unable\s+to\s+deliver)\b|"
    r"投递失败|未能送达|无法送达|无法投递|退信通知",
    re.IGNORECASE,
)
# Hotmail's complaint reports before ARF: "complaint about message from 203.0.113.7" from staff@hotmail.com.
_COMPLAINT_SUBJECT = re.compile(r"^\s*complaint\s+about\s+message\s+from\b", re.IGNORECASE)
_PLAIN_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+$")
_FROM_SEPARATORS = re.compile(r"[\s<>()\[\],;:\"']+")


def _first_token(value: str) -> str:
    """``"auto-replied; owner-email=x"`` -> ``"auto-replied"``."""
    return value.split(";", 1)[0].strip().lower()


def _header_reason(headers: dict[str, str]) -> str | None:
    if "auto-submitted" in headers and _first_token(headers["auto-submitted"]) != "no":
        return "auto-submitted"
    if _first_token(headers.get("precedence", "")) in _BULK_PRECEDENCE:
        return "precedence"
    if any(name.startswith("list-") for name in headers):
        return "list"
    suppress = {token.strip().lower() for token in headers.get("x-auto-response-suppress", "").split(",")}
    if suppress & _SUPPRESS_TOKENS:
        return "auto-response-suppress"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return "x-autoreply"
    if "x-loop" in headers:
        return "x-loop"
    return None


def is_robot_address(address: str) -> bool:
    """mailer-daemon, postmaster, noreply/no-reply/donotreply (also gmail-noreply), owner-*, *-request."""
    local = address.rpartition("@")[0].lower() if "@" in address else address.lower()
    local = local.split("+", 1)[0]
    squeezed = local.replace("-", "").replace("_", "").replace(".", "")
    if squeezed.startswith(_ROBOT_LOCALS) or any(word in squeezed for word in _NO_REPLY):
        return True
    return local.startswith("owner-") or local.endswith("-request")


def is_robot_sender(mail: ParsedMail) -> bool:
    """A robot's address as sender; when the From is malformed (``"postmaster@" <host postmaster@host>``),
    a mailer-daemon, postmaster or noreply address anywhere in it counts."""
    if is_robot_address(mail.from_addr.strip()):
        return True
    if _PLAIN_ADDRESS.match(mail.from_addr.strip()):
        return False
    tokens = _FROM_SEPARATORS.split(f"{mail.from_name} {mail.from_addr}")
    return any("@" in token and is_robot_address(token) for token in tokens)


def bounce_subject(subject: str) -> bool:
    """A subject only delivery failure reports write."""
    return bool(_BOUNCE_SUBJECT.match(subject) or _BOUNCE_WORDS.search(subject))


def robot_return_path(headers: dict[str, str]) -> bool:
    """A Return-Path of a robot (``<MAILER-DAEMON@host>``): the envelope of a bounce."""
    found = re.search(r"<([^<>]*)>", headers.get("return-path", ""))
    address = (found.group(1) if found else headers.get("return-path", "")).strip()
    return bool(address) and is_robot_address(address)


def is_bounce(mail: ParsedMail) -> bool:
    """A delivery failure report, however it is written: a DSN, the shape of one (flufl.bounce), a
    robot sender or envelope, or a bounce subject."""
    headers = {name.lower(): value for name, value in mail.auto_headers.items()}
    return (mail.is_delivery_report or bool(mail.bounce_shape) or is_robot_sender(mail)
            or robot_return_path(headers) or bounce_subject(mail.subject))


def is_read_receipt(mail: ParsedMail) -> bool:
    """A read receipt by its subject ("Read: …", "已读: …") that brings nothing but, at most, a small winmail.dat."""
    return bool(_READ_RECEIPT_SUBJECT.match(mail.subject)) and all(
        a.filename.lower() in _TNEF_NAMES and len(a.data) < _RECEIPT_MAX_BYTES for a in mail.attachments)


def is_own_message_id(message_id: str, *, domain: str, prefix: str = "shenbao.") -> bool:
    """True for a Message-ID this service generated (``<shenbao.{uuid}@{domain}>``)."""
    mid = message_id.strip().strip("<>").lower()
    return bool(domain) and mid.startswith(prefix.lower()) and mid.endswith("@" + domain.lower())


def no_reply_reason(
    mail: ParsedMail,
    *,
    own_addresses: frozenset[str],
    own_message_id_domain: str,
    own_message_id_prefix: str = "shenbao.",
) -> str | None:
    """Why this mail must not be answered, or None when a reply is allowed."""
    headers = {name.lower(): value for name, value in mail.auto_headers.items()}
    reason = _header_reason(headers)
    if reason:
        return reason
    if _AUTO_SUBJECT.match(mail.subject):
        return "auto-reply-subject"
    if is_read_receipt(mail):
        return "read-receipt"
    if mail.is_delivery_report:
        return "delivery-report"
    if mail.is_feedback_report or (_COMPLAINT_SUBJECT.match(mail.subject) and not mail.in_reply_to):
        return "feedback-report"
    if headers.get("content-type", "").strip().lower().startswith("multipart/report"):
        return "report"
    if "return-path" in headers and "".join(headers["return-path"].split()) in ("<>", ""):
        return "null-return-path"
    if robot_return_path(headers):
        return "robot-return-path"
    if bounce_subject(mail.subject):
        return "bounce-subject"
    if mail.bounce_shape:
        return "bounce"
    sender = mail.from_addr.strip().lower()
    if is_robot_sender(mail):
        return "robot-sender"
    if "@" not in sender:
        return "no-sender"
    if mailbox_key(sender) in {mailbox_key(address) for address in own_addresses}:  # "JZGHXJB"@, jzghxjb+x@
        return "own-address"
    if is_own_message_id(mail.message_id, domain=own_message_id_domain, prefix=own_message_id_prefix):
        return "own-message"
    return None


def over_reply_cap(sent_at: Sequence[datetime], now: datetime, *, per_day: int, per_3h: int) -> bool:
    """True when one more reply would exceed ``per_day`` in 24 hours or ``per_3h`` in 3 hours.

    ``sent_at`` are the times replies were already sent to this sender (aware datetimes).
    """
    day = sum(1 for moment in sent_at if moment > now - timedelta(hours=24))
    recent = sum(1 for moment in sent_at if moment > now - timedelta(hours=3))
    return day >= per_day or recent >= per_3h


# Local-part words of transactional senders (ship-confirm@, service@, payment-notice@, kefu@ ...).
_ROBOT_LIKE_WORDS = frozenset({
    "ship", "shipping", "shipment", "confirm", "confirmation", "order", "orders", "service", "services",
    "notification", "notifications", "notify", "notice", "notices", "alert", "alerts", "info", "news",
    "newsletter", "billing", "invoice", "invoices", "payment", "payments", "receipt", "receipts", "account",
    "accounts", "support", "system", "auto", "automated", "mailer", "bounce", "bounces", "digest", "update",
    "updates", "marketing", "promo", "promotion", "promotions", "offers", "deals", "security", "verify",
    "verification", "robot", "bot", "daemon", "feedback", "customerservice", "customercare", "care",
    "delivery", "tracking", "ticket", "tickets", "reminder", "reminders", "abuse", "staff", "webmaster",
    "admin", "kefu", "tongzhi", "xitong", "fuwu",
})
# Word beginnings that name a service in any spelling or language (notificaciones@, confirmacion@).
_ROBOT_LIKE_STEMS = ("notif", "confirm", "newsletter")
# Headers that bulk and transactional sending services add (Amazon SES, Mailgun, SendGrid, Mandrill ...).
BULK_HEADERS = frozenset({
    "feedback-id", "x-ses-outgoing", "x-mailgun-sid", "x-sg-eid", "x-mc-user", "x-csa-complaints",
    "x-campaign", "x-campaignid", "x-mailchimp-campaign",
})
_AUTOMATED_TEXT = re.compile(
    r"请勿(?:直接)?回复|系统自动(?:发送|发出|生成)|此(?:邮件|信)(?:为|是)系统|do\s*-?\s*not\s+reply|"
    r"this\s+(?:is\s+an?\s+)?(?:automated|automatic(?:ally)?\s+generated)|"
    r"(?:sent|generated)\s+automatically|unsubscribe|退订",
    re.IGNORECASE,
)


def robot_like_address(address: str) -> bool:
    """A sender address whose local part names a service rather than a person (``ship-confirm@``)."""
    local = address.rpartition("@")[0].lower()
    words = re.split(r"[-_.+0-9]+", local)
    return any(word in _ROBOT_LIKE_WORDS or word.startswith(_ROBOT_LIKE_STEMS) for word in words)


def no_material_reason(mail: ParsedMail, body: str) -> str | None:
    """Why a mail that brought no material at all must not be answered (a transactional robot:
    shipping confirmations, payment notices), or None when it may be a person's question."""
    if robot_like_address(mail.from_addr):
        return "robot-like-sender"
    if any(name.lower() in BULK_HEADERS for name in mail.auto_headers):
        return "bulk-sender"
    if _AUTOMATED_TEXT.search(body):
        return "automated-notice"
    return None
