"""Numbered migrations of the register, the same on SQLite and PostgreSQL.

The rule for a change of the register's tables:

* a **new table** needs no step: ``SQLModel.metadata.create_all`` creates every table that is
  missing each time the register is opened (an older shenbao ignores a table it does not know);
* a **change to an existing table** (a column added, data rewritten) is a numbered ``Step``:
  bump ``SCHEMA_VERSION`` in ``models.py`` and append the step to ``STEPS``. Steps are written
  with SQLAlchemy constructs and named bind parameters over lightweight ``table()`` objects (never
  the models, which move on), or in SQL both databases read the same; where they cannot, a
  branch on ``conn.dialect.name``.

Each step runs in one transaction with its new version, claimed by a compare-and-set on the
version row: of two programs that open an old register at once, one upgrades, the other waits for
its lock and finds the step done. On PostgreSQL the whole opening also holds an advisory lock, so
two first starts on an empty database do not both create the tables. A database that is not
shenbao's, or of a newer schema, is refused — never recreated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import column, inspect, select, table, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from shenbao.errors import StoreError
from shenbao.store.brief import brief_json, file_facts
from shenbao.store.models import SCHEMA_VERSION

log = logging.getLogger(__name__)

VERSION_KEY = "schema_version"
_ADVISORY_KEY = 0x5348454E  # "SHEN": pg_advisory_lock key of an opening that may create or upgrade
_meta = table("meta", column("key"), column("value"))
_version_query = select(_meta.c.value).where(_meta.c.key == VERSION_KEY)


@dataclass(frozen=True)
class Step:
    version: int  # reached by this step, from version - 1
    what: str
    apply: Callable[[Connection], None]


def _add_text_column(conn: Connection, table_name: str, name: str) -> None:
    conn.execute(text(f"ALTER TABLE {table_name} ADD COLUMN {name} VARCHAR NOT NULL DEFAULT ''"))


def _to_2(conn: Connection) -> None:
    """Every file's brief (``shenbao.store.brief``) computed from its facts."""
    _add_text_column(conn, "files", "brief")
    files = table("files", column("id"), column("facts"), column("brief"))
    rows = conn.execute(select(files.c.id, files.c.facts)).fetchall()
    for file_id, facts in rows:
        conn.execute(update(files).where(files.c.id == file_id).values(brief=brief_json(file_facts(facts))))


def _to_3(conn: Connection) -> None:
    """Outbox claims with an owner and a lease; a reply left ``sending`` by schema 2 has no owner
    and is taken back as before (``shenbao.replies.claims``)."""
    _add_text_column(conn, "replies", "claimed_by")
    _add_text_column(conn, "replies", "lease_until")


def _to_4(conn: Connection) -> None:
    """Every nomination and every email belongs to a campaign; an older register's are left "" here
    and taken by the first campaign that opens it (``adopt_rows``: a step does not know the config)."""
    for table_name in ("submissions", "emails"):
        _add_text_column(conn, table_name, "campaign")
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{table_name}_campaign ON {table_name} (campaign)"))


STEPS = (
    Step(2, "files.brief", _to_2),
    Step(3, "replies.claimed_by and replies.lease_until (outbox claims with owner and lease)", _to_3),
    Step(4, "submissions.campaign and emails.campaign (several campaigns in one register)", _to_4),
)
assert STEPS[-1].version == SCHEMA_VERSION, "a schema change needs its numbered step"


_of_campaigns = (table("submissions", column("campaign")), table("emails", column("campaign")))
# ``meta`` rows each campaign keeps for itself, as "<key> <campaign id>": its last reference number
# (shenbao.register.nominations) and its digest's last slot and time (shenbao.service.digest_job)
PER_CAMPAIGN_KEYS = ("ref.last", "digest.last_slot", "digest.last_at")


def campaign_key(key: str, campaign: str) -> str:
    """The ``meta`` key of ``campaign``'s own ``key`` (one of ``PER_CAMPAIGN_KEYS``)."""
    return f"{key} {campaign}"


