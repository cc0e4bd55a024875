"""A register of many nominations, cloned from the rows a real ``run --once`` wrote.

Copies every row of the nominations, emails, files, replies, nomination links and decisions
tables with shifted ids (and fresh UIDs, references and Message-IDs) until the register holds ``target`` nominations, so
export and digest meet real verdicts, file facts and deeds texts, only more of them. Every third
nomination is then made incomplete with two problems whose details differ from row to row (the
benchmark's mails are all complete; a real register's checklists have wording to render).
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

INCOMPLETE_EVERY = 3
_PROBLEMS = ("json_array(json_object('code', 'credit.missing', 'detail', json_object()), "
             "json_object('code', 'photos.too_small', 'detail', json_object('files', "
             "json_array(json_object('name', '照片' || id || '.jpg', 'size', 1000000 + id)), 'min_bytes', 2097152)))")

# table -> the columns that point at another table's id
_LINKS = {"submissions": {"merged_into": "submissions"}, "emails": {"submission_id": "submissions"},
          "files": {"email_id": "emails", "submission_id": "submissions"},
          "replies": {"email_id": "emails", "submission_id": "submissions"},
          "nomination_emails": {"email_id": "emails", "submission_id": "submissions"},
          "decisions": {"submission_id": "submissions"}}
_ORIGINAL = {"nomination_emails": "email_id"}  # a table without an id: the column that tells its original rows
_UNIQUE_TEXT = {"uid", "message_id"}


def _expressions(table: str, columns: list[str], offsets: dict[str, int], copy: int) -> list[str]:
    out = []
    for column in columns:
        if column == "id":
            out.append(f"id + {offsets[table]}")
        elif column in _LINKS[table]:
            out.append(f"{column} + {offsets[_LINKS[table][column]]}")
        elif column in _UNIQUE_TEXT:
            out.append(f"CASE WHEN {column} = '' THEN '' ELSE 'c{copy}.' || {column} END")
        elif table == "submissions" and column == "ref":
            out.append(f"substr(ref, 1, instr(ref, '-')) || printf('%05d', id + {offsets[table]})")
        else:
            out.append(f'"{column}"')
    return out


def grow(source_db: Path, target_db: Path, target: int) -> int:
    """Write ``target_db``: ``source_db`` grown to ``target`` nominations; returns the count."""
    shutil.copyfile(source_db, target_db)
    with closing(sqlite3.connect(target_db)) as db:
        base = db.execute("SELECT count(*), max(id) FROM submissions").fetchone()
        if not base[0]:
            raise RuntimeError(f"{source_db}: no nominations to clone")
        maxima = {t: db.execute(f"SELECT coalesce(max({_ORIGINAL.get(t, 'id')}), 0) FROM {t}").fetchone()[0]
                  for t in _LINKS}
        columns = {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in _LINKS}
        copy, count = 0, base[0]
        while count < target:
            copy += 1
            limit = base[1] if target - count >= base[0] else \
                db.execute("SELECT id FROM submissions ORDER BY id LIMIT 1 OFFSET ?", (target - count - 1,)).fetchone()[0]
            offsets = {t: maxima[t] * copy for t in _LINKS}
            for table in _LINKS:
                keep = "id" if table == "submissions" else "coalesce(submission_id, 0)"
                names = ", ".join(f'"{c}"' for c in columns[table])
                select = ", ".join(_expressions(table, columns[table], offsets, copy))
                db.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} "
                           f"WHERE {_ORIGINAL.get(table, 'id')} <= {maxima[table]} AND {keep} <= {limit}")
            count = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
        db.execute(f"UPDATE submissions SET status = 'incomplete', problems = {_PROBLEMS} "
                   f"WHERE id % {INCOMPLETE_EVERY} = 0")
        db.commit()
        # at rest, as a register the service has been using: the write-ahead log folded into the
        # database (else the first command to open it pays for that)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(count)
