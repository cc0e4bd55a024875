"""Property-based fuzzing of the intake path with hypothesis: mail-shaped bytes (fuzzmail.py) and plain
random bytes in; parse -> unpack -> read -> classify must never raise, must stay bounded (a
deadline per example, a ceiling on Python allocations, at most max_files_per_mail files), and
a full ``process_email`` over a real register must give every such mail a disposition.

Brief in CI (150 examples each, derandomised). Longer, with fresh random examples:
``SHENBAO_FUZZ_EXAMPLES=20000 python3 -m pytest tests/reliability/test_fuzz.py -p no:cacheprovider``
(or ``--runslow``: 3000).
"""

from __future__ import annotations

import itertools
import os
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.classify import classify
from ingest.files import read_attachments
from ingest.limits import Limits
from ingest.links import find_cloud_links
from ingest.html_text import html_to_text
from ingest.parse import parse_mail
from ingest.types import RawMail, Role
from rules.guards import no_reply_reason
from shenbao.config import parse_config
from shenbao.store.models import Email
from shenbao.store.db import Store
from tests.reliability import figures
from tests.reliability.fuzzmail import mail_bytes

LIMITS = Limits()
MB = 1 << 20
NOW = datetime(2021, 4, 27, 10, 0, tzinfo=timezone.utc)
INPUTS = st.one_of(mail_bytes(), st.binary(max_size=4096))


def _examples(request: pytest.FixtureRequest) -> tuple[int, bool]:
    """(how many examples, derandomised?)."""
    given_count = os.environ.get("SHENBAO_FUZZ_EXAMPLES")
    if given_count:
        return int(given_count), False
    return (3000, False) if request.config.getoption("--runslow") else (150, True)


def _settings(request: pytest.FixtureRequest) -> settings:
    count, fixed = _examples(request)
    return settings(max_examples=count, derandomize=fixed, deadline=timedelta(seconds=20), database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.timeout(7200)  # SHENBAO_FUZZ_EXAMPLES=20000 runs for many minutes
def test_parse_read_classify_never_raises_and_stays_bounded(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    scratch = tmp_path / "scratch"
    seen = {"examples": 0, "attachments": 0}

    @_settings(request)
    @given(raw=INPUTS)
    def check(raw: bytes) -> None:
        tracemalloc.start()
        try:
            parsed = parse_mail(raw)
            no_reply_reason(parsed, own_addresses=frozenset({"jzghxjb@163.com"}), own_message_id_domain="163.com")
            find_cloud_links(parsed.text_body, parsed.html_body)
            html_to_text(parsed.html_body)
            read = read_attachments([(a.filename, a.data) for a in parsed.attachments], LIMITS, scratch)
            roles = [classify(r.facts) for r in read]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 64 * MB + 40 * len(raw), f"{peak // MB} MB for {len(raw)} bytes"
        assert len(read) <= LIMITS.max_files_per_mail + 1
        assert all(isinstance(r.facts.unreadable, str) and r.facts.size == len(r.item.data) for r in read)
        assert all(isinstance(role, Role) for role in roles)
        assert list(scratch.iterdir()) == []  # the scratch space is emptied after every mail
        seen["examples"] += 1
        seen["attachments"] += len(parsed.attachments)

    check()
    figures.add("fuzz", parse_read_classify_examples=seen["examples"], attachments_read=seen["attachments"],
                exceptions=0)


@pytest.mark.timeout(7200)  # SHENBAO_FUZZ_EXAMPLES=20000 runs for many minutes
def test_every_fuzzed_mail_gets_a_disposition_from_the_whole_intake(tmp_path: Path,
                                                                     request: pytest.FixtureRequest) -> None:
    from shenbao.intake.process import process_email

    config = parse_config({"mailbox": {"kind": "folder", "path": "mailbox"}, "smtp": {"kind": "file", "path": "out"},
                           "storage": {"database_url": "sqlite:///var/fuzz.db", "data_dir": "var/data"}}, tmp_path)
    store = Store(config.database_url, config.data_dir)
    uids = itertools.count()
    dispositions: dict[str, int] = {}

    @_settings(request)
    @given(raw=INPUTS)
    def check(raw: bytes) -> None:
        email = store.save_raw(RawMail("fuzz", 0, str(next(uids)), NOW, raw, len(raw)), NOW)
        assert email is not None and email.id is not None
        process_email(store, config, email.id, NOW)
        with store.session() as s:
            row = s.get(Email, email.id)
            assert row is not None and row.state == "processed"
            assert row.disposition and not row.disposition.startswith("error:"), row.disposition
            kind = row.disposition.split(":")[0]
            dispositions[kind] = dispositions.get(kind, 0) + 1

    check()
    store.engine.dispose()
    figures.add("fuzz", intake_examples=sum(dispositions.values()), intake_errors=0)
    assert set(dispositions) <= {"submission", "unmatched", "ignored"}
