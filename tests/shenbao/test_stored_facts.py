"""Stored facts describe themselves: a file's brief and a nomination's verdict, each with one codec.

A brief is a JSON object of named fields; a register written before holds JSON arrays, which
are still read. A stored value that is not what it must be is a clear one-line error naming the
row and the fix (``reevaluate``), never a traceback; ``reevaluate`` repairs it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from rules.codes import CODES, Status
from rules.config import Campaign, Rules
from rules.evaluate import evaluate
from rules.facts import NominationFacts, Problem, Verdict
from shenbao.config import load_config
from shenbao.errors import StoredValueError
from shenbao.office.web import make_app
from shenbao.store.db import Store
from shenbao.store.brief import Brief
from shenbao.store.models import Submission
from shenbao.store.verdicts import problems_json, summary, told_json, told_of, verdict_of
from tests.shenbao.conftest import Service
from shenbao.samples.build import build_email
from tests.shenbao.unitmail import ROSTER, START, Desk, package, roster_toml

CST = timezone(timedelta(hours=8))
UNIT = "解放区总工会"
DETAIL = {"name": "事迹.docx", "chars": 1500, "files": [{"name": "1.jpg", "bytes": 90_000}], "formats": ["jpeg"]}


def stored(status: str, problems: str) -> Submission:
    return Submission(ref="JZ2021-001", status=status, problems=problems)


@pytest.mark.parametrize("code", [f"{code}:姓名" if code == "form.field_empty" else code for code in CODES])
@pytest.mark.parametrize("status", [s.value for s in Status])
def test_every_problem_code_and_status_round_trips_through_the_register(code: str, status: str) -> None:
    verdict = Verdict(status, (Problem(code, DETAIL), Problem("credit.missing")))
    again = verdict_of(stored(status, problems_json(verdict.problems)))
    assert again == verdict
    assert summary(again) == f"{status} [{', '.join(sorted([code, 'credit.missing']))}]"


def test_a_judged_verdict_round_trips_with_its_details_and_told_records_its_summary() -> None:
    """GIVEN the verdict of an empty, late nomination (six problems with their details)
    WHEN it is stored and read back  THEN it is the same verdict, and ``told`` records its summary."""
    facts = NominationFacts(candidate="", unit=UNIT, received_at=datetime(2021, 5, 3, 9, tzinfo=CST))
    verdict = evaluate(facts, Rules(), Campaign())
    assert len(verdict.problems) >= 6 and verdict.status == "late"
    sub = stored(verdict.status, problems_json(verdict.problems))
    assert verdict_of(sub) == verdict
    assert told_of(told_json([sub]), 1) == {"JZ2021-001": summary(verdict)}


@pytest.mark.parametrize(("status", "problems", "column", "fault"), [
    ("incomplete", "not json", "problems", "Invalid JSON"),
    ("incomplete", '{"code": "credit.missing"}', "problems", "value: Input should be a valid array"),
    ("incomplete", '[{"detail": {}}]', "problems", "0.code: Field required"),
    ("incomplete", '[{"code": ""}]', "problems", "0.code: String should have at least 1 character"),
    ("incomplete", '[{"code": 5}]', "problems", "0.code: Input should be a valid string"),
    ("incomplete", '[{"code": "deeds.too_short", "detail": [1500]}]', "problems", "0.detail"),
    ("done", "[]", "status", "Input should be 'complete', 'incomplete' or 'late'"),
])
def test_a_malformed_stored_verdict_is_an_error_naming_the_nomination_and_the_fix(
        status: str, problems: str, column: str, fault: str) -> None:
    with pytest.raises(StoredValueError) as raised:
        verdict_of(stored(status, problems))
    message = str(raised.value)
    assert message.startswith(f"submissions.{column} of nomination JZ2021-001 is not valid (")
    assert fault in message and message.endswith("`shenbao reevaluate` judges it again")


def test_a_malformed_told_is_read_as_telling_nothing_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert told_of('{"JZ2021-001": ["complete"]}', 7) == {}
    assert "replies.told of reply 7 is not valid (JZ2021-001: Input should be a valid string)" in caplog.text


FULL = {"text_chars": 2100, "embedded_images": 1, "width": 4000, "height": 3000, "form_unit": UNIT,
        "form_fields": {"姓名": "王建国"}}


@pytest.mark.parametrize(("stored_text", "expected"), [
    (json.dumps(FULL, ensure_ascii=False), Brief(**FULL)),  # type: ignore[arg-type]
    (json.dumps(list(FULL.values()), ensure_ascii=False), Brief(**FULL)),  # type: ignore[arg-type]
    ('{"width": 800, "height": 600}', Brief(width=800, height=600)),  # a field left out takes its default
    ('{"text_chars": 5, "later_fact": "x"}', Brief(text_chars=5)),  # a field of a later version is ignored
    ('{"text_chars": 5, "ocr_state": "read", "ocr_text": "信用中国", "phash": "00ff00ff00ff00ff", "scan": true}',
     Brief(text_chars=5, ocr_state="read", ocr_text="信用中国", phash="00ff00ff00ff00ff", scan=True)),  # issue 12's
])
def test_a_brief_is_read_from_its_named_object_or_the_array_of_an_earlier_register(
        stored_text: str, expected: Brief) -> None:
    assert Brief.decode(stored_text, "file 1") == expected
    assert json.loads(expected.encode()) == {**FULL, **expected.model_dump()}  # written back: every field, named
    assert Brief.decode(expected.encode(), "file 1") == expected


@pytest.mark.parametrize(("stored_text", "fault"), [
    ("", "Invalid JSON"),
    ('"a brief"', "Input should be an object"),
    ("[5, 0]", "an array of 2 values"),
    ("[5, 0, 0, 0, \"\", {}, \"x\", \"y\", \"z\", true, 1]", "an array of 11 values"),
    ('{"text_chars": -1}', "text_chars: Input should be greater than or equal to 0"),
    ('{"width": "4000"}', "width: Input should be a valid integer"),
    ('{"form_fields": {"姓名": 5}}', "form_fields.姓名: Input should be a valid string"),
])
def test_a_malformed_brief_is_an_error_naming_the_file_and_the_fix(stored_text: str, fault: str) -> None:
    with pytest.raises(StoredValueError) as raised:
        Brief.decode(stored_text, "file 3 (事迹.docx)")
    message = str(raised.value)
    assert message.startswith("files.brief of file 3 (事迹.docx) is not valid (") and fault in message
    assert message.endswith("`shenbao reevaluate` computes it again from the file's facts")


@pytest.fixture
def desk(service_with: Callable[[str], Service]) -> Desk:
    """A register with a complete nomination and one whose deeds are too short."""
    desk = Desk(service_with(roster_toml()))
    desk.send(UNIT, "推荐材料-王建国", package("王建国", UNIT))
    desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT, chars=900, seed=2))
    return desk


def sql(desk: Desk, statement: str, *values: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(desk.service.root / "var" / "shenbao.db") as conn:
        return list(conn.execute(statement, values))


def views(desk: Desk) -> tuple[str, str]:
    """The JSON export (built from ORM rows) and the CSV (from the plain rows of the office views)."""
    as_json, as_csv = desk.service.cli("export", "--format", "json"), desk.service.cli("export", "--format", "csv")
    assert as_json.exit_code == 0 and as_csv.exit_code == 0, as_json.output + as_csv.output
    return as_json.output, as_csv.output


def test_a_register_of_positional_briefs_is_read_as_before(desk: Desk) -> None:
    """GIVEN a register whose every files.brief is rewritten, in SQL, as the positional array an
    earlier version stored  WHEN the office exports it and re-checks it  THEN the exports are the same
    and nothing changed."""
    before = views(desk)
    rows = sql(desk, "select id, brief from files")
    assert rows and all(json.loads(str(brief))["text_chars"] >= 0 for _, brief in rows)
    for file_id, brief in rows:
        sql(desk, "update files set brief = ? where id = ?", json.dumps(list(json.loads(str(brief)).values())), file_id)
    assert all(str(brief).startswith("[") for _, brief in sql(desk, "select id, brief from files"))
    assert views(desk) == before
    assert desk.service.cli("reevaluate").output == "核对结果均无变化\n"


def test_a_malformed_stored_verdict_stops_a_command_with_one_line_and_reevaluate_repairs_it(desk: Desk) -> None:
    before = views(desk)
    [(ref,)] = sql(desk, "select ref from submissions where candidate = '李秀梅'")
    sql(desk, "update submissions set problems = '[{\"code\": 5}]' where ref = ?", ref)
    failed = desk.service.cli("export", "--format", "json")
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert failed.output == (f"error: submissions.problems of nomination {ref} is not valid (0.code: Input should be "
                             "a valid string); `shenbao reevaluate` judges it again\n")
    repaired = desk.service.cli("reevaluate")
    assert repaired.exit_code == 0 and repaired.stdout.startswith(f"{ref} 李秀梅：（原记录无法读取） → 待补充（")
    assert "judges it again: doing so now" in repaired.stderr
    assert views(desk) == before


def test_a_malformed_brief_is_computed_again_from_the_facts_by_reevaluate(desk: Desk) -> None:
    """GIVEN the brief of a deeds file damaged  WHEN the office views (plain rows) are built THEN one
    error line names the file; the JSON export (ORM rows) reads the file's facts instead; after
    ``reevaluate`` the brief is whole again and every view is as before."""
    before = views(desk)
    [(file_id, name)] = sql(desk, "select id, filename from files where filename = '王建国事迹材料.docx'")
    sql(desk, "update files set brief = '{\"text_chars\": \"many\"}' where id = ?", file_id)
    failed = desk.service.cli("export", "--format", "csv")
    assert failed.exit_code == 1 and failed.output == (
        f"error: files.brief of file {file_id} ({name}) is not valid (text_chars: Input should be a valid integer); "
        "`shenbao reevaluate` computes it again from the file's facts\n")
    read = desk.service.cli("export", "--format", "json")
    assert read.stdout == before[0] and "from the file's facts: doing so now" in read.stderr
    repaired = desk.service.cli("reevaluate")
    assert repaired.stdout == "核对结果均无变化\n" and "from the file's facts: doing so now" in repaired.stderr
    [(brief,)] = sql(desk, "select brief from files where id = ?", file_id)
    assert json.loads(str(brief))["text_chars"] >= 2100
    assert views(desk) == before


def test_a_damaged_brief_stops_the_cycle_without_losing_the_mail_and_reevaluate_lets_it_through(desk: Desk) -> None:
    """GIVEN a damaged brief in a unit's register  WHEN a new nomination of that unit arrives (the
    unit's places are judged again from plain rows)  THEN ``run --once`` stops with one line naming
    the file and the mail stays stored; after ``reevaluate`` the next cycle processes it."""
    [(file_id,)] = sql(desk, "select id from files where filename = '王建国事迹材料.docx'")
    sql(desk, "update files set brief = 'null' where id = ?", file_id)
    address = next(a for n, a, _, _ in ROSTER if n == UNIT)
    when = START + timedelta(days=1)
    desk.service.deliver("new.eml", build_email(from_addr=address, from_name=UNIT, subject="推荐材料-赵志强",
                                                text="附件是推荐材料。", attachments=package("赵志强", UNIT, seed=4),
                                                message_id="<new@jfq>", date=when), when)
    stopped = desk.service.cli("run", "--once")
    assert stopped.exit_code == 1 and "Traceback" not in stopped.output
    assert f"error: files.brief of file {file_id} (王建国事迹材料.docx) is not valid (" in stopped.stderr
    newest = "select state, disposition from emails order by id desc limit 1"
    assert sql(desk, newest) == [("stored", "")]
    assert desk.service.cli("reevaluate").exit_code == 0
    desk.service.run_once()
    assert sql(desk, newest) == [("processed", "submission")]
    assert desk.by_candidate("赵志强")["status"] == "complete"


def web_get(desk: Desk, path: str) -> tuple[str, str]:
    """(status, page) of the web view's answer to a GET of ``path``, from the app in this process."""
    config = load_config(desk.service.config)
    answer: dict[str, str] = {}
    app = make_app(Store(config.database_url, config.data_dir), config, "127.0.0.1")
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_HOST": "127.0.0.1"},
                        lambda status, headers: answer.update(status=status)))
    return answer["status"], body.decode("utf-8")


@pytest.mark.parametrize("page", ["/", "/units", "/n/{ref}"])
def test_a_damaged_verdict_gives_the_web_view_a_polite_page_naming_the_repair(
        desk: Desk, page: str, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a nomination's stored verdict damaged  WHEN the office opens a page that shows it
    THEN the answer is a 500 page in Chinese naming ``shenbao reevaluate`` (no traceback), the row
    is logged, and after ``reevaluate`` the page is shown again."""
    [(ref,)] = sql(desk, "select ref from submissions where candidate = '李秀梅'")
    sql(desk, "update submissions set problems = 'not json' where ref = ?", ref)
    with caplog.at_level(logging.ERROR, logger="shenbao.office.web"):
        status, html = web_get(desk, page.format(ref=ref))
    assert status == "500 Internal Server Error"
    assert "登记册中有一条记录无法读取" in html and "shenbao reevaluate" in html and "Traceback" not in html
    assert f"submissions.problems of nomination {ref} is not valid" in caplog.text
    assert desk.service.cli("reevaluate").exit_code == 0
    assert web_get(desk, page.format(ref=ref))[0] == "200 OK"
