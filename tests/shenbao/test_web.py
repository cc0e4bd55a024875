"""``shenbao serve``: the read-only web view, in a real headless Chromium and over plain HTTP."""

from __future__ import annotations

import base64
import io
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from shenbao.config import load_config
from shenbao.errors import UsageError
from shenbao.samples.build import CST, build_email, form_docx, nomination_email, photo_png, screenshot_png
from shenbao.store.db import Store
from shenbao.office.web import content_disposition, web_server
from tests.browser import Browser
from tests.shenbao.conftest import FOLDER_CONFIG, Service, Site, serving

HOSTILE_NAME = "<img src=x onerror=alert(1)>工会"


def fill(service: Service) -> None:
    service.deliver("1.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"),
                    datetime(2021, 4, 26, 10, 2, tzinfo=CST))
    service.deliver("2.eml", nomination_email("missing_photos", unit="山阳区总工会", candidate="李秀梅"),
                    datetime(2021, 4, 27, 15, 40, tzinfo=CST))
    hostile = build_email(from_addr="someone@example.com", from_name=HOSTILE_NAME, subject="推荐材料 <b>赵六</b>",
                          text="见附件", attachments=[("推荐表.docx", form_docx("赵六", "")),
                                                     ("照片.jpg", photo_png(seed=3)),
                                                     ("征信.png", screenshot_png("信用中国", "赵六"))],
                          date=datetime(2021, 4, 28, 9, 0, tzinfo=CST))
    service.deliver("3.eml", hostile, datetime(2021, 4, 28, 9, 0, tzinfo=CST))
    service.run_once()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One filled register and server for the read-only tests of this module (nothing here writes)."""
    root = tmp_path_factory.mktemp("site")
    (root / "mailbox").mkdir()
    (root / "config.toml").write_text(FOLDER_CONFIG, encoding="utf-8")
    service = Service(root)
    fill(service)
    with serving(service) as site:
        yield site


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_browser_lists_nominations_opens_one_and_sees_its_thumbnails(site: Site, tmp_path: Path) -> None:
    with Browser() as browser:
        browser.open(site.url)
        rows = browser.evaluate("Array.from(document.querySelectorAll('tr.nomination')).map(r => r.innerText)")
        assert len(rows) == 3 and "王建国" in rows[0] and "材料齐全" in rows[0] and "待补充" in rows[1]
        assert "待补充 2" in browser.text and "材料齐全 1" in browser.text
        browser.click("a.ref[href='/n/JZ2021-001']")
        assert browser.url.endswith("/n/JZ2021-001")
        sizes = browser.evaluate("Array.from(document.querySelectorAll('img.thumb')).map(i => [i.naturalWidth, i.naturalHeight])")
        assert len(sizes) == 5  # three photos and two credit screenshots
        assert all(0 < width <= 360 and 0 < height <= 360 for width, height in sizes)
        page = browser.text
        assert "王建国" in page and "事迹材料" in page and "工作单位及职务" in page
        shot = browser.screenshot(tmp_path / "nomination.png")
    with Image.open(shot) as image:
        assert image.width == 1280 and image.height > 900


def test_the_status_filter_shows_only_that_status(site: Site) -> None:
    with Browser() as browser:
        browser.open(site.url)
        browser.click("#filter-incomplete")
        refs = browser.evaluate("Array.from(document.querySelectorAll('a.ref')).map(a => a.innerText)")
    assert refs == ["JZ2021-002", "JZ2021-003"]


def test_text_from_mail_is_escaped_and_pages_carry_a_strict_policy(site: Site) -> None:
    status, headers, body = fetch(site.url)
    html = body.decode()
    assert status == 200 and "&lt;img src=x onerror=alert(1)&gt;工会" in html and "<img src=x" not in html
    assert "script-src" not in headers["Content-Security-Policy"] and "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    _, _, detail = fetch(site.url + "n/JZ2021-003")
    assert "推荐材料 &lt;b&gt;赵六&lt;/b&gt;" in detail.decode()


def test_an_original_is_a_download_typed_by_its_content_not_its_name(site: Site) -> None:
    detail = fetch(site.url + "n/JZ2021-003")[2].decode()
    photo_link = detail.split('href="/file/')[1:]
    ids = [chunk.split('"')[0] for chunk in photo_link]
    answers = {fetch(site.url + f"file/{i}")[1]["Content-Disposition"]: fetch(site.url + f"file/{i}") for i in set(ids)}
    photo = next(a for d, a in answers.items() if "%E7%85%A7%E7%89%87.jpg" in d)  # 照片.jpg
    status, headers, data = photo
    assert status == 200 and headers["Content-Type"] == "image/png" and data.startswith(b"\x89PNG")
    assert headers["Content-Disposition"] == content_disposition("照片.jpg") == \
        "attachment; filename=\"file.jpg\"; filename*=UTF-8''%E7%85%A7%E7%89%87.jpg"


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("POST", "", 405), ("DELETE", "n/JZ2021-001", 405), ("GET", "n/JZ2021-999", 404), ("GET", "file/999", 404),
    ("GET", "thumb/abc", 404), ("GET", "../../etc/passwd", 404), ("HEAD", "", 200)])
def test_only_reading_is_possible(site: Site, method: str, path: str, expected: int) -> None:
    status, _, body = fetch(site.url + path, method=method)
    assert status == expected
    if method == "HEAD":
        assert body == b""


def test_thumbnails_are_cached_under_data_dir(site: Site) -> None:
    detail = fetch(site.url + "n/JZ2021-001")[2].decode()
    first = detail.split('src="/thumb/')[1].split('"')[0]
    status, headers, data = fetch(site.url + f"thumb/{first}")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    cached = sorted((site.service.root / "var" / "data" / "thumbs").rglob("*.jpg"))
    assert data in [p.read_bytes() for p in cached]
    assert fetch(site.url + f"thumb/{first}")[2] == data
    assert sorted((site.service.root / "var" / "data" / "thumbs").rglob("*.jpg")) == cached  # served from the cache
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) == 360


def test_beyond_loopback_a_password_is_required(service: Service) -> None:
    config = load_config(service.config)
    store = Store(config.database_url, config.data_dir)
    with pytest.raises(UsageError, match=r"web.password: required to listen on 0.0.0.0"):
        web_server(store, config, "0.0.0.0", 0)
    result = service.cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 2 and "web.password: required" in result.output


@pytest.mark.parametrize(("credentials", "expected"), [(None, 401), ("office:wrong", 401), ("admin:s3cret", 401),
                                                       ("office:s3cret", 200)])
def test_with_a_password_the_pages_need_the_login(service_with: Callable[[str], Service], credentials: str | None, expected: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WEB_PASSWORD", "s3cret")
    service = service_with('\n[web]\npassword_env = "TEST_WEB_PASSWORD"\n')
    headers = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()} if credentials else {}
    with serving(service, host="0.0.0.0") as site:
        status, answer_headers, _ = fetch(site.url.replace("0.0.0.0", "127.0.0.1"), headers=headers)
        assert status == expected
        if expected == 401:
            assert answer_headers["WWW-Authenticate"].startswith('Basic realm="shenbao"')
