"""Through the service: OCR verdicts on real mails, kept by file hash (reevaluate never reads a picture
again), recycled photos across nominations, what the reply, `show` and the web view quote."""

from __future__ import annotations

import io
import logging
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

import ingest.ocr
import shenbao.service.pipeline
import shenbao.store.ocr
from ingest.budget import InProcess
from ingest.limits import Limits
from ingest.parse import parse_mail
from shenbao.config import load_config
from shenbao.intake.prepare import ocr_prepared, prepare_mail, read_files
from shenbao.office.web_pages import Visitor, nomination_page
from shenbao.samples.build import CST, build_email, deeds_docx, form_docx, photo_jpeg, screenshot_png
from shenbao.store.db import Store
from shenbao.samples.pages import credit_page, encoded
from tests.formats.screens import form_pdf, form_photo
from tests.shenbao.conftest import Service

SENT = datetime(2021, 4, 26, 10, 0, tzinfo=CST)


def _mail(unit: str, address: str, candidate: str, shown: str, photos: list[bytes]) -> bytes:
    files = [("推荐表.docx", form_docx(candidate, unit)), ("事迹材料.docx", deeds_docx(candidate)),
             ("征信截图.png", screenshot_png("信用中国", shown))]
    files += [(f"照片{n}.jpg", data) for n, data in enumerate(photos, start=1)]
    return build_email(from_addr=address, from_name=unit, subject=f"推荐材料-{unit}-{candidate}", text="请查收。",
                       html="<p>请查收。</p>", attachments=files, date=SENT)


def _resized(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.resize((2800, 1867)).save(out, "JPEG", quality=95)
    return out.getvalue()


def _body(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.get_body(("plain",)).get_content())


def test_credit_and_recycled_photos_through_the_service(ocr_service: Service) -> None:
    """GIVEN two units' mails, the second's screenshot showing another name and one photo the first's
    resized copy WHEN processed, then re-evaluated THEN credit.name_mismatch and photos.duplicate (naming
    the other nomination to the office, not to the sender), the reply, `show` and the web page quote what
    was read, OCR results are stored by hash, and reevaluate recognises nothing again."""
    service = ocr_service
    first = [photo_jpeg(seed=41, camera=("HUAWEI", "ELE-AL00")), photo_jpeg(seed=42, camera=("HUAWEI", "ELE-AL00"))]
    copy = _resized(first[0])  # the same photo, another size, re-encoded, no EXIF
    service.deliver("1.eml", _mail("解放区总工会", "jfqzgh@163.com", "王建国", "王建国", first), SENT)
    service.deliver("2.eml", _mail("山阳区总工会", "syqzgh@163.com", "李秀梅", "王建国",
                                   [copy, photo_jpeg(seed=43, camera=("HUAWEI", "ELE-AL00"))]), SENT)
    service.run_once()
    subs = {s["candidate"]: s for s in service.export()["submissions"]}
    assert subs["王建国"]["problems"] == []
    assert subs["李秀梅"]["problems"] == ["credit.name_mismatch", "photos.duplicate"]
    with sqlite3.connect(service.root / "var" / "shenbao.db") as db:
        # both screenshots show 王建国: the same bytes, recognised once
        assert db.execute("SELECT count(*), min(state) FROM ocr_results").fetchone() == (1, "read")
    shown = service.cli("show", subs["李秀梅"]["id"]).output
    assert "文字识别：信用中国，查询姓名“王建国”，未查询到相关信息" in shown
    assert "与解放区总工会推荐的王建国（JZ2021-001）的照片《照片1.jpg》是同一张照片" in shown
    replies = {str(r["To"].addresses[0].addr_spec): _body(r) for r in service.replies()}
    assert "文字识别：信用中国，查询姓名“王建国”，未查询到相关信息" in replies["jfqzgh@163.com"]
    told = replies["syqzgh@163.com"]
    assert "中没有看到候选人“李秀梅”的姓名" in told and "查询姓名“王建国”" in told
    assert "与另一份推荐材料中的照片是同一张照片" in told
    assert "JZ2021-001" not in told and "解放区" not in told  # another unit's nomination is the office's to see
    config = load_config(service.config)
    page = nomination_page(Store(config.database_url, config.data_dir), config, Visitor("王老师", False, "", False),
                           subs["李秀梅"]["id"])
    assert page is not None
    ocr_text = page.split('<pre class="small ocr" title="文字识别结果">', 1)[1].split("</pre>", 1)[0]
    assert "信用中国" in ocr_text and "王建国" in ocr_text and "未查询到相关信息" in ocr_text

    recognised: list[bytes] = []
    original = ingest.ocr.ocr_bytes
    ingest.ocr.ocr_bytes = lambda data: recognised.append(data) or original(data)  # type: ignore[func-returns-value]
    try:
        assert service.cli("reevaluate").exit_code == 0
    finally:
        ingest.ocr.ocr_bytes = original
    assert recognised == []
    after = {s["candidate"]: s["problems"] for s in service.export()["submissions"]}
    assert after["李秀梅"] == ["credit.name_mismatch", "photos.duplicate"]


@pytest.mark.parametrize("workers", [1, 2])
def test_ocr_holds_no_write_lock_on_the_register(ocr_service: Service, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture, workers: int) -> None:
    """GIVEN a mail with a credit screenshot, read in the service's reader (1 worker) or in a pool
    worker that sends the picture back (2) WHEN its picture is recognised (in the service) THEN another
    connection can write meanwhile (the fetch thread storing new mail is not kept waiting: nothing of
    the mail is flushed before its files are read), and the result is kept once."""
    service = ocr_service
    with open(service.config, "a", encoding="utf-8") as config:
        config.write(f"\n[performance]\nworkers = {workers}\n")
    files = [("推荐表.docx", form_docx("王建国", "解放区总工会")), ("征信.png", screenshot_png("信用中国", "王建国"))]
    service.deliver("1.eml", build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料-王建国",
                                         text="请查收。", html="<p>请查收。</p>", attachments=files, date=SENT), SENT)
    writes: list[str] = []
    real = shenbao.store.ocr.recent_reader

    def writing_meanwhile(sha256: str, data: bytes) -> ingest.ocr.OcrText:
        with sqlite3.connect(service.root / "var" / "shenbao.db", timeout=0) as other:  # fails if locked
            other.execute("insert into meta (key, value) values ('probe', 'x')")
        writes.append(sha256)
        return real(sha256, data)

    monkeypatch.setattr(shenbao.store.ocr, "recent_reader", writing_meanwhile)
    monkeypatch.setattr(shenbao.service.pipeline, "POOL_MIN_WAITING", 0)  # the pool for one mail, too
    with caplog.at_level(logging.INFO, logger="shenbao.service.pipeline"):
        service.run_once()
    assert ("reading stored mail ahead" in caplog.text) == (workers > 1)
    assert len(writes) == 1
    with sqlite3.connect(service.root / "var" / "shenbao.db") as db:
        assert db.execute("SELECT count(*), min(state) FROM ocr_results").fetchone() == (1, "read")
        assert db.execute("SELECT role FROM files WHERE filename = '征信.png'").fetchone() == ("screenshot",)


