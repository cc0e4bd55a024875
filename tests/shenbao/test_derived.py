"""The raw mail is the one stored copy: attachments are written to data_dir from it when first read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from shenbao.config import load_config
from shenbao.store.derived import file_bytes
from shenbao.store.models import Email, StoredFile
from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, photo_jpeg, screenshot_png
from shenbao.store.db import Store
from tests.formats.builders import gbk_zip
from tests.shenbao.conftest import Service

NAME, UNIT = "李红", "解放区总工会"
PHOTO = photo_jpeg(seed=3)


def _deliver(service: Service) -> Store:
    files = [(f"推荐表-{NAME}.docx", form_docx(NAME, UNIT)), ("征信截图.png", screenshot_png("信用中国", NAME)),
             ("IMG_0001.JPG", PHOTO), ("材料.zip", gbk_zip({f"{NAME}事迹材料.docx": deeds_docx(NAME, 2100)}))]
    raw = build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject=f"推荐{NAME}", text="见附件",
                      attachments=files)
    service.deliver("1.eml", raw, datetime(2021, 4, 27, 9, 30, tzinfo=CST))
    service.run_once()
    config = load_config(service.config)
    return Store(config.database_url, config.data_dir)


def _row(store: Store, suffix: str) -> StoredFile:
    with store.session() as s:
        return next(r for r in s.exec(select(StoredFile)) if r.filename.endswith(suffix))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "emptied": lambda p: p.write_bytes(b""),
    "zeroed": lambda p: p.write_bytes(b"\x00" * p.stat().st_size),
    "cut short": lambda p: p.write_bytes(p.read_bytes()[:1000]),
    "missing": lambda p: p.unlink(),
}


def test_intake_writes_no_attachment_and_the_first_read_writes_every_file_of_the_mail(service: Service) -> None:
    store = _deliver(service)
    with store.session() as s:
        rows = [r for r in s.exec(select(StoredFile)) if r.path]
    assert len(rows) >= 5 and not any(store.path(r.path).exists() for r in rows)
    assert file_bytes(store, _row(store, "IMG_0001.JPG")) == PHOTO
    assert all(hashlib.sha256(store.path(r.path).read_bytes()).hexdigest() == r.sha256 for r in rows)


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
@pytest.mark.parametrize("suffix", ["IMG_0001.JPG", "事迹材料.docx"], ids=["attachment", "archive member"])
def test_damaged_file_is_made_again_from_its_raw_mail(service: Service, damage: Callable[[Path], None],
                                                      suffix: str) -> None:
    store = _deliver(service)
    row = _row(store, suffix)
    intact = file_bytes(store, row)
    assert intact is not None and hashlib.sha256(intact).hexdigest() == row.sha256
    damage(store.path(row.path))
    assert file_bytes(store, row) == intact
    assert store.path(row.path).read_bytes() == intact  # written again


def test_file_lost_with_its_raw_mail_is_none(service: Service) -> None:
    store = _deliver(service)
    row = _row(store, "IMG_0001.JPG")
    with store.session() as s:
        email = s.exec(select(Email)).one()
    store.path(email.raw_path).unlink()
    assert file_bytes(store, row) is None


def test_materials_export_copies_the_files_from_the_raw_mail(service: Service, tmp_path: Path) -> None:
    _deliver(service)
    result = service.cli("export", "--materials", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    copied = [p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix.lower() == ".jpg"]
    assert copied == [PHOTO]
