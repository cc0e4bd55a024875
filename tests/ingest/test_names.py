"""Attachment names are attacker-controlled: they come out as one safe, NFC-normalised component."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.names import MAX_NAME_BYTES, MAX_NAME_CHARS, safe_filename


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
        ("照片\x9b31m.jpg", "照片_31m.jpg"),  # a C1 control (CSI) is no more welcome than ESC
        ("CON", "CON_"),
        ("nul.txt", "nul_.txt"),
        ("COM1.tar.gz", "COM1_.tar.gz"),
        ("Lpt9 .docx", "Lpt9_.docx"),
        ("CONTENT.txt", "CONTENT.txt"),
        ("事迹. .docx", "事迹.docx"),
    ],
)
def test_names_are_reduced_to_one_safe_component(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def test_decomposed_names_are_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "café.jpg")
    assert safe_filename(decomposed) == unicodedata.normalize("NFC", "café.jpg")


@pytest.mark.parametrize("char", ["长", "a", "😀", "é"], ids=["cjk", "ascii", "emoji", "latin"])
def test_long_names_are_capped_in_bytes_on_a_character_boundary(char: str) -> None:
    """GIVEN a name of 300 characters of 1 to 4 UTF-8 bytes each WHEN made safe
    THEN it fits the cap in characters and in bytes (file systems count bytes), keeps its extension
    and is whole characters of the original."""
    name = safe_filename(char * 300 + ".docx")
    assert len(name) <= MAX_NAME_CHARS and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith(".docx") and set(name.removesuffix(".docx")) == {char}
    assert len(name.encode("utf-8")) > MAX_NAME_BYTES - 4 or len(name) == MAX_NAME_CHARS  # cut no shorter than needed
