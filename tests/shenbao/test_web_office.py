"""The web view as the office uses it: deciding, paper copies, roles, the list at 390 px, downloads.

Every test drives a real headless Chromium (or plain HTTP) against the real server, over a
register filled by the real intake from generated mail.
"""

from __future__ import annotations

import base64
import io
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from shenbao.samples.build import CST, nomination_email
from shenbao.office.web_auth import Login
from tests.browser import Browser
from tests.shenbao.conftest import FOLDER_CONFIG, Service, Site, serving

EDITOR, VIEWER = ("陈晓杰", "editor-pw"), ("李娜", "viewer-pw")
ROSTER = """
[[units]]
name = "解放区总工会"
emails = ["jfqzgh@163.com"]
quota = 2

[[units]]
name = "山阳区总工会"
emails = ["syqzgh@163.com"]
quota = 2

[[units]]
name = "孟州市总工会"
emails = ["mzszgh@163.com"]
quota = 1

[[web.users]]
name = "陈晓杰"
password_env = "TEST_WEB_EDITOR"
role = "editor"

[[web.users]]
name = "李娜"
password_env = "TEST_WEB_VIEWER"
role = "viewer"
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A register with a complete nomination, a late one, and one from a unit outside the roster."""
    monkeypatch.setenv("TEST_WEB_EDITOR", EDITOR[1])
    monkeypatch.setenv("TEST_WEB_VIEWER", VIEWER[1])
    (tmp_path / "mailbox").mkdir()
    (tmp_path / "config.toml").write_text(FOLDER_CONFIG + ROSTER, encoding="utf-8")
    service = Service(tmp_path)
    service.deliver("1.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"),
                    datetime(2021, 4, 26, 10, 2, tzinfo=CST))
    service.deliver("2.eml", nomination_email("late", unit="山阳区总工会", candidate="李秀梅"),
                    datetime(2021, 5, 6, 9, 12, tzinfo=CST))
    service.deliver("3.eml", nomination_email("complete", unit="未知区总工会", candidate="赵六",
                                              from_addr="someone@example.com"),
                    datetime(2021, 4, 27, 9, 0, tzinfo=CST))
    service.run_once()
    with serving(service) as running_site:
        yield running_site


def auth(login: tuple[str, str]) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()}


def fetch(url: str, login: tuple[str, str] = EDITOR, data: dict[str, str] | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={**auth(login), **(headers or {})})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=20) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def logged_in(login: tuple[str, str], width: int = 1280) -> Browser:
    browser = Browser(width=width)
    browser.authorize(*login)
    return browser


def test_an_editor_accepts_a_late_nomination_and_the_list_and_page_show_decision_and_verdict(site: Site) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url + "n/JZ2021-002")
        assert browser.evaluate("document.querySelector('#status').innerText") == "逾期"
        browser.fill("#decide-form input[value=accept]", "")
        browser.fill("#decide-form textarea[name=note]", "已电话核实，邮件服务器故障导致逾期，同意受理")
        browser.click("#decide-form button")
        assert "/n/JZ2021-002?done=accept" in browser.url, browser.text
        page = browser.text
        assert "已记录：办公室决定受理。" in page
        assert browser.evaluate("document.querySelector('#status').innerText") == "材料齐全"
        box = browser.evaluate("document.querySelector('#decision-in-force').innerText")
        assert "受理（陈晓杰，" in box and "同意受理" in box and "自动核对结果：逾期" in box
        assert "办公室已决定受理，无需再补充" in page  # the late note is no longer a demand beside a green badge
        trail = browser.evaluate("Array.from(document.querySelectorAll('tr.audit')).map(r => r.innerText)")
        assert len(trail) == 1 and "陈晓杰" in trail[0] and "决定受理" in trail[0] and "年" in trail[0]
        browser.open(site.url)
        row = browser.evaluate("Array.from(document.querySelectorAll('tr.nomination')).map(r => r.innerText)"
                               ".find(t => t.includes('JZ2021-002'))")
        assert "材料齐全" in row and "受理（陈晓杰" in row and "自动核对：逾期" in row
    shown = site.service.export()["submissions"]
    assert next(s for s in shown if s["id"] == "JZ2021-002")["decision"]["by"] == "陈晓杰"  # the same record as the CLI's


def test_reopening_withdraws_the_decision_and_both_stay_in_the_trail(site: Site) -> None:
    assert site.service.cli("decide", "JZ2021-002", "--accept", "--note", "同意", "--by", "王主任").exit_code == 0
    with logged_in(EDITOR) as browser:
        browser.open(site.url + "n/JZ2021-002")
        browser.fill("#decide-form input[value=reopen]", "")
        browser.fill("#decide-form textarea[name=note]", "误操作，撤销")
        browser.click("#decide-form button")
        assert browser.evaluate("document.querySelector('#status').innerText") == "逾期"
        trail = browser.evaluate("Array.from(document.querySelectorAll('tr.audit')).map(r => r.innerText)")
    assert [("王主任" in t, "陈晓杰" in t) for t in trail] == [(True, False), (False, True)]
    assert "撤销决定" in trail[1]