def test_a_mail_read_in_a_pool_worker_is_ocred_in_the_service_as_when_read_there(tmp_path: Path) -> None:
    """GIVEN a mail with a credit screenshot, a scanned form PDF, a photographed form and a .docx
    WHEN a pool worker reads it (``prepare_mail`` with OCR: the pictures sent back, a scan's pages
    taken out there) and the service then OCRs what it sent (``ocr_prepared``) THEN every file's facts
    equal those of reading and OCRing it all in one place (``read_files`` with the reader)."""
    mail = build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料-赵刚", text="请查收。",
                       html="<p>请查收。</p>", date=SENT,
                       attachments=[("征信.png", encoded(credit_page("信用中国", "赵刚"))), ("推荐表.pdf", form_pdf()),
                                    ("推荐表照片.jpg", form_photo()), ("事迹材料.docx", deeds_docx("赵刚"))])
    (tmp_path / "1.eml").write_bytes(mail)
    prepared = prepare_mail(str(tmp_path / "1.eml"), Limits(), str(tmp_path / "tmp"), ocr=True)
    sent = {f.facts.filename: f.pictures is not None for f in prepared.files}
    assert sent == {"征信.png": True, "推荐表.pdf": True, "推荐表照片.jpg": True, "事迹材料.docx": False}
    here, _inline = read_files(parse_mail(mail), Limits(), tmp_path / "tmp", InProcess(), ingest.ocr.recent_reader)
    assert [f.facts for f in ocr_prepared(prepared.files, ingest.ocr.recent_reader)] == [f.facts for f in here]
    assert {f.facts.filename for f in here if f.facts.ocr_state == "read"} == {"征信.png", "推荐表.pdf", "推荐表照片.jpg"}
