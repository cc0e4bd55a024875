"""One table of materials (``rules.materials``): a material registered only there and in the words
of ``templates/`` reaches every consumer through the real intake, judging and exports.

The fixture adds 单位推荐函 the way a maintainer would — a row of the table, its words under the
same keys the four materials of the notice use — but for the test's duration only: the project's
table and templates are not edited.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import rules.materials
from notify.office import labels
from notify.wording import wording
from rules.materials import MATERIALS, Build, Material
from shenbao.config import load_config
from shenbao.office.web_pages import Visitor, nomination_page
from shenbao.samples.build import (
    CST,
    build_email,
    deeds_docx,
    form_docx,
    photo_jpeg,
    screenshot_png,
)
from shenbao.store.db import Store
from tests.shenbao.conftest import FOLDER_CONFIG, Service

LETTER = Material("letter", "letter", Build.FILE, names=("推荐函",))
LETTER_NAME = "单位推荐函"
LETTER_FILE = "单位推荐函（山阳区总工会）.docx"
WITH, WITHOUT = ("王喆", "山阳区总工会"), ("李秀梅", "解放区总工会")
SENT = datetime(2021, 4, 27, 9, 30, tzinfo=CST)
ITEM_KEYS = ["form", "credit", "deeds", "photos"]  # DESIGN.md's items, in its order
TAIL_KEYS = ["other", "cloud_links"]


def _register_letter(patch: pytest.MonkeyPatch) -> None:
    """单位推荐函: a row of the table and its words in templates' tables, until ``patch`` is undone."""
    patch.setattr(rules.materials, "MATERIALS", (*MATERIALS, LETTER))
    problems, office = wording(), labels()
    patch.setitem(problems["roles"], "letter", LETTER_NAME)
    patch.setitem(problems["problems"], "letter.missing",
                  {"text": "未收到单位推荐函。", "hint": "请将加盖公章的单位推荐函扫描或拍照后作为附件发送。"})
    patch.setitem(office["items"], "letter", LETTER_NAME)
    patch.setitem(office["files"], "letter", LETTER_NAME)
    patch.setitem(office["problem"], "letter.missing", "缺单位推荐函")


@pytest.fixture
def letter(monkeypatch: pytest.MonkeyPatch) -> Material:
    _register_letter(monkeypatch)
    return LETTER


def _mail(candidate: str, unit: str, *, with_letter: bool, seed: int) -> bytes:
    attachments = [(f"推荐表-{candidate}.docx", form_docx(candidate, unit)),
                   (f"{candidate}事迹材料.docx", deeds_docx(candidate, 2100)),
                   ("征信查询截图.png", screenshot_png("信用中国", candidate)),
                   *((f"IMG_20{seed}{n}.JPG", photo_jpeg(seed=seed * 10 + n)) for n in range(2))]
    if with_letter:  # a long text: its name, not its length, says what it is
        attachments.append((LETTER_FILE, deeds_docx(candidate, 600)))
    return build_email(from_addr=f"unit{seed}@163.com", from_name=unit, subject=f"{unit}推荐{candidate}",
                       text="附件是推荐材料，请查收。", attachments=attachments, date=SENT)


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Service:
    """Two nominations through the real intake while 单位推荐函 is registered: one with it, one without."""
    root = tmp_path_factory.mktemp("letter")
    (root / "mailbox").mkdir()
    (root / "config.toml").write_text(FOLDER_CONFIG, encoding="utf-8")
    service = Service(root)
    with pytest.MonkeyPatch.context() as patch:
        _register_letter(patch)
        service.deliver("1.eml", _mail(*WITH, with_letter=True, seed=1), SENT)
        service.deliver("2.eml", _mail(*WITHOUT, with_letter=False, seed=2), SENT)
        service.run_once()
    return service


def _by_candidate(service: Service) -> dict[str, dict[str, Any]]:
    return {row["candidate"]: row for row in service.export()["submissions"]}


def _reply_text(service: Service, candidate: str) -> str:
    texts = [m.get_body(("plain",)).get_content() for m in service.replies()]  # type: ignore[union-attr]
    return next(text for text in texts if candidate in text)