def test_paper_copies_are_marked_on_the_web_and_shown_in_the_list_digest_and_workbook(site: Site) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url + "n/JZ2021-001")
        assert browser.evaluate("document.querySelector('#paper-state').innerText") == "未收到"
        browser.fill("#paper-form input[name=note]", "邮寄，4月29日收到")
        browser.click("#paper-form button")
        assert browser.evaluate("document.querySelector('#paper-state').innerText") == "已收到"
        assert "已登记：纸质推荐表已收到。" in browser.text and "邮寄，4月29日收到" in browser.text
        browser.open(site.url)
        papers = browser.evaluate("Array.from(document.querySelectorAll('td.paper')).map(t => t.innerText)")
        assert papers[0].startswith("已收到（") and papers[1:] == ["未收到", "未收到"]
    digest = site.service.cli("digest", "--print")
    assert "纸质推荐表（一式2份加盖公章）：已收到 1 名，尚未收到 2 名" in digest.output
    status, _, data = fetch(site.url + "register.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["推荐人选"]
    header = [c.value for c in sheet[1]]
    paper = header.index("纸质推荐表")
    assert status == 200 and [row[paper].value for row in sheet.iter_rows(min_row=2)] == ["已收到", "未收到", "未收到"]


def test_the_cli_marks_paper_copies_and_refuses_both_flags(site: Site) -> None:
    result = site.service.cli("paper", "JZ2021-003", "--received", "--note", "专人送达", "--by", "陈晓杰")
    assert result.exit_code == 0 and "JZ2021-003：纸质推荐表已收到（陈晓杰，" in result.output
    both = site.service.cli("paper", "JZ2021-003", "--received", "--missing")
    assert both.exit_code == 2 and "exactly one of --received or --missing" in both.output
    html = fetch(site.url + "n/JZ2021-003")[2].decode()
    assert "登记纸质推荐表已收到" in html and "专人送达" in html


def test_a_form_with_a_wrong_token_or_from_another_site_is_refused(site: Site) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url + "n/JZ2021-001")
        browser.evaluate("document.querySelector('#paper-form input[name=token]').value = 'forged'")
        browser.click("#paper-form button")
        assert "未能保存" in browser.text and "请刷新页面后重新提交" in browser.text
    token = site.app.auth.token(Login(EDITOR[0], EDITOR[1], "editor"))
    form = {"token": token, "received": "1", "note": ""}
    assert fetch(site.url + "n/JZ2021-001/paper", data=form, headers={"Origin": "http://evil.example"})[0] == 403
    assert fetch(site.url + "n/JZ2021-001/paper", data={**form, "token": ""})[0] == 403
    assert "登记纸质推荐表" not in fetch(site.url + "n/JZ2021-001")[2].decode()  # nothing was recorded
    status, headers, _ = fetch(site.url + "n/JZ2021-001/paper", data=form)  # the genuine form still works
    assert status == 303 and headers["Location"] == "/n/JZ2021-001?done=paper_received#paper"


def test_a_viewer_sees_no_forms_and_cannot_post(site: Site) -> None:
    with logged_in(VIEWER) as browser:
        browser.open(site.url + "n/JZ2021-002")
        assert browser.evaluate("document.querySelectorAll('form.change').length") == 0
        assert "您的账号只能查看，不能作出决定。" in browser.text and "当前用户：李娜（只读）" in browser.text
    token = site.app.auth.token(Login(VIEWER[0], VIEWER[1], "viewer"))
    status, _, body = fetch(site.url + "n/JZ2021-002/decide", login=VIEWER,
                            data={"token": token, "action": "accept", "note": "试试"})
    assert status == 403 and "没有修改权限" in body.decode()
    assert site.service.export()["submissions"][1]["decision"] is None


def test_a_decision_needs_a_note_and_a_valid_action(site: Site) -> None:
    token = site.app.auth.token(Login(EDITOR[0], EDITOR[1], "editor"))
    status, _, body = fetch(site.url + "n/JZ2021-002/decide", data={"token": token, "action": "accept", "note": " "})
    assert status == 400 and "请填写理由" in body.decode()
    status, _, body = fetch(site.url + "n/JZ2021-002/decide", data={"token": token, "action": "reopen", "note": "x"})
    assert status == 409 and "没有可撤销的决定" in body.decode()
    assert fetch(site.url + "n/JZ2021-002/decide", data={"token": token, "action": "approve", "note": "x"})[0] == 400


