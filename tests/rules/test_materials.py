"""rules.materials: the one table of materials, and how the rules read a material registered in it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import rules.materials
from rules.codes import CODES, is_blocking
from rules.config import Campaign, Rules
from rules.evaluate import evaluate
from rules.facts import MaterialFile, NominationFacts
from rules.materials import (
    MATERIALS,
    Build,
    Material,
    built,
    is_picture,
    named,
    of_role,
    roles,
    table,
)
from rules.supersede import Item, replaced

LETTER = Material("letter", "letter", Build.FILE, names=("推荐函",))
RECEIVED = datetime(2021, 4, 27, 9, 30, tzinfo=timezone(timedelta(hours=8)))


def test_the_table_holds_the_notices_four_materials_in_the_checklists_order() -> None:
    assert [(m.role, m.item, m.build) for m in table()] == [
        ("form", "form", Build.FORM), ("screenshot", "credit", Build.SCREENSHOT),
        ("deeds", "deeds", Build.TEXT), ("photo", "photos", Build.PICTURE)]
    assert [m.role for m in table() if m.picture] == ["screenshot", "photo"]
    assert (is_picture("photo"), is_picture("deeds"), is_picture("other"), of_role("other")) == (True, False, False, None)
    assert named() == () and built(Build.FILE) == ()  # the four are recognised and checked by their own code


def test_every_material_missing_code_of_the_four_is_a_known_code() -> None:
    assert all(f"{m.item}.missing" in CODES for m in table())


@pytest.fixture
def letter(monkeypatch: pytest.MonkeyPatch) -> Material:
    monkeypatch.setattr(rules.materials, "MATERIALS", (*MATERIALS, LETTER))
    return LETTER


@pytest.mark.parametrize(("files", "codes"), [
    ((), ["letter.missing"]),
    ((MaterialFile("letter", "单位推荐函.pdf"),), []),
    ((MaterialFile("other", "单位推荐函.pdf"),), ["letter.missing"]),  # only a file of its role counts
])
def test_a_registered_material_without_a_check_of_its_own_must_be_present(
        letter: Material, files: tuple[MaterialFile, ...], codes: list[str]) -> None:
    facts = NominationFacts("王喆", "山阳区总工会", RECEIVED, files=files)
    found = [code for code in evaluate(facts, Rules(), Campaign()).codes if code.startswith("letter.")]
    assert found == codes
    assert letter.role in roles() and named() == (("letter", ("推荐函",)),)


def test_a_registered_materials_missing_code_blocks_and_an_unknown_code_still_fails(letter: Material) -> None:
    assert is_blocking("letter.missing")
    with pytest.raises(KeyError):
        is_blocking("stamp.missing")


def test_files_of_a_registered_material_accumulate_as_other_files_do(letter: Material) -> None:
    items = [Item(1, 0, "letter", "推荐函.pdf", "a"), Item(2, 1, "letter", "推荐函.pdf", "b"),
             Item(3, 1, "letter", "推荐函（附件）.pdf", "c")]
    assert {key: gone.by for key, gone in replaced(items, 2).items()} == {1: 2}  # the same name replaced, no more
