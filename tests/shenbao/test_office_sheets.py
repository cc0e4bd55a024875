"""What the office works with outside the web view: an office decision shown wherever a status is
(workbook, CSV, digest) beside the automatic verdict, the form's fields and a per-unit sheet in
the workbook. The workbook is read back with openpyxl, the CSV with the csv module."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from shenbao.config import load_config
from shenbao.office.web_pages import Visitor, units_page
from shenbao.samples.build import CST
from shenbao.store.db import Store
from shenbao.office.paper import PAPER_HEADER
from notify.workbook import FORM_COLUMNS, NOMINATION_HEADER, UNIT_HEADER
from tests.shenbao.conftest import FOLDER_CONFIG, Service
from tests.shenbao.unitmail import Desk, package, roster_toml

DECIDED = re.compile(r"受理（陈晓杰，\d{4}年\d{1,2}月\d{1,2}日\d\d:\d\d 北京时间）：邮箱故障，准予受理")
LATE_TEXT = "材料于2021年5月6日09:13收到，已超过截止时间2021年4月30日23:59。"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Service:
    """GIVEN a roster of four units; 解放区 sends a complete nomination and one without photos,
    焦作供电公司 a complete one after the deadline that the office accepts, and a unit outside the
    roster one more; 山阳区 and 市教育工会 send nothing."""
    root = tmp_path_factory.mktemp("office")
    (root / "mailbox").mkdir()
    (root / "config.toml").write_text(FOLDER_CONFIG + roster_toml(), encoding="utf-8")
    desk = Desk(Service(root))
    desk.send("解放区总工会", "推荐材料-王建国", package("王建国", "解放区总工会"))
    desk.send("解放区总工会", "推荐材料-李秀梅", package("李秀梅", "解放区总工会", with_photos=False, seed=2,
                                                  phone="13912345678", politics="群众"))
    desk.send("焦作供电公司工会", "推荐材料-陈立新", package("陈立新", "焦作供电公司工会", seed=4),
              at=datetime(2021, 5, 6, 9, 13, tzinfo=CST))
    desk.send("某外单位工会", "推荐材料-孙丽", package("孙丽", "某外单位工会", seed=6), sender="wdw@example.com")
    result = desk.service.cli("decide", "JZ2021-003", "--accept", "--note", "邮箱故障，准予受理", "--by", "陈晓杰")
    assert result.exit_code == 0, result.output
    return desk.service


@pytest.fixture(scope="module")
def book(office: Service, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("book") / "登记表.xlsx"
    assert office.cli("export", "--format", "xlsx", "-o", str(out)).exit_code == 0
    return load_workbook(out)


def _rows(sheet: Any, header: list[str]) -> dict[str, dict[str, Any]]:
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == header
    return {str(row[0]): dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_an_accepted_late_nomination_shows_the_decision_and_keeps_the_automatic_verdict_in_the_workbook(
        book: Any) -> None:
    late = _rows(book["推荐人选"], [*NOMINATION_HEADER, PAPER_HEADER])["JZ2021-003"]
    assert late["状态"] == "材料齐全" and DECIDED.fullmatch(late["办公室决定"])
    assert late["需补充或更正"] is None  # nothing is open once the office accepted it
    assert late["自动核对"] == f"逾期：{LATE_TEXT}"


def test_undecided_nominations_have_an_empty_decision_and_their_own_verdict(book: Any) -> None:
    rows = _rows(book["推荐人选"], [*NOMINATION_HEADER, PAPER_HEADER])
    assert [(r["状态"], r["办公室决定"], r["自动核对"]) for ref, r in rows.items() if ref != "JZ2021-003"] == \
        [("材料齐全", None, "材料齐全"), ("待补充", None, "待补充"), ("材料齐全", None, "材料齐全")]
    assert "未收到工作生活照" in rows["JZ2021-002"]["需补充或更正"]


def test_the_form_fields_are_columns_ready_for_the_review_sheet(book: Any) -> None:
    rows = _rows(book["推荐人选"], [*NOMINATION_HEADER, PAPER_HEADER])
    fields = {rows[ref]["候选人"]: tuple(rows[ref][name] for name in FORM_COLUMNS) for ref in rows}
    assert fields["王建国"] == ("男", "1975年6月", "中共党员", "焦作市某某公司车间主任", "13800000000")
    assert fields["李秀梅"] == ("女", "1975年6月", "群众", "焦作市某某公司车间主任", "13912345678")


def test_the_unit_sheet_counts_each_roster_unit_then_the_units_outside_it(book: Any) -> None:
    sheet = book["各单位情况"]
    rows = [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [c.value for c in sheet[1]] == UNIT_HEADER == ["推荐单位", "名额", "已报", "齐全", "待补充", "逾期", "未报", "备注"]
    assert rows == [
        ("解放区总工会", 2, 2, 1, 1, 0, 0, None),
        ("山阳区总工会", 2, 0, 0, 0, 0, 2, "尚未报送"),
        ("焦作供电公司工会", 1, 1, 1, 0, 0, 0, None),  # accepted: counted as 齐全
        ("市教育工会", 3, 0, 0, 0, 0, 3, "尚未报送"),
        ("某外单位工会", None, 1, 1, 0, 0, None, "不在单位名单中"),
    ]
    assert sheet.freeze_panes == "B2"


def test_the_csv_shows_the_decision_beside_the_automatic_verdict(office: Service) -> None:
    rows = {r["编号"]: r for r in csv.DictReader(io.StringIO(office.cli("export", "--format", "csv").output[1:]))}
    late = rows["JZ2021-003"]
    assert (late["状态"], late["自动核对"], late["需补充或更正"]) == ("材料齐全", f"逾期：{LATE_TEXT}", "")
    assert DECIDED.fullmatch(late["办公室决定"]) and late["问题代码"] == "deadline.late"
    assert "complete" not in office.cli("export", "--format", "csv").output


def test_the_json_export_keeps_its_contract(office: Service) -> None:
    """The machine contract of DESIGN.md is unchanged: the same keys, codes and English statuses."""
    data = office.export()
    row = next(r for r in data["submissions"] if r["id"] == "JZ2021-003")
    assert set(row) == {"id", "unit", "candidate", "sender", "status", "problems", "items", "emails", "received_at",
                        "auto_status", "decision", "same_candidate"}
    assert (row["status"], row["auto_status"], row["problems"]) == ("complete", "late", ["deadline.late"])
    assert set(row["decision"]) == {"action", "note", "by", "at"} and row["decision"]["action"] == "accepted"


@pytest.mark.parametrize("html", [False, True])
def test_the_digest_shows_who_decided_when_and_why_beside_the_automatic_verdict(office: Service, html: bool) -> None:
    result = office.cli("digest", "--print", *(["--html"] if html else []))
    assert result.exit_code == 0
    text = result.output
    match = DECIDED.search(text)
    assert match is not None and text.count("办公室决定：") == 1
    assert f"{match.group(0)}（自动核对：逾期）" in text
    ready = text[text.index("可提交评审的推荐人选"):]
    assert "JZ2021-003" in ready  # listed with the nominations ready for review
    assert "尚未报送材料的单位（2 个）：山阳区总工会、市教育工会" in text


def test_a_digest_without_a_roster_does_not_claim_every_unit_has_sent(service: Service, tmp_path: Path) -> None:
    Desk(service).send("解放区总工会", "推荐材料-王建国", package("王建国", "解放区总工会"))
    for args in (["--print"], ["--print", "--html"]):
        text = service.cli("digest", *args).output
        assert "名单内的单位均已报送材料" not in text
        assert "未配置推荐单位名单（配置文件中的 [[units]]），无法核对哪些单位尚未报送材料。" in text


def _web_units(service: Service) -> list[tuple[Any, ...]]:
    config = load_config(service.config)
    page = units_page(Store(config.database_url, config.data_dir), config, Visitor("陈晓杰", False, "", False))
    rows = re.findall(r'<tr class="unit">(.*?)</tr>', page, re.S)
    cells = [[re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    number = lambda words: None if words[0] in ("不限", "—") else int(words[0])  # noqa: E731
    return [(c[0][0], *(number(words) for words in c[1:7])) for c in cells]


def test_the_workbook_and_the_web_count_each_unit_alike(tmp_path: Path) -> None:
    """GIVEN 解放区 sends two nominations, one of which the office rejects, and a unit outside the
    roster sends one WHEN the workbook's unit sheet and the web's /units page are read
    THEN both show the same units in the same order with the same counts: the rejected one is not counted."""
    (tmp_path / "mailbox").mkdir()
    (tmp_path / "config.toml").write_text(FOLDER_CONFIG + roster_toml(), encoding="utf-8")
    desk = Desk(Service(tmp_path))
    desk.send("某外单位工会", "推荐材料-孙丽", package("孙丽", "某外单位工会", seed=6), sender="wdw@example.com")
    desk.send("解放区总工会", "推荐材料-王建国", package("王建国", "解放区总工会"))
    desk.send("解放区总工会", "推荐材料-李秀梅", package("李秀梅", "解放区总工会", seed=2))
    rejected = desk.service.cli("decide", "JZ2021-003", "--reject", "--note", "重复推荐", "--by", "陈晓杰")
    assert rejected.exit_code == 0, rejected.output
    out = tmp_path / "登记表.xlsx"
    assert desk.service.cli("export", "--format", "xlsx", "-o", str(out)).exit_code == 0
    sheet = [row[:7] for row in load_workbook(out)["各单位情况"].iter_rows(min_row=2, values_only=True)]
    assert sheet == _web_units(desk.service)
    assert sheet[0] == ("解放区总工会", 2, 1, 1, 0, 0, 1) and sheet[-1] == ("某外单位工会", None, 1, 1, 0, 0, None)
