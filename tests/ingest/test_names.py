"""Attachment names are attacker-controlled: they come out as one safe, NFC-normalised component."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.names import MAX_NAME_CHARS, safe_filename


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("工作照1.jpg", "工作照1.jpg"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/推荐表.docx", "推荐表.docx"),
        ("C:\\Users\\a\\事迹.docx", "事迹.docx"),
        ("evil\x00name\r\n.jpg", "evil_name__.jpg"),
        ("..", "附件"),
        ("", "附件"),
        (".hidden", "hidden"),
        ("a\u202egpj.exe", "a_gpj.exe"),
    ],
)
def test_names_are_reduced_to_one_safe_component(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def test_decomposed_names_are_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "café.jpg")
    assert safe_filename(decomposed) == unicodedata.normalize("NFC", "café.jpg")


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("长" * 300 + ".docx")
    assert len(name) == MAX_NAME_CHARS and name.endswith(".docx")
