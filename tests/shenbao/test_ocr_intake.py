"""Through the service: OCR verdicts on real mails, kept by file hash (reevaluate never reads a picture
again), recycled photos across nominations, what `show` quotes."""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime

from PIL import Image

import ingest.ocr
from shenbao.samples import CST, build_email, deeds_docx, form_docx, photo_jpeg, screenshot_png
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


def test_credit_and_recycled_photos_through_the_service(service: Service) -> None:
    """GIVEN two units' mails, the second's screenshot showing another name and one photo the first's
    resized copy WHEN processed, then re-evaluated THEN credit.name_mismatch and photos.duplicate (naming
    the other nomination), OCR results stored by hash, and reevaluate recognises nothing again."""
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
    assert "识别：信用中国，查询姓名 王建国" in shown and "JZ2021-001" in shown and "照片1.jpg" in shown

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
