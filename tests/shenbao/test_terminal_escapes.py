"""Terminal escapes and bidi overrides from a sender's headers reach no terminal, sheet or page;
invisible characters never count as deeds text."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shenbao.samples.build import CST, build_email
from tests.shenbao.conftest import Service
from tests.shenbao.test_long_names import _get
from tests.shenbao.unitmail import package, with_from

AT = datetime(2021, 4, 26, 10, 0, tzinfo=CST)
OSC52 = "\x1b]52;c;" + base64.b64encode(b"rm -rf ~").decode() + "\x07"  # writes the terminal's clipboard
HOSTILE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


@pytest.fixture
def hostile(service: Service) -> Service:
    """A nomination whose display name carries OSC 52 and a CSI, and whose subject an RTL override."""
    raw = build_email(from_addr="x@example.com", from_name="x", subject="推荐材料", text="附件是推荐材料。",
                      attachments=package("王喆", "山阳区总工会"), date=AT)
    raw = with_from(raw, f"{_word('山阳' + OSC52 + '区' + chr(0x9b) + '31m')} <syq@example.com>")
    raw = raw.replace(b"Subject: ", b"Subject: " + _word("推荐\u202egpj.exe 王喆 \x1b[2J").encode() + b" ", 1)
    service.deliver("1.eml", raw, AT)
    service.run_once()
    return service


@pytest.mark.parametrize("command", [("show", "JZ2021-001"), ("digest", "--print"), ("digest", "--print", "--html"),
                                     ("export", "--format", "csv"), ("export", "--format", "json")])
def test_no_control_or_bidi_override_reaches_the_terminal(hostile: Service, command: tuple[str, ...]) -> None:
    result = hostile.cli(*command)
    assert result.exit_code == 0, result.output
    assert "王喆" in result.output
    assert HOSTILE.findall(result.output.replace("\r\n", "\n")) == []


def test_no_control_or_bidi_override_reaches_the_workbook_or_the_web_view(hostile: Service, tmp_path: Path) -> None:
    assert hostile.cli("export", "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")).exit_code == 0
    cells = [str(c.value) for sheet in load_workbook(tmp_path / "r.xlsx") for row in sheet.iter_rows() for c in row
             if c.value is not None]
    assert any("gpj.exe" in cell for cell in cells)
    assert [cell for cell in cells if HOSTILE.search(cell.replace("\n", ""))] == []
    for path in ("/", "/emails", "/n/JZ2021-001"):
        status, body = _get(hostile, path)
        assert status == "200 OK" and HOSTILE.findall(body.decode().replace("\n", "")) == []


@pytest.mark.parametrize("padding", ["\x00", "\u200b", "\ufeff"], ids=["nul", "zero-width-space", "bom"])
def test_invisible_characters_are_not_deeds_text(service: Service, padding: str) -> None:
    """GIVEN a body of a short note padded with 3000 invisible characters WHEN judged
    THEN the body is a covering note, not deeds text (deeds.missing)."""
    raw = build_email(from_addr="syqzgh@163.com", from_name="山阳区总工会", subject="推荐材料-王喆",
                      text="王喆同志的事迹如下。" + padding * 3000,
                      attachments=[a for a in package("王喆", "山阳区总工会") if "事迹" not in a[0]], date=AT)
    service.deliver("1.eml", raw, AT)
    service.run_once()
    [sub] = service.export()["submissions"]
    assert "deeds.missing" in sub["problems"] and sub["items"]["deeds"]["chars"] == 0