def adopt_rows(engine: Engine, campaign: str) -> int:
    """Nominations and emails of a register made before campaigns (``campaign`` "") become
    ``campaign``'s, and so do its ``PER_CAMPAIGN_KEYS`` rows; how many rows were adopted. Cheap when there
    are none (indexed queries); under row locks on PostgreSQL, so of two instances opening at once
    only one adopts."""
    with engine.connect() as conn:
        legacy = [conn.execute(select(t.c.campaign).where(t.c.campaign == "").limit(1)).first() for t in _of_campaigns]
        keys = conn.execute(select(_meta.c.key).where(_meta.c.key.in_(PER_CAMPAIGN_KEYS))).scalars().all()
    if legacy == [None, None] and not keys:
        return 0
    with engine.begin() as conn:
        adopted = sum(int(conn.execute(update(t).where(t.c.campaign == "").values(campaign=campaign)).rowcount or 0)
                      for t in _of_campaigns)
        for key in keys:
            taken = conn.execute(select(_meta.c.key).where(_meta.c.key == campaign_key(key, campaign))).first()
            if taken is None:
                conn.execute(update(_meta).where(_meta.c.key == key).values(key=campaign_key(key, campaign)))
            else:
                conn.execute(_meta.delete().where(_meta.c.key == key))
    if adopted:
        log.info("the register's %d nominations and emails from before campaigns are campaign %s's", adopted, campaign)
    return adopted


@dataclass(frozen=True)
class Migration:
    """What opening the register did: its kind, its version before (None: new) and after."""

    kind: str
    before: int | None
    after: int

    def describe(self) -> str:
        if self.before is None:
            return f"{self.kind} register created at schema {self.after}"
        if self.before == self.after:
            return f"{self.kind} register at schema {self.after}: nothing to do"
        return f"{self.kind} register upgraded from schema {self.before} to {self.after}"


def read_version(conn: Connection) -> int | None:
    """The schema version recorded in ``meta``; None when there is no register (no tables).
    A database holding other tables, or a version that is not a number, is a StoreError."""
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if "meta" not in tables:
        raise StoreError("holds tables that are not shenbao's; point it at a new or a shenbao database")
    value = conn.execute(_version_query).scalar()
    if value is None:
        return None if tables == {"meta"} else 0
    if not str(value).isdigit():
        raise StoreError(f"schema version {value!r} is not a number; point it at a shenbao database")
    return int(value)


@contextmanager
def _opening_lock(engine: Engine) -> Iterator[None]:
    """PostgreSQL: one opening at a time creates or upgrades (SQLite: the version row's lock does)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            conn.commit()


def _run_step(engine: Engine, step: Step, shown: str) -> None:
    with engine.begin() as conn:
        claimed = conn.execute(update(_meta).where(_meta.c.key == VERSION_KEY, _meta.c.value == str(step.version - 1))
                               .values(value=str(step.version)))
        if claimed.rowcount != 1:
            return  # another program did this step meanwhile
        log.info("%s: upgrading the register from schema %d to %d (%s)", shown, step.version - 1, step.version,
                 step.what)
        step.apply(conn)


def _check_columns(engine: Engine) -> None:
    """A shenbao table missing columns this version needs was made by an older shenbao."""
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    for model_table in SQLModel.metadata.sorted_tables:
        if model_table.name not in tables:
            continue
        have = {c["name"] for c in inspector.get_columns(model_table.name)}
        missing = sorted(c.name for c in model_table.columns if c.name not in have)
        if missing:
            raise StoreError(f"table {model_table.name} lacks {', '.join(missing)} (made by an older shenbao); "
                             "point it at a new database")


def migrate(engine: Engine, shown: str) -> Migration:
    """Bring the register at ``engine`` to ``SCHEMA_VERSION`` (``shown``: its URL without password)."""
    with _opening_lock(engine):
        with engine.connect() as conn:
            before = read_version(conn)
        if before is not None and before > SCHEMA_VERSION:
            raise StoreError(f"schema version {before}, this shenbao needs {SCHEMA_VERSION}; "
                             "upgrade or use a new database")
        if before is not None and before < STEPS[0].version - 1:
            raise StoreError(f"schema version {before} is older than any this shenbao can upgrade; "
                             "point it at a new database")
        for step in STEPS:
            if before is not None and step.version > before:
                _run_step(engine, step, shown)
        _check_columns(engine)
        # A new register's tables are made in the transaction that records its version (SQLite's DDL
        # too, once the INSERT has begun it): a kill meanwhile leaves a new register, or only ``meta``
        # (read as new), never tables without a version.
        SQLModel.metadata.create_all(engine, tables=[SQLModel.metadata.tables["meta"]])
        try:
            with engine.begin() as conn:
                if before is None and conn.execute(_version_query).scalar() is None:
                    conn.execute(_meta.insert().values(key=VERSION_KEY, value=str(SCHEMA_VERSION)))
                SQLModel.metadata.create_all(conn)
        except IntegrityError:  # a program opening the new register at the same moment recorded it
            SQLModel.metadata.create_all(engine)
        with engine.connect() as conn:
            now = read_version(conn)
        if now != SCHEMA_VERSION:
            raise StoreError(f"schema version {now}, this shenbao needs {SCHEMA_VERSION}; upgrade or use a new database")
    return Migration(engine.dialect.name, before, SCHEMA_VERSION)
