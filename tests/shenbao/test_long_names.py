"""Names become paths capped in UTF-8 bytes: long Chinese unit, candidate and file names, Windows names."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from shenbao.config import load_config
from shenbao.store.models import StoredFile
from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, small_photo_jpeg
from shenbao.store.db import Store
from shenbao.office.web import make_app
from tests.shenbao.conftest import Service

ON_TIME = datetime(2021, 4, 27, 9, 30, tzinfo=CST)
LONG_UNIT = "焦作市" + "某某某某集团有限责任公司" * 9 + "工会委员会"  # 116 characters, 348 bytes
LONG_FILE = "王喆同志" + "在平凡岗位上做出不平凡贡献的" * 7 + "工作照.jpg"  # 109 characters, 327 bytes


def _deliver(service: Service, unit: str, files: list[tuple[str, bytes]], name: str = "1.eml") -> None:
    raw = build_email(from_addr="someone@example.com", from_name=unit, subject="推荐材料-王喆", text="附件是推荐材料。",
                      attachments=[("推荐表.docx", form_docx("王喆", unit)), *files], date=ON_TIME)
    service.deliver(name, raw, ON_TIME)


def _get(service: Service, path: str) -> tuple[str, bytes]:
    config = load_config(service.config)
    answer: dict[str, Any] = {}
    app = make_app(Store(config.database_url, config.data_dir), config, "127.0.0.1")
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_HOST": "127.0.0.1"},
                        lambda status, headers: answer.update(status=status)))
    return answer["status"], body


def test_a_long_chinese_unit_and_file_name_export_and_download(service: Service, tmp_path: Path) -> None:
    """GIVEN a nomination whose unit (from its form and sender name) and photo name are over 300 bytes
    WHEN the materials are exported and the photo is downloaded from the web view
    THEN the export exits 0 with every file, each path component at most 255 bytes, and the download is 200."""
    photo = small_photo_jpeg(20_000, seed=1, size=(320, 240))
    _deliver(service, LONG_UNIT, [(LONG_FILE, photo), ("事迹.docx", deeds_docx("王喆", 2100))])
    service.run_once()
    result = service.cli("export", "--materials", str(tmp_path / "评审材料"))
    assert result.exit_code == 0, result.output
    written = [p for p in (tmp_path / "评审材料").rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"推荐表.docx", "事迹材料.docx", "照片1.jpg"}
    assert all(len(part.encode()) <= 255 for p in written for part in p.relative_to(tmp_path).parts)
    with Store(load_config(service.config).database_url, load_config(service.config).data_dir).session() as s:
        row = s.exec(select(StoredFile).where(StoredFile.role == "photo")).one()
    status, body = _get(service, f"/file/{row.id}")
    assert (status, body) == ("200 OK", photo)


@pytest.mark.parametrize("unit", ["CON", "nul", "Com1"])
def test_materials_folders_with_windows_reserved_names_get_a_suffix(service: Service, tmp_path: Path,
                                                                       unit: str) -> None:
    """GIVEN a nomination whose unit is a name Windows reserves WHEN the materials are exported
    THEN its folder is that name with "_" appended (Windows could not open it otherwise)."""
    _deliver(service, unit, [])
    service.run_once()
    assert service.cli("export", "--materials", str(tmp_path / "out")).exit_code == 0
    assert [p.name for p in (tmp_path / "out").iterdir() if p.is_dir()] == [f"{unit}_"]


def test_a_place_named_before_names_were_capped_in_bytes_is_served_from_the_raw_mail(service: Service,
                                                                                    tmp_path: Path) -> None:
    """GIVEN a register whose photo's place was named before the byte cap (a 327-byte component)
    WHEN the photo is downloaded and the materials exported THEN both work, from the raw mail."""
    photo = small_photo_jpeg(20_000, seed=2, size=(320, 240))
    _deliver(service, "山阳区总工会", [("照片.jpg", photo)])
    service.run_once()
    config = load_config(service.config)
    with Store(config.database_url, config.data_dir).session() as s:
        row = s.exec(select(StoredFile).where(StoredFile.role == "photo")).one()
        row.path = f"files/{row.sha256[:2]}/{row.sha256}/{LONG_FILE}"
        s.add(row)
        s.commit()
        file_id = row.id
    assert _get(service, f"/file/{file_id}") == ("200 OK", photo)
    result = service.cli("export", "--materials", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "山阳区总工会" / "王喆" / "照片1.jpg").read_bytes() == photo
