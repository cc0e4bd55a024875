"""The 7-bit ISO-2022 decoders of ingest.charsets_iso2022 as registered codecs: what Japanese and
Chinese clients really send (NEC/IBM extensions, half-width kana by escape and by SO, GB 2312 after
SO, a designation ending with the line), and what a bad byte becomes under each error mode."""

from __future__ import annotations

import pytest

import ingest.charsets_iso2022  # noqa: F401 - registers the codecs
from ingest.charsets_iso2022 import CP50220, ISO2022_CN, double_byte_mask

JP = [
    (b"plain ascii", "plain ascii"),
    ("推薦書を送ります".encode("iso2022_jp"), "推薦書を送ります"),
    (b"\x1b$B-!-\"\x1b(B", "①②"),  # NEC row 13, refused by Python's iso2022_jp
    (b"\x1b$By!\x1b(B", "纊"),  # the first NEC-selected IBM extension (row 89)
    (b"\x1b(I1\x1b(B", "ｱ"),  # half-width katakana by escape
    (b"\x0e1\x0fA", "ｱA"),  # ... and by SO/SI
    (b"\x1b$(D\"/\x1b(B", "˘"),  # JIS X 0212
    (b"\x1b&@\x1b$B0!\x1b(B", "亜"),  # the 1990 announcement before ESC $ B changes nothing
    (b"\x1b$B0!\n0!", "亜\n0!"),  # a line end ends the designation
]
CN = [
    (b"\x1b$)A\x0eMF<v1m\x0f.docx", "推荐表.docx"),
    (b"\x1b$)A\x0eMF\x0fA\x0e<v\x0f", "推A荐"),  # the designation holds across SI/SO
    (b"\x1b$)A\x0eMF\n\x0eMF", "推\n\ufffd"),  # ... but not across a line end
]
BAD = [
    (CP50220, b"a\x1b%Gb"),  # an unknown escape
    (CP50220, b"a\x80b"),  # an 8-bit byte
    (CP50220, b"\x1b$B\x7f\x7f\x1b(B"),  # no such double-byte character
    (ISO2022_CN, b"\x1b$*H\x1bN!!"),  # a CNS 11643 plane 2 character: no codec here
    (ISO2022_CN, b"\x1b$)G\x0e!!\x0f"),  # CNS 11643 plane 1
]


@pytest.mark.parametrize(("data", "text"), JP)
def test_iso_2022_jp_is_read_as_cp50220(data: bytes, text: str) -> None:
    assert data.decode(CP50220) == text


@pytest.mark.parametrize(("data", "text"), CN)
def test_iso_2022_cn_gb2312_is_read(data: bytes, text: str) -> None:
    assert data.decode(ISO2022_CN, "replace") == text


@pytest.mark.parametrize(("codec", "data"), BAD)
def test_a_bad_byte_raises_when_strict_and_is_replaced_or_dropped_otherwise(codec: str, data: bytes) -> None:
    with pytest.raises(UnicodeDecodeError):
        data.decode(codec)
    replaced, ignored = data.decode(codec, "replace"), data.decode(codec, "ignore")
    assert "\ufffd" in replaced and "\ufffd" not in ignored
    assert len(ignored) < len(replaced)


def test_double_byte_runs_of_a_raw_header_value_are_masked() -> None:
    value = '"\x1b$B;qNA\x1b(B;x"'
    mask = double_byte_mask(value)
    assert [c for c, m in zip(value, mask) if m and c in ';"\\'] == [";"]
    assert not any(m for c, m in zip(value, mask) if c == '"') and mask[-3:] == [False] * 3