def test_the_list_at_390_px_has_no_horizontal_overflow(site: Site, tmp_path: Path) -> None:
    with logged_in(EDITOR, width=390) as browser:
        browser.open(site.url)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390
        cards = browser.evaluate("Array.from(document.querySelectorAll('tr.nomination'))"
                                 ".map(r => r.getBoundingClientRect().right)")
        assert len(cards) == 3 and all(right <= 390 for right in cards)
        shot = browser.screenshot(tmp_path / "list-390.png")
        browser.open(site.url + "n/JZ2021-001")
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    with Image.open(shot) as image:
        assert image.width == 390


def test_sorting_filter_search_and_the_count_follow_each_other(site: Site) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url)
        browser.click("#sort-candidate")
        names = browser.evaluate("Array.from(document.querySelectorAll('tr.nomination td:nth-child(3)')).map(t => t.innerText)")
        assert names == sorted(names)
        browser.click("#sort-candidate")
        assert browser.evaluate("Array.from(document.querySelectorAll('tr.nomination td:nth-child(3)'))"
                                ".map(t => t.innerText)") == sorted(names, reverse=True)
        browser.fill("form.search input[name=q]", "区总工会")
        browser.click("form.search input[type=submit]")
        assert "符合条件的有 3 名" in browser.text
        browser.click("#filter-complete")
        assert "符合条件的有 2 名" in browser.text and "材料齐全 2" in browser.text and "逾期 1" in browser.text
        assert "sort=candidate" in browser.url and "q=" in browser.url


def test_units_outside_the_roster_are_flagged_and_the_unit_page_counts_places(site: Site) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url)
        row = browser.evaluate("Array.from(document.querySelectorAll('tr.nomination')).map(r => r.innerText)"
                               ".find(t => t.includes('赵六'))")
        assert "单位不在名单中" in row and "发件邮箱不在名单中" in row
        browser.click("header a[href='/units']")
        rows = browser.evaluate("Array.from(document.querySelectorAll('tr.unit')).map(r => Array.from(r.cells).map(c => c.innerText))")
    by_unit = {cells[0].split()[0]: cells[1:] for cells in rows}
    assert by_unit["解放区总工会"] == ["2", "1", "1", "0", "0", "1", "0"]  # 名额 已报 齐全 待补充 逾期 未报 纸质
    assert by_unit["孟州市总工会"][:2] == ["1", "0"] and "尚未报送" in rows[2][0]
    assert "不在名单中" in next(cells[0] for cells in rows if cells[0].startswith("未知区总工会"))


def test_the_workbook_and_a_candidates_materials_download_in_the_browser(site: Site, tmp_path: Path) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url)
        workbook = browser.download("#download-xlsx", tmp_path)
        browser.open(site.url + "n/JZ2021-001")
        archive = browser.download("#download-zip", tmp_path)
    assert workbook.name.startswith("推荐登记表_") and openpyxl.load_workbook(workbook)["推荐人选"].max_row == 4
    assert archive.name == "JZ2021-001_解放区总工会_王建国.zip"
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        assert "JZ2021-001_解放区总工会_王建国/推荐表.docx" in names
        assert any(n.endswith("/照片1.jpg") for n in names) and any("/征信截图" in n for n in names)
        assert all(len(part.encode()) <= 150 for n in names for part in n.split("/"))
        assert opened.read("JZ2021-001_解放区总工会_王建国/推荐表.docx").startswith(b"PK")
    assert not list((site.service.root / "var" / "data").rglob("*.zip"))  # built in memory, nothing left behind


def test_a_thumbnail_opens_the_picture_inline_and_mails_and_replies_open(site: Site) -> None:
    with logged_in(EDITOR) as browser:
        browser.open(site.url + "n/JZ2021-001")
        browser.click("#pictures a.open")
        assert "/view/" in browser.url
        assert browser.evaluate("document.images.length === 1 && document.images[0].naturalWidth > 360")
        browser.open(site.url + "n/JZ2021-001")
        browser.click("#emails a.email")
        assert "/email/" in browser.url and "陈老师：" in browser.text and "推荐表" in browser.text
        browser.click("a.reply")
        assert "/reply/" in browser.url and "收件人" in browser.text and "JZ2021-001" in browser.text
    view = fetch(site.url + browser_url_path(site, "view"))
    assert view[1]["Content-Disposition"].startswith("inline;") and view[1]["X-Content-Type-Options"] == "nosniff"
    status, headers, raw = fetch(site.url + "email/1/raw")
    assert status == 200 and headers["Content-Type"] == "message/rfc822" and b"Subject:" in raw


def browser_url_path(site: Site, kind: str) -> str:
    html = fetch(site.url + "n/JZ2021-001")[2].decode()
    return f"{kind}/" + html.split(f'href="/{kind}/')[1].split('"')[0]
