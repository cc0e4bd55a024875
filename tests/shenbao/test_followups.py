"""Nominations, not emails: follow-ups merge into their nomination, materials accumulate and replace."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.shenbao.conftest import Service
from tests.shenbao.unitmail import Desk, credit, deeds, form, package, photos, roster_toml

UNIT, NAME = "解放区总工会", "王建国"


@pytest.fixture
def desk(service_with: Callable[[str], Service]) -> Desk:
    return Desk(service_with(roster_toml()))


def test_checklist_then_the_missing_photos_make_one_complete_nomination(desk: Desk) -> None:
    first = desk.send(UNIT, f"推荐材料-{UNIT}-{NAME}", package(NAME, UNIT, with_photos=False))
    assert "未收到工作生活照" in desk.text_of(first)
    second = desk.send(UNIT, "补发照片", photos(["工作照1.jpg", "工作照2.jpg"]), answering=desk.reply_to(first))
    [row] = desk.nominations().values()
    assert (row["status"], row["problems"], row["emails"]) == ("complete", [], [f"<{first}>", f"<{second}>"])
    assert len(desk.service.replies()) == 2
    text = desk.text_of(second)
    assert "推荐材料齐全" in text and f"[{row['id']}]" in str(desk.reply_to(second)["Subject"])
    assert all(name in text for name in (f"推荐表-{NAME}.docx", f"{NAME}事迹材料.docx", "工作照1.jpg", "工作照2.jpg"))


def _follow_up(desk: Desk, how: str, first: str, ref: str) -> str:
    """The missing photos, sent the way ``how`` says, nothing else identifying the nomination."""
    files = photos(["IMG_001.jpg", "IMG_002.jpg"])
    if how == "reply-to":
        return desk.send(UNIT, "Re: 推荐材料", files, answering=desk.reply_to(first))
    if how == "tag":
        return desk.send(UNIT, f"补充照片 [{ref}]", files)
    if how == "candidate in subject":
        return desk.send(UNIT, f"{NAME}的照片", files)
    if how == "candidate in file names":
        return desk.send(UNIT, "补充照片", photos([f"{NAME}1.jpg", f"{NAME}2.jpg"]))
    if how == "candidate in body":
        return desk.send(UNIT, "补充照片", files, text=f"陈老师：现补发{NAME}同志的照片两张。")
    assert how == "single open nomination"
    return desk.send(UNIT, "补充照片", files)


@pytest.mark.parametrize("how", ["reply-to", "tag", "candidate in subject", "candidate in file names",
                                 "candidate in body", "single open nomination"])
def test_a_follow_up_joins_its_nomination(desk: Desk, how: str) -> None:
    other = desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT))  # complete, so not "open"
    first = desk.send(UNIT, f"推荐材料-{NAME}", package(NAME, UNIT, with_photos=False))
    ref = desk.by_candidate(NAME)["id"]
    later = _follow_up(desk, how, first, ref)
    rows = desk.nominations()
    assert len(rows) == 2 and rows[ref]["status"] == "complete"
    assert rows[ref]["emails"] == [f"<{first}>", f"<{later}>"]
    assert desk.by_candidate("李秀梅")["emails"] == [f"<{other}>"]
    assert f"[{ref}]" in str(desk.reply_to(later)["Subject"])


def test_a_follow_up_that_names_nobody_is_unmatched_and_asked_for_the_name(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT))
    desk.send(UNIT, "推荐材料-王建国", package(NAME, UNIT))  # two complete nominations: none open
    question = desk.send(UNIT, "推荐材料", [])  # a covering note that forgot its files (a question is answered as one)
    data = desk.service.export()
    [email] = [e for e in data["emails"] if e["message_id"] == f"<{question}>"]
    assert (email["disposition"], email["nominations"], email["replied"]) == ("unmatched", [], True)
    assert "未能确定这封邮件属于哪一位候选人" in desk.text_of(question)
    assert len(data["submissions"]) == 2


def test_material_naming_nobody_is_held_as_candidate_unmatched_until_the_sender_names_it(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT))
    loose = desk.send(UNIT, "照片", photos(["IMG_1.jpg", "IMG_2.jpg"], seed=5))
    [held] = [r for r in desk.nominations().values() if r["candidate"] == ""]
    assert "candidate.unmatched" in held["problems"] and held["status"] == "incomplete"
    assert "未能识别本邮件所推荐的候选人" in desk.text_of(loose)
    desk.send(UNIT, "回复：照片", [], text="候选人：王建国", answering=desk.reply_to(loose))
    named = desk.nominations()[held["id"]]
    assert named["candidate"] == NAME and "candidate.unmatched" not in named["problems"]
    assert [p["file"] for p in named["items"]["photos"]] == ["IMG_1.jpg", "IMG_2.jpg"]


def test_a_later_form_for_an_existing_candidate_absorbs_the_unnamed_nomination(desk: Desk) -> None:
    desk.send(UNIT, f"推荐材料-{NAME}", package(NAME, UNIT, with_photos=False))
    ref = desk.by_candidate(NAME)["id"]
    desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT, with_photos=False))  # two open ones
    loose = desk.send(UNIT, "照片", photos(["IMG_1.jpg", "IMG_2.jpg"], seed=7))
    held_ref = next(r["id"] for r in desk.nominations().values() if r["candidate"] == "")
    desk.send(UNIT, "回复：照片", [], text=f"这是{NAME}的照片", answering=desk.reply_to(loose))
    rows = desk.nominations()
    assert held_ref not in rows and rows[ref]["status"] == "complete"
    assert f"<{loose}>" in rows[ref]["emails"]
    assert held_ref in desk.service.cli("show", held_ref).output  # the old reference still leads there


def test_a_newer_form_replaces_the_older_one_which_stays_in_history(desk: Desk) -> None:
    first = desk.send(UNIT, f"推荐材料-{NAME}", package(NAME, UNIT, job="焦作市某某集团总经理"))
    assert desk.by_candidate(NAME)["problems"] == ["eligibility.leader"]
    desk.send(UNIT, "更正推荐表", [form(NAME, UNIT, job="焦作市某某集团车间主任")], answering=desk.reply_to(first))
    row = desk.by_candidate(NAME)
    assert row["problems"] == [] and row["items"]["form"]["fields"]["工作单位及职务"] == "焦作市某某集团车间主任"
    shown = desk.service.cli("show", row["id"]).output
    assert "总经理" in shown and "已被后来收到的版本替换" in shown


@pytest.mark.parametrize(("later", "expected"), [
    (["工作照1.jpg"], ["工作照1.jpg", "工作照2.jpg"]),  # same name: replaced
    (["生活照.jpg"], ["工作照1.jpg", "工作照2.jpg", "生活照.jpg"]),  # another name: added
    (["新1.jpg", "新2.jpg"], ["新1.jpg", "新2.jpg"]),  # a whole new set: replaces the old set
])
def test_later_photos_add_or_replace_by_file_name(desk: Desk, later: list[str], expected: list[str]) -> None:
    first = desk.send(UNIT, f"推荐材料-{NAME}", [form(NAME, UNIT), deeds(NAME), credit(NAME),
                                               *photos(["工作照1.jpg", "工作照2.jpg"], small=True)])
    assert desk.by_candidate(NAME)["problems"] == ["photos.too_small"]
    desk.send(UNIT, "照片", photos(later, seed=20), answering=desk.reply_to(first))
    row = desk.by_candidate(NAME)
    assert sorted(p["file"] for p in row["items"]["photos"]) == expected
    assert ("photos.too_small" in row["problems"]) == (len(later) < 2)  # a small one is left unless all went


def test_the_same_file_sent_twice_counts_once(desk: Desk) -> None:
    first = desk.send(UNIT, f"推荐材料-{NAME}", package(NAME, UNIT))
    desk.send(UNIT, "再发一次", package(NAME, UNIT), answering=desk.reply_to(first))
    row = desk.by_candidate(NAME)
    assert (row["status"], len(row["items"]["photos"]), len(row["emails"])) == ("complete", 2, 2)


def test_the_reference_tag_follows_the_configured_prefix(service_with: Callable[[str], Service]) -> None:
    desk = Desk(service_with(roster_toml() + '\n[campaign]\nreference_prefix = "ZMZG"\n'))
    first = desk.send(UNIT, f"推荐材料-{NAME}", package(NAME, UNIT, with_photos=False))
    desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT, with_photos=False))  # a second open one
    assert "[ZMZG-001]" in str(desk.reply_to(first)["Subject"])
    desk.send(UNIT, "补充 [ZMZG-001]", photos(["a.jpg", "b.jpg"]))
    rows = desk.nominations()
    assert (rows["ZMZG-001"]["status"], rows["ZMZG-002"]["status"]) == ("complete", "incomplete")


def test_a_follow_up_with_thousands_of_references_still_finds_our_reply(desk: Desk) -> None:
    first = desk.send(UNIT, f"推荐材料-{NAME}", package(NAME, UNIT, with_photos=False))
    desk.send(UNIT, "推荐材料-李秀梅", package("李秀梅", UNIT, with_photos=False))  # two open: only the thread tells
    ours = desk.reply_to(first)
    del ours["References"]
    ours["References"] = " ".join(f"<junk{i}@x.cn>" for i in range(5000))
    desk.send(UNIT, "Re: 推荐材料", photos(["a.jpg", "b.jpg"]), answering=ours)
    assert desk.by_candidate(NAME)["status"] == "complete"


@pytest.mark.parametrize(("form_unit", "over_quota"), [("武陟县总工会", False), ("解放区总工会", True)])
def test_a_unit_taken_from_the_senders_name_gives_way_to_the_unit_on_a_later_form(desk: Desk, form_unit: str,
                                                                                  over_quota: bool) -> None:
    if over_quota:  # the roster unit has its two places taken already: the adopted nomination is the third
        for index, name in enumerate(("李秀梅", "赵志强")):
            desk.send(UNIT, f"推荐材料-{name}", package(name, UNIT, seed=index * 2))
    first = desk.send("李老师", "推荐材料-王喆", [deeds("王喆"), credit("王喆"), *photos(["1.jpg", "2.jpg"], seed=8)],
                      sender="lilaoshi@qq.com")
    assert desk.by_candidate("王喆")["unit"] == "李老师"  # no roster entry, no form: the sender's name
    desk.send("李老师", "回复：推荐材料-王喆", [form("王喆", form_unit)], sender="lilaoshi@qq.com",
              answering=desk.reply_to(first))
    row = desk.by_candidate("王喆")
    assert (row["unit"], row["status"], len(row["emails"])) == (form_unit, "complete", 2)
    assert ("quota.exceeded" in row["problems"]) is over_quota
    assert len(desk.nominations()) == (3 if over_quota else 1)
