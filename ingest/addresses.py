"""Which address a From header means, and which mailbox an address is (pure functions).

``read_from`` reads a From value as a mail client shows it and DMARC judges it: the address is
the angle-addr (``名字 <a@b>``), else the bare addr-spec; it is never taken out of an RFC 2047
encoded-word (``=?utf-8?q?a=40b?=`` is text, not an address) and never out of the display
name. A From naming two mailboxes, or whose display name is itself an address of another
mailbox, is read but doubted: ``Sender.doubt`` says why, and such a sender is not taken for a
roster unit.

``mailbox_key`` is the one normalisation of "the same mailbox" (per-sender caps, the office's
own address, roster matches): case, quotes around a plain local part, and a ``+tag`` at the
providers that deliver ``name+tag@`` to ``name@``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.charsets import decode_words, raw_to_bytes

FROM_DOUBT = "from-doubt"  # the defect line (``from-doubt: …``) recorded for a doubted From
# Providers that deliver "name+tag@" to "name@" (Gmail also ignores dots in the local part).
SUBADDRESS_DOMAINS = frozenset({
    "163.com", "126.com", "yeah.net", "qq.com", "foxmail.com", "gmail.com", "googlemail.com", "outlook.com",
    "hotmail.com", "live.com", "icloud.com", "me.com", "fastmail.com", "protonmail.com", "proton.me",
})
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_ADDRESS_IN_TEXT = re.compile(r"[^\s<>,;:\"()\[\]@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MAX_MAILBOXES = 50  # of one From: enough to know it names more than one


@dataclass(frozen=True)
class Sender:
    address: str  # lower-case addr-spec, quotes dropped where not needed; "" when there is none
    name: str  # the decoded display name (or the comment of ``a@b (名字)``)
    doubt: str = ""  # why this From is not to be taken for a roster unit's address; "" = plain


@dataclass
class _Mailbox:
    phrase: list[str]
    angle: str | None = None
    bare: list[str] | None = None
    comments: list[str] | None = None


def _scan(value: str) -> list[_Mailbox]:
    """Mailboxes of an address list, split at commas outside quotes, comments and angle brackets."""
    boxes = [_Mailbox([])]
    text: list[str] = []
    angle: list[str] | None = None
    quoted, depth, comment_start, i = False, 0, 0, 0
    while i < len(value) and len(boxes) <= _MAX_MAILBOXES:
        char = value[i]
        if quoted:
            if char == "\\" and i + 1 < len(value):
                text.append(value[i + 1])
                i += 2
                continue
            quoted = char != '"'
            text.append(char if quoted else "")
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth:
                text.append(char)
            else:
                boxes[-1].comments = [*(boxes[-1].comments or []), "".join(text[comment_start:])]
                del text[comment_start:]
        elif angle is not None:
            if char == ">":
                boxes[-1].angle, angle = "".join(angle), None
            else:
                angle.append(char)
        elif char == '"':
            quoted = True
        elif char == "(":
            depth, comment_start = 1, len(text)
        elif char == "<":
            boxes[-1].phrase.append("".join(text))
            text, angle = [], []
        elif char in ",;" or (char == ":" and boxes[-1].angle is None and "@" not in "".join(text)):
            _close(boxes[-1], text, group=char == ":")
            boxes.append(_Mailbox([]))
            text = []
        else:
            text.append(char)
        i += 1
    if angle is not None:  # "<a@b" never closed: what follows "<" is still the address
        boxes[-1].angle = "".join(angle)
    _close(boxes[-1], text, group=False)
    return [b for b in boxes if b.angle is not None or b.bare]


def _close(box: _Mailbox, text: list[str], group: bool) -> None:
    rest = "".join(text).strip()
    if group or not rest:
        return
    if box.angle is None:
        box.bare = rest.split()
    else:
        box.phrase.append(rest)


def _addr_spec(text: str) -> str:
    """The address as written: raw 8-bit octets read as UTF-8, encoded-words left as they are,
    lower case, a quoted plain local part unquoted; of several words the last one with an "@"."""
    text = raw_to_bytes(text).decode("utf-8", "replace").lower().strip()
    if '"' not in text:  # "<x a@b>": the word with the "@"
        words = text.split()
        text = next((w for w in reversed(words) if "@" in w), "".join(words))
    local, at, domain = text.rpartition("@")
    if at and len(local) > 2 and local.startswith('"') and local.endswith('"') and _DOT_ATOM.match(local[1:-1]):
        local = local[1:-1]
    return f"{local}@{domain}" if at else text


def _usable(address: str) -> bool:
    """An address one can write to: local part, "@", domain; no encoded-word, no control character."""
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and "=?" not in address and "?=" not in address \
        and not _CONTROL.search(address)


def read_from(value: str, defects: list[str]) -> Sender:
    """The sender a From value means (see the module's note). Never raises."""
    boxes = _scan(value or "")
    found: list[tuple[str, str]] = []  # (address, decoded display name)
    for box in boxes:
        if box.angle is not None:
            address = _addr_spec(box.angle)
            name = " ".join(part for part in box.phrase if part.strip())
        else:
            address = _addr_spec("".join(box.bare or []))
            name = ""
        name = name or " ".join(box.comments or [])
        found.append((address if _usable(address) else "", decode_words(name, "address", defects).strip()))
    usable = [pair for pair in found if pair[0]]
    if not usable:
        if found and any(b.bare and "=?" in "".join(b.bare) for b in boxes):
            defects.append("from-encoded-word: the From address is inside an encoded-word, which is text, not an address")
        name = next((n for _a, n in found if n), "")
        return Sender("", name or decode_words(" ".join("".join(b.bare or []) for b in boxes), "address", defects))
    address, name = usable[0]
    doubt = ""
    if len(usable) > 1:
        doubt = f"the From names {len(usable)} mailboxes"
    elif any(mailbox_key(other) != mailbox_key(address) for other in _ADDRESS_IN_TEXT.findall(name)):
        doubt = "the display name is the address of another mailbox"
    if doubt:
        defects.append(f"{FROM_DOUBT}: {doubt}; not taken for a roster unit's address")
    return Sender(address, name, doubt)


def doubted(defects: Iterable[str]) -> bool:
    """True when ``defects`` (a mail's recorded defect lines) say its From was doubted."""
    return any(line.startswith(FROM_DOUBT + ":") for line in defects)


def mailbox_key(address: str) -> str:
    """The mailbox an address reaches, as one string: ``"JZGHXJB"@163.COM`` and ``jzghxjb+x@163.com``
    are ``jzghxjb@163.com``. "" for text that is no address."""
    address = _addr_spec(address.strip().strip("<>"))
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return ""
    if domain in SUBADDRESS_DOMAINS and not local.startswith('"'):
        local = local.split("+", 1)[0] or local
        if domain in _DOTLESS_DOMAINS:
            local = local.replace(".", "")
    return f"{local}@{domain}"
