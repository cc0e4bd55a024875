"""Reference numbers (JZ2021-001, …) are counted in the register: no gap where a transaction died."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session

from shenbao.config import load_config
from shenbao.register.nominations import by_ref
from shenbao.samples.build import CST, nomination_email
from shenbao.store.db import Store
from shenbao.store.models import Submission
from tests.shenbao.conftest import Service

pytestmark = pytest.mark.both_databases

RECEIVED = datetime(2021, 4, 26, 9, 0, tzinfo=CST)


def _store(service: Service) -> Store:
    config = load_config(service.config)
    return Store(config.database_url, config.data_dir)


def test_a_nomination_whose_transaction_died_leaves_no_gap_in_the_references(service: Service) -> None:
    """GIVEN a register where a nomination row was written and its transaction rolled back (as a
    SIGKILL mid-mail does; on PostgreSQL the id sequence keeps that number) WHEN two mails make
    nominations THEN they are JZ2021-001 and -002, and "2" names the second."""
    store = _store(service)
    try:
        with Session(store.engine) as s:
            s.add(Submission(unit="x", candidate="y"))
            s.flush()
            s.rollback()
        for number, candidate in enumerate(("王建国", "李秀英")):
            service.deliver(f"{number}.eml", nomination_email("complete", unit="解放区总工会", candidate=candidate),
                            RECEIVED)
        service.run_once()
        assert sorted(sub["id"] for sub in service.export()["submissions"]) == ["JZ2021-001", "JZ2021-002"]
        with Session(store.engine) as s:
            second = by_ref(s, "2")
            assert second is not None and second.ref == "JZ2021-002"
    finally:
        store.engine.dispose()


def test_a_register_from_before_the_counter_goes_on_from_its_highest_reference(service: Service) -> None:
    """GIVEN a register whose references were its row ids (no counter row yet) WHEN a new mail
    makes a nomination THEN it gets the number after the highest one, not 001 again."""
    service.deliver("0.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"), RECEIVED)
    service.run_once()
    service.sql("delete from meta where key = 'ref.last'")
    service.deliver("1.eml", nomination_email("complete", unit="解放区总工会", candidate="李秀英"), RECEIVED)
    service.run_once()
    assert sorted(sub["id"] for sub in service.export()["submissions"]) == ["JZ2021-001", "JZ2021-002"]
