"""What PostgreSQL needs that SQLite does not: strings without NUL (psycopg 3 dumpers).

PostgreSQL's ``text`` cannot hold U+0000, which a mail header, a file name or a document's text
may carry (SQLite stores it). Every ``str`` sent on a shenbao connection is dumped with U+FFFD
(the replacement character) in its place, in UTF-8 (the engine sets ``client_encoding``): the
one place this is done, below every model and query. Imported only for a PostgreSQL URL.
"""

from __future__ import annotations

from typing import Any

from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format


class _NulSafeText(Dumper):
    """Text format, type left to the server (as psycopg's own ``str`` dumper)."""

    format = Format.TEXT

    def dump(self, obj: str) -> bytes:
        return obj.replace("\x00", "\ufffd").encode("utf-8")


class _NulSafeBinary(_NulSafeText):
    """Binary format: UTF-8 bytes typed ``text``."""

    format = Format.BINARY
    oid = postgres.types["text"].oid


def register_nul_safe_text(connection: Any) -> None:
    connection.adapters.register_dumper(str, _NulSafeText)
    connection.adapters.register_dumper(str, _NulSafeBinary)
