"""One email carrying several candidates' packages becomes several nominations, answered in one reply."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shenbao.config import load_config
from shenbao.store.db import Store
from shenbao.office.web_pages import Visitor, emails_page, nomination_page
from notify.workbook import EMAIL_HEADER, EMAIL_SHEET, NOMINATION_HEADER, NOMINATION_SHEET
from tests.shenbao.conftest import Service
from tests.shenbao.unitmail import Desk, package, photos, roster_toml, zipped

UNIT = "市教育工会"


@pytest.fixture
def desk(service_with: Callable[[str], Service]) -> Desk:
    return Desk(service_with(roster_toml()))


def test_files_named_by_candidate_split_into_two_nominations(desk: Desk) -> None:
    files = package("张晓东", UNIT, seed=1) + package("刘红霞", UNIT, seed=3, chars=900)
    mail = desk.send(UNIT, "两名候选人推荐材料", files)
    rows = {r["candidate"]: r for r in desk.nominations().values()}
    assert set(rows) == {"张晓东", "刘红霞"}
    assert (rows["张晓东"]["status"], rows["刘红霞"]["problems"]) == ("complete", ["deeds.too_short"])
    assert all(r["emails"] == [f"<{mail}>"] for r in rows.values())
    assert [p["file"] for p in rows["刘红霞"]["items"]["photos"]] == ["刘红霞工作照1.jpg", "刘红霞工作照2.jpg"]
    [email] = desk.service.export()["emails"]
    assert sorted(email["nominations"]) == sorted(r["id"] for r in rows.values())
    [reply] = desk.service.replies()
    subject, text = str(reply["Subject"]), desk.text_of(mail)
    assert all(f"[{r['id']}]" in subject and f"登记编号 {r['id']}" in text for r in rows.values())
    assert "2位候选人" in text and "少于要求的" in text


def test_a_split_mail_from_outside_the_roster_starts_each_nomination_in_its_own_forms_unit(desk: Desk) -> None:
    """GIVEN a sender not on the roster whose one mail holds two candidates' packages, the forms naming two
    different 申报单位  WHEN it is processed  THEN each nomination is in the unit on its own form."""
    files = package("张晓东", "武陟县总工会", seed=1) + package("刘红霞", "解放区总工会", seed=3)
    desk.send("李老师", "两名候选人推荐材料", files, sender="lilaoshi@qq.com")
    units = {r["candidate"]: r["unit"] for r in desk.nominations().values()}
    assert units == {"张晓东": "武陟县总工会", "刘红霞": "解放区总工会"}


def test_one_archive_folder_per_candidate_splits_by_folder(desk: Desk) -> None:
    members = {f"推荐材料/{name}/{file}": data for name in ("张晓东", "刘红霞")
               for file, data in package(name, UNIT, seed=len(name)) if not file.endswith(".jpg")}
    members |= {f"推荐材料/{name}/照片{i}.jpg": data for name in ("张晓东", "刘红霞")
                for i, (_, data) in enumerate(photos(["a", "b"], seed=10 if name == "张晓东" else 12), start=1)}
    desk.send(UNIT, "推荐材料", [zipped("材料.zip", members)])
    rows = {r["candidate"]: r for r in desk.nominations().values()}
    assert set(rows) == {"张晓东", "刘红霞"} and all(r["status"] == "complete" for r in rows.values())
    assert {p["file"].rsplit("/", 1)[-1] for p in rows["张晓东"]["items"]["photos"]} == {"照片1.jpg", "照片2.jpg"}


def test_files_naming_nobody_in_a_split_mail_are_listed_not_guessed(desk: Desk) -> None:
    files = package("张晓东", UNIT, seed=1) + package("刘红霞", UNIT, seed=3) + photos(["IMG_9.jpg"], seed=30)
    mail = desk.send(UNIT, "推荐材料", files)
    rows = list(desk.nominations().values())
    assert all(len(r["items"]["photos"]) == 2 for r in rows)
    text = desk.text_of(mail)
    assert "IMG_9.jpg" in text and "未能判断属于哪一位候选人" in text
    shown = desk.service.cli("show", rows[0]["id"]).output
    assert "未能归属到任何人选的附件" in shown and "IMG_9.jpg（2.7MB，第1封邮件）" in shown


def test_a_follow_up_to_a_split_reply_goes_to_the_candidate_it_names(desk: Desk) -> None:
    files = package("张晓东", UNIT, seed=1, with_photos=False) + package("刘红霞", UNIT, seed=3, with_photos=False)
    mail = desk.send(UNIT, "推荐材料", files)
    desk.send(UNIT, "回复：推荐材料", photos(["刘红霞1.jpg", "刘红霞2.jpg"], seed=40), answering=desk.reply_to(mail))
    rows = {r["candidate"]: r for r in desk.nominations().values()}
    assert (rows["刘红霞"]["status"], rows["张晓东"]["status"]) == ("complete", "incomplete")


def test_a_follow_up_to_a_split_reply_naming_nobody_is_asked_for_the_name(desk: Desk) -> None:
    files = package("张晓东", UNIT, seed=1, with_photos=False) + package("刘红霞", UNIT, seed=3, with_photos=False)
    mail = desk.send(UNIT, "推荐材料", files)
    later = desk.send(UNIT, "回复：推荐材料", photos(["1.jpg", "2.jpg"], seed=40), answering=desk.reply_to(mail))
    rows = {r["candidate"]: r for r in desk.nominations().values()}
    assert rows[""]["problems"][0] == "candidate.unmatched"
    assert all(rows[n]["items"]["photos"] == [] for n in ("张晓东", "刘红霞"))
    assert "未能识别本邮件所推荐的候选人" in desk.text_of(later)


def test_every_nomination_of_a_split_mail_shows_its_email_and_reply_in_the_office_views(desk: Desk, tmp_path: Path) -> None:
    files = package("张晓东", UNIT, seed=1, with_photos=False) + package("刘红霞", UNIT, seed=3, with_photos=False)
    desk.send(UNIT, "两名候选人推荐材料", files)
    refs = sorted(desk.nominations())
    assert len(refs) == 2
    digest = desk.service.cli("digest", "--print").output
    assert digest.count("补充材料清单（已发送）") == 2 and "尚未告知" not in digest
    assert f"两名候选人推荐材料  → 已登记 {'、'.join(refs)}" in digest
    out = tmp_path / "register.xlsx"
    assert desk.service.cli("export", "--format", "xlsx", "-o", str(out)).exit_code == 0
    book = load_workbook(out)
    rows = [dict(zip(NOMINATION_HEADER, r, strict=False)) for r in book[NOMINATION_SHEET].iter_rows(min_row=2, values_only=True)]
    assert [(r["编号"], r["邮件数"], bool(r["最近回复"])) for r in rows] == [(ref, 1, True) for ref in refs]
    [email] = [dict(zip(EMAIL_HEADER, r, strict=True)) for r in book[EMAIL_SHEET].iter_rows(min_row=2, values_only=True)]
    assert email["编号"] == "、".join(refs)
    config = load_config(desk.service.config)
    store = Store(config.database_url, config.data_dir)
    viewer = Visitor("陈晓杰", False, "", False)  # a read-only visitor of the web view
    for ref in refs:
        page = nomination_page(store, config, viewer, ref)
        assert page is not None and "两名候选人推荐材料" in page and "尚未回信" not in page
    listing = emails_page(store, config, viewer)
    assert all(f'<a href="/n/{ref}">{ref}</a>' in listing for ref in refs)
