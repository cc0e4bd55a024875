"""The register's own notes (table ``meta``: key -> text): when the last digest went out, the
errors of a config edit the running service refused. One place reads and writes them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from shenbao.store.models import Meta
from shenbao.store.verdicts import lines_json, lines_of

CONFIG_ERRORS_KEY = "config.errors"  # "key.path: message" lines of a refused config edit; "[]" once a valid one is in force


def meta_value(s: Session, key: str) -> str:
    """The note ``key``; "" when there is none."""
    row = s.get(Meta, key)
    return row.value if row is not None else ""


def set_meta(s: Session, key: str, value: str) -> None:
    """Write the note ``key`` (committed with the caller's session)."""
    row = s.get(Meta, key) or Meta(key=key, value=value)
    row.value = value
    s.add(row)


def config_errors(s: Session) -> tuple[str, ...]:
    """The errors of the config edit the running service refused, while it is refused (for the digest)."""
    return lines_of(meta_value(s, CONFIG_ERRORS_KEY), f"meta {CONFIG_ERRORS_KEY}")


def record_config_errors(s: Session, errors: Iterable[str]) -> None:
    set_meta(s, CONFIG_ERRORS_KEY, lines_json(errors))
