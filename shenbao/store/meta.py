"""The register's own notes (table ``meta``: key -> text): when the last digest went out, the
errors of a config edit the running service refused. One place reads and writes them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_
from sqlmodel import Session, col, select

from shenbao.store.models import Meta
from shenbao.store.verdicts import lines_json, lines_of

CONFIG_ERRORS_KEY = "config.errors"  # + " <mailbox>": "key.path: message" lines of an instance's refused config edit; "[]" once a valid one is in force


def meta_value(s: Session, key: str) -> str:
    """The note ``key``; "" when there is none."""
    row = s.get(Meta, key)
    return row.value if row is not None else ""


def set_meta(s: Session, key: str, value: str) -> None:
    """Write the note ``key`` (committed with the caller's session)."""
    row = s.get(Meta, key) or Meta(key=key, value=value)
    row.value = value
    s.add(row)


def config_errors_key(mailbox: str) -> str:
    """The key of the refused edit of the instance serving ``mailbox`` (the bare ``config.errors`` is
    the key before instances had their own, and of a watcher without a mailbox)."""
    return f"{CONFIG_ERRORS_KEY} {mailbox}" if mailbox else CONFIG_ERRORS_KEY


def instance_config_errors(s: Session, mailbox: str) -> tuple[str, ...]:
    """The errors of the config edit the instance serving ``mailbox`` refused, while it is refused."""
    key = config_errors_key(mailbox)
    return lines_of(meta_value(s, key), f"meta {key}")


def config_errors(s: Session) -> tuple[str, ...]:
    """Every instance's refused config edit (for the digest); each line names its mailbox when
    several instances share the register."""
    rows = s.exec(select(Meta).where(or_(col(Meta.key) == CONFIG_ERRORS_KEY,
                                         col(Meta.key).startswith(CONFIG_ERRORS_KEY + " ")))
                  .order_by(col(Meta.key))).all()
    several = len(rows) > 1
    return tuple(f"{mailbox}: {line}" if several and mailbox else line
                 for row in rows for mailbox in (row.key[len(CONFIG_ERRORS_KEY) + 1:],)
                 for line in lines_of(row.value, f"meta {row.key}"))


def record_config_errors(s: Session, mailbox: str, errors: Iterable[str]) -> None:
    """This instance's refused edit, or "[]" once its file is valid (which also clears the bare key:
    a register written before instances had their own key was one instance's)."""
    value = lines_json(errors)
    set_meta(s, config_errors_key(mailbox), value)
    if mailbox and value == "[]" and meta_value(s, CONFIG_ERRORS_KEY):
        set_meta(s, CONFIG_ERRORS_KEY, value)
