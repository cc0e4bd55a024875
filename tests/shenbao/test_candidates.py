"""Finding a candidate's name in subjects, bodies and file names; which files are current."""

from __future__ import annotations

import pytest

from ingest.quotes import unquoted
from shenbao.intake.candidates import declared_name, folder_names, guessed_name, name_of_path, names_in
from rules.supersede import DUPLICATE, NEW_PHOTO_SET, NEWER_DOCUMENT, SAME_NAME, Item, replaced

UNITS = ["山阳区总工会", "沁阳市总工会", "2021年焦作“最美职工”"]


@pytest.mark.parametrize(("subject", "name"), [
    ("2021年焦作“最美职工”推荐材料-山阳区总工会-王喆", "王喆"),
    ("沁阳-赵志强-推荐材料", "赵志强"),
    ("贾爱华同志先进事迹", "贾爱华"),
    ("推荐表（沈桂兰）", "沈桂兰"),
    ("欧阳娜娜照片", "欧阳娜娜"),
    ("张和平事迹材料", "张和平"),
    ("山阳区推荐材料", ""),
    ("回复：补充照片", ""),
    ("微信图片_20210427", ""),
    ("信用中国截图", ""),
    ("推荐材料：王喆、李秀梅", ""),  # two names: no guess
    ("IMG_0012", ""),
])
def test_a_name_is_guessed_only_where_plainly_written(subject: str, name: str) -> None:
    assert guessed_name(subject, UNITS) == name


@pytest.mark.parametrize(("text", "name"), [
    ("陈老师：候选人：王喆，请查收。", "王喆"),
    ("推荐人选为李秀梅同志", "李秀梅"),
    ("姓名：赵志强", "赵志强"),
    ("姓名性别出生年月", ""),
    ("请问材料收到了吗", ""),
])
def test_a_declared_name_is_read_from_the_words(text: str, name: str) -> None:
    assert declared_name(text) == name


def test_a_known_name_inside_a_longer_one_does_not_count_alone() -> None:
    assert names_in("王建国的照片", ["王建", "王建国", "李四"]) == {"王建国"}
    assert names_in("王建 的照片", ["王建", "王建国"]) == {"王建"}


@pytest.mark.parametrize(("path", "owner"), [
    ("材料.zip/张三/照片1.jpg", "张三"),
    ("材料.zip/张三/李四工作照.jpg", "李四"),  # the file's own name first
    ("材料.zip/照片/IMG_1.jpg", ""),
    ("张三李四合影.jpg", ""),  # two names: nobody
])
def test_a_file_belongs_to_the_name_in_its_name_or_innermost_folder(path: str, owner: str) -> None:
    assert name_of_path(path, ["张三", "李四"]) == owner


def test_archive_folders_name_new_candidates() -> None:
    assert folder_names(["材料.zip/张三/1.jpg", "材料.zip/李四材料/a.docx", "材料.zip/照片/2.jpg"]) == {"张三", "李四"}


def test_quoted_text_below_the_senders_own_words_is_left_out() -> None:
    body = "补发照片。\n\n------------------ 原始邮件 ------------------\n发件人: 焦作市总工会\n候选人：李秀梅"
    assert unquoted(body) == "补发照片。\n"
    assert unquoted("好的\n> 候选人：王喆") == "好的"


def _item(key: int, email: int, role: str, name: str, sha: str = "") -> Item:
    return Item(key, email, role, name, sha or f"sha{key}")


@pytest.mark.parametrize(("items", "expected"), [
    ([_item(1, 0, "form", "a.docx"), _item(2, 1, "form", "b.docx")], {1: (NEWER_DOCUMENT, 2)}),
    ([_item(1, 0, "deeds", "a.docx"), _item(-2, 1, "deeds", "邮件正文", "-")], {1: (NEWER_DOCUMENT, -2)}),
    ([_item(1, 0, "photo", "1.jpg"), _item(2, 1, "photo", "1.JPG")], {1: (SAME_NAME, 2)}),
    ([_item(1, 0, "photo", "1.jpg"), _item(2, 1, "photo", "2.jpg")], {}),
    ([_item(1, 0, "photo", "1.jpg"), _item(2, 0, "photo", "x/1.jpg")], {}),  # one email: both stay
    ([_item(1, 0, "photo", "1.jpg"), _item(2, 0, "photo", "2.jpg"), _item(3, 1, "photo", "a.jpg"),
      _item(4, 1, "photo", "b.jpg")], {1: (NEW_PHOTO_SET, 3), 2: (NEW_PHOTO_SET, 3)}),
    ([_item(1, 0, "photo", "1.jpg", "same"), _item(2, 1, "photo", "2.jpg", "same")], {2: (DUPLICATE, 1)}),
    ([_item(1, 0, "other", "照片1.jpg"), _item(2, 1, "photo", "照片1.jpg")], {1: (SAME_NAME, 2)}),
])
def test_newer_material_replaces_older_as_the_rules_say(items: list[Item], expected: dict[int, tuple[str, int]]) -> None:
    assert {key: (r.reason, r.by) for key, r in replaced(items, photo_set=2).items()} == expected
