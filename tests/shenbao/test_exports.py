"""The office's exports: the Excel register (openpyxl reads it back) and the materials folder."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rules.facts import DeedsFacts, FormFacts, NominationFacts, PhotoFacts, Problem, ScreenshotFacts
from shenbao.config import load_config
from shenbao.register.bulk import LightFile
from shenbao.store.brief import Brief
from shenbao.office.overview import nomination_views
from notify.workbook import CSV_HEADER, EMAIL_HEADER, NOMINATION_HEADER, UNIT_HEADER, people_csv
from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, nomination_email, photo_jpeg, photo_png, screenshot_png
from shenbao.store.db import Store
from shenbao.office.paper import PAPER_HEADER
from tests.shenbao.conftest import FOLDER_CONFIG, Service


def filled(root: Path) -> Service:
    (root / "mailbox").mkdir()
    (root / "config.toml").write_text(FOLDER_CONFIG, encoding="utf-8")
    service = Service(root)
    service.deliver("1.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"),
                    datetime(2021, 4, 26, 10, 2, tzinfo=CST))
    service.deliver("2.eml", nomination_email("small_photos", unit="山阳区总工会", candidate="李秀梅"),
                    datetime(2021, 4, 27, 15, 40, tzinfo=CST))
    service.deliver("3.eml", nomination_email("deeds_in_body", unit="孟州市总工会", candidate="刘红霞"),
                    datetime(2021, 4, 28, 9, 0, tzinfo=CST))
    odd = build_email(from_addr="x@example.com", from_name="../../etc", subject='=HYPERLINK("http://evil")',
                      text="附件", attachments=[("推荐表.docx", form_docx("赵六", "")),
                                               ("事迹.docx", deeds_docx("赵六")), ("a.jpg", photo_png(seed=1)),
                                               ("b.jpg", photo_jpeg(seed=2)), ("征信.png", screenshot_png("信用中国", "赵六")),
                                               ("readme.txt", "说明".encode())],
                      date=datetime(2021, 4, 29, 9, 0, tzinfo=CST))
    service.deliver("4.eml", odd, datetime(2021, 4, 29, 9, 0, tzinfo=CST))
    service.run_once()
    return service


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Service:
    return filled(tmp_path_factory.mktemp("register"))


@pytest.fixture(scope="module")
def workbook(register: Service, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "登记表.xlsx"
    result = register.cli("export", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_the_workbook_has_a_nomination_sheet_and_an_email_sheet_with_the_right_rows(workbook: Path) -> None:
    book = load_workbook(workbook)
    assert book.sheetnames == ["推荐人选", "各单位情况", "来信记录"]
    nominations, units, emails = book.worksheets
    assert [list(r) for r in units.iter_rows(max_row=1, values_only=True)] == [UNIT_HEADER]
    rows = list(nominations.iter_rows(values_only=True))
    assert list(rows[0]) == NOMINATION_HEADER + [PAPER_HEADER]  # paper copies last (shenbao.paper)
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        ("JZ2021-001", "解放区总工会", "王建国", "材料齐全"), ("JZ2021-002", "山阳区总工会", "李秀梅", "待补充"),
        ("JZ2021-003", "孟州市总工会", "刘红霞", "材料齐全"), ("JZ2021-004", "../../etc", "赵六", "待补充")]
    assert [list(r) for r in emails.iter_rows(max_row=1, values_only=True)] == [EMAIL_HEADER]
    assert emails.max_row == 5


def test_each_item_and_each_problem_is_spelled_out_in_chinese(workbook: Path) -> None:
    sheet = load_workbook(workbook).worksheets[0]
    header = NOMINATION_HEADER
    small = {name: sheet.cell(row=3, column=header.index(name) + 1).value for name in header}
    assert small["推荐表"].startswith("✓ ") and small["事迹材料"] == "✓ 2100字"
    assert small["工作生活照"] == "✗ 3张"
    assert "小于要求的2MB，需要2MB以上的原图" in small["需补充或更正"]
    assert small["最近回复"].endswith("补充材料清单（已发送）")
    assert re.match(r"\d{4}年\d{1,2}月\d{1,2}日\d\d:\d\d ", small["最近回复"])  # dates with the year
    assert sheet.cell(row=4, column=header.index("事迹材料") + 1).value.startswith("✓ ")  # pasted into the body
    assert isinstance(small["首次收到"], datetime) and small["首次收到"] == datetime(2021, 4, 27, 15, 40)  # noqa: DTZ001 - Excel holds naive local times


def test_the_sheets_have_frozen_headers_filters_and_fitted_widths(workbook: Path) -> None:
    for sheet, freeze in zip(load_workbook(workbook).worksheets, ["D2", "B2", "A2"], strict=True):
        assert sheet.freeze_panes == freeze
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}{sheet.max_row}"
        # the file holds the width Excel shows plus its 5-pixel cell padding (0.71 of a character)
        widths = [round(sheet.column_dimensions[c.column_letter].width - 0.71, 1) for c in sheet[1]]
        assert all(6 <= w <= 60 for w in widths) and len(set(widths)) > 3


def test_text_from_mail_is_never_a_formula(workbook: Path) -> None:
    emails = load_workbook(workbook)["来信记录"]
    [cell] = [c for c in emails["D"] if str(c.value).startswith("=HYPERLINK")]
    assert cell.data_type == "s"


def test_materials_are_laid_out_by_unit_and_candidate_with_normalised_names(register: Service, tmp_path: Path) -> None:
    out = tmp_path / "评审材料"
    result = register.cli("export", "--materials", str(out))
    assert result.exit_code == 0 and "of 4 nomination(s) copied into" in result.output
    tree = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != ".shenbao-materials")
    first = [p for p in tree if p.startswith("解放区总工会/王建国/")]
    assert first == sorted(f"解放区总工会/王建国/{n}" for n in
                           ["事迹材料.docx", "推荐表.docx", "照片1.jpg", "照片2.jpg", "照片3.jpg", "征信截图1.png", "征信截图2.png"])
    assert "孟州市总工会/刘红霞/事迹材料（邮件正文）.txt" in tree
    odd = sorted(p.split("/", 2)[2] for p in tree if p.startswith("etc/赵六/") or p.startswith(".._.._etc/赵六/"))
    assert odd == sorted(["事迹材料.docx", "其他附件/readme.txt", "推荐表.docx", "照片1.png", "照片2.jpg", "征信截图1.png"])
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    source = register.root / "var" / "data"
    assert (out / "解放区总工会/王建国/照片1.jpg").read_bytes() in [p.read_bytes() for p in source.rglob("*.jpg")]


def test_a_second_materials_export_replaces_the_first_and_a_foreign_folder_is_refused(register: Service,
                                                                                     tmp_path: Path) -> None:
    out = tmp_path / "materials"
    register.cli("export", "--materials", str(out))
    stale = out / "解放区总工会" / "王建国" / "照片9.jpg"
    stale.write_bytes(b"old")
    assert register.cli("export", "--materials", str(out)).exit_code == 0
    assert not stale.exists() and (out / "解放区总工会" / "王建国" / "照片1.jpg").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    result = register.cli("export", "--materials", str(foreign))
    assert result.exit_code == 2 and "not empty and is not an earlier materials export" in result.output
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    shutil.rmtree(out)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize(("lead", "address", "sender"), [
    ("=", "=2+5@example.com", "'=2+5@example.com"), ("+", "+2+5@example.com", "'+2+5@example.com"),
    ("-", "-2+5@example.com", "'-2+5@example.com"), ("@", "unit@example.com", "unit@example.com"),
])
def test_csv_cells_from_mail_that_would_be_formulas_are_quoted_as_text(service: Service, lead: str, address: str,
                                                                        sender: str) -> None:
    when = datetime(2021, 4, 26, 10, 0, tzinfo=CST)
    raw = build_email(from_addr=address, from_name="某单位", subject="推荐材料", text="见附件",
                      attachments=[("推荐表.docx", form_docx(f"{lead}1+1", f"{lead}cmd|'/C calc'!A0")),
                                   ("事迹.docx", deeds_docx("王五"))], date=when)
    service.deliver("1.eml", raw, when)
    service.run_once()
    [row] = _csv_rows(service.cli("export", "--format", "csv").output)
    assert (row["候选人"], row["发件邮箱"], row["推荐单位"]) == (f"'{lead}1+1", sender, f"'{lead}cmd|'/Ccalc'!A0")
    assert (row["编号"], row["事迹材料"], row["首次收到"]) == ("JZ2021-001", "✓ 2100字", "2021-04-26 10:00")
    [exported] = service.export()["submissions"]
    assert exported["candidate"] == f"{lead}1+1"  # JSON keeps the value as it came


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_text_cell_of_the_csv_is_guarded_whatever_column_it_is_in(register: Service, lead: str) -> None:
    config = load_config(register.config)
    with Store(config.database_url, config.data_dir).session() as s:
        views = [replace(v, unit=f"{lead}A", candidate=f"{lead}B", sender=f"{lead}C") for v in nomination_views(s, config)]
    rows = _csv_rows(people_csv(views, config.campaign.timezone))
    assert len(rows) == len(views) == 4
    # a tab or carriage return from a mail header is shown as a space (safetext): nothing left to guard
    shown = " " if lead in "\t\r" else f"'{lead}"
    assert all((r["推荐单位"], r["候选人"], r["发件邮箱"]) == (f"{shown}A", f"{shown}B", f"{shown}C") for r in rows)
    assert all(r["邮件数"].isdigit() for r in rows)  # numbers stay numbers


def test_the_csv_is_for_people_chinese_headers_statuses_and_wording_with_the_codes_last(register: Service) -> None:
    text = register.cli("export", "--format", "csv").output
    assert text.startswith("\ufeff编号,推荐单位,候选人,状态,办公室决定,自动核对,")
    rows = _csv_rows(text)
    assert list(rows[0]) == CSV_HEADER and CSV_HEADER[-1] == "问题代码"
    small = rows[1]
    assert (small["候选人"], small["状态"], small["自动核对"]) == ("李秀梅", "待补充", "待补充")
    assert "小于要求的2MB" in small["需补充或更正"] and small["问题代码"] == "photos.too_small"
    assert {r["状态"] for r in rows} == {"材料齐全", "待补充"}


def _reached(value: object, seen: set[int]) -> Iterator[object]:
    """``value`` and everything its dataclass fields and containers hold, each once."""
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if is_dataclass(value) and not isinstance(value, type):
        children: list[object] = [getattr(value, f.name) for f in fields(value)]
    elif isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    else:
        children = list(value) if isinstance(value, (list, tuple, set, frozenset)) else []
    for child in children:
        yield from _reached(child, seen)


def test_a_nomination_view_holds_only_what_is_printed_not_the_facts_nor_the_problems_details(register: Service) -> None:
    """GIVEN a register whose nominations have deeds texts of 2100 characters, photos, screenshots and
    problems with details (the small photos' names and sizes)
    WHEN the office views are built (what the workbook, the CSV, the digest and the web print)
    THEN no view holds a nomination's facts, a problem's details, a file's brief or a long text:
    only the last 推荐表 (its fields are printed) and the problems as rendered lines."""
    config = load_config(register.config)
    with Store(config.database_url, config.data_dir).session() as s:
        views = nomination_views(s, config)
    reached = list(_reached(views, set()))
    kinds = {type(value) for value in reached}
    assert len(views) == 4 and any(view.lines for view in views)
    assert not kinds & {NominationFacts, Problem, Brief, LightFile, DeedsFacts, PhotoFacts, ScreenshotFacts}
    assert FormFacts in kinds and all(view.form is None or view.form.fields for view in views)
    assert max(len(value) for value in reached if isinstance(value, str)) < 1000  # no deeds text, no OCR text
