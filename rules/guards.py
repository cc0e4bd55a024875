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
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_SUPPRESS_TOKENS = frozenset({"all", "oof", "autoreply"})
# Subjects that auto-responders without RFC 3834 headers write (iCloud, some QQ/Exchange setups).
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:自动回复|自動回覆|自动答复|auto[\s_-]?reply|automatic\s+reply|auto[\s_-]?respon[sd]|"
    r"out\s+of\s+(?:the\s+)?office)",
    re.IGNORECASE,
)
# Subjects that delivery failure reports carry (Postfix, Exchange, Gmail, qmail, Exim, sendmail, 163/QQ).
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered\s+mail|delivery\s+status\s+notification|mail\s+delivery\s+failed|"
    r"delivery\s+failure|returned\s+mail|failure\s+notice|系统退信|退信)",
    re.IGNORECASE,
)
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
    """mailer-daemon, postmaster, noreply/no-reply/donotreply, owner-*, *-request."""
    local = address.rpartition("@")[0].lower() if "@" in address else address.lower()
    local = local.split("+", 1)[0]
    squeezed = local.replace("-", "").replace("_", "").replace(".", "")
    if squeezed.startswith(_ROBOT_LOCALS):
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


def is_bounce(mail: ParsedMail) -> bool:
    """A delivery failure report, however it is written: a DSN, a robot sender or a bounce subject."""
    return mail.is_delivery_report or is_robot_sender(mail) or bool(_BOUNCE_SUBJECT.match(mail.subject))


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
    if mail.is_delivery_report:
        return "delivery-report"
    if headers.get("content-type", "").strip().lower().startswith("multipart/report"):
        return "report"
    if "return-path" in headers and "".join(headers["return-path"].split()) in ("<>", ""):
        return "null-return-path"
    if _BOUNCE_SUBJECT.match(mail.subject):
        return "bounce-subject"
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