def test_the_project_table_keeps_the_export_items_of_the_design(judged: Service) -> None:
    """GIVEN the project's own table WHEN the register is exported THEN ``items`` has DESIGN.md's keys
    in order, and a file of a material no longer in the table is one of the other files."""
    rows = _by_candidate(judged)
    assert all(list(row["items"]) == ITEM_KEYS + TAIL_KEYS for row in rows.values())
    assert [f["file"] for f in rows[WITH[0]]["items"]["other"]] == [LETTER_FILE]


def test_a_registered_material_is_recognised_judged_and_exported(letter: Material, judged: Service) -> None:
    """GIVEN 单位推荐函 in the table WHEN two nominations arrive, one with it THEN the file is that
    material (not the deeds, though long), the other nomination lacks it, and the JSON says so."""
    rows = _by_candidate(judged)
    have, lack = rows[WITH[0]], rows[WITHOUT[0]]
    assert list(have["items"]) == [*ITEM_KEYS, "letter", *TAIL_KEYS]
    assert have["items"]["letter"] == {"present": True, "files": [LETTER_FILE]}
    assert have["items"]["deeds"]["source"] == f"{WITH[0]}事迹材料.docx"
    assert (have["status"], have["problems"]) == ("complete", [])
    assert lack["items"]["letter"] == {"present": False, "files": []}
    assert (lack["status"], lack["problems"]) == ("incomplete", ["letter.missing"])


def test_a_registered_material_is_in_the_replies(letter: Material, judged: Service) -> None:
    """THEN the sender who sent it sees it listed under its name; the other is asked for it."""
    assert f"✓ {LETTER_NAME}：{LETTER_FILE}" in _reply_text(judged, WITH[0])
    lacking = _reply_text(judged, WITHOUT[0])
    assert "未收到单位推荐函。" in lacking and "请将加盖公章的单位推荐函" in lacking


def test_a_registered_material_is_in_show_and_the_digest(letter: Material, judged: Service) -> None:
    """THEN ``show`` lists the file under its name; the digest's checklist of the nomination still
    to complete has the item, and its problems name it."""
    ref = _by_candidate(judged)[WITH[0]]["id"]
    shown = judged.cli("show", ref)
    assert shown.exit_code == 0 and f"{LETTER_NAME}：{LETTER_FILE}" in shown.output
    digest = judged.cli("digest", "--print", "--html")
    assert digest.exit_code == 0
    assert f"✗{LETTER_NAME}（未收到）" in digest.output and "✓工作生活照（2张）" in digest.output
    assert "未收到单位推荐函。" in judged.cli("digest", "--print").output


def test_a_registered_material_is_in_the_web_view(letter: Material, judged: Service) -> None:
    """THEN the nomination page names the file's role and the checklist item; it is no picture."""
    config = load_config(judged.config)
    ref = _by_candidate(judged)[WITH[0]]["id"]
    page = nomination_page(Store(config.database_url, config.data_dir), config, Visitor("陈晓杰", False, "", False), ref)
    assert page is not None
    checklist = f'<td class="ok">✓</td><td>{LETTER_NAME}</td><td>{LETTER_FILE}</td>'
    assert checklist in page and f'<td data-label="类别">{LETTER_NAME}</td>' in page
    pictures = page.split("<h2>照片与征信截图", 1)[1].split("</section>", 1)[0]
    assert LETTER_FILE not in pictures


def test_a_registered_material_is_in_the_materials_folder_and_the_csv(letter: Material, judged: Service,
                                                                      tmp_path: Path) -> None:
    """THEN ``export --materials`` names the file by the material and the CSV has its checklist column."""
    out = tmp_path / "评审材料"
    assert judged.cli("export", "--materials", str(out)).exit_code == 0
    assert (out / WITH[1] / WITH[0] / f"{LETTER_NAME}.docx").is_file()
    assert not list((out / WITHOUT[1] / WITHOUT[0]).glob(f"{LETTER_NAME}*"))
    exported = judged.cli("export", "--format", "csv")
    rows = {row["候选人"]: row for row in csv.DictReader(io.StringIO(exported.output.lstrip("\ufeff")))}
    assert rows[WITH[0]][LETTER_NAME] == f"✓ {LETTER_FILE}"
    assert rows[WITHOUT[0]][LETTER_NAME] == "✗ 未收到"
