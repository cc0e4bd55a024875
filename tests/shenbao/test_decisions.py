"""Office decisions and re-checking stored nominations under new rules."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from shenbao.config import load_config
from shenbao.office.overview import find_view, nomination_views
from shenbao.store.db import Store
from tests.shenbao.conftest import Service
from tests.shenbao.unitmail import Desk, package, photos, roster_toml

UNIT = "解放区总工会"


@pytest.fixture
def desk(service_with: Callable[[str], Service]) -> Desk:
    return Desk(service_with(roster_toml()))


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _set_min_chars(service: Service, chars: int) -> None:
    text = service.config.read_text(encoding="utf-8")
    service.config.write_text(text + f"\n[rules.deeds]\nmin_chars = {chars}\n", encoding="utf-8")


def test_an_accepted_nomination_stays_accepted_through_reevaluate(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料", package("王建国", UNIT, with_photos=False))
    ref = desk.by_candidate("王建国")["id"]
    result = desk.service.cli("decide", ref, "--accept", "--note", "照片已交纸质版", "--by", "陈晓杰")
    assert result.exit_code == 0
    assert result.output.startswith(f"{ref}（王建国，解放区总工会）已记录办公室决定：受理（陈晓杰，")
    assert result.output.rstrip().endswith("北京时间）：照片已交纸质版")  # the campaign's zone, not UTC
    assert desk.service.cli("reevaluate").exit_code == 0
    row = desk.by_candidate("王建国")
    assert (row["status"], row["auto_status"], row["problems"]) == ("complete", "incomplete", ["photos.missing"])
    assert row["decision"]["action"] == "accepted" and row["decision"]["by"] == "陈晓杰"
    assert row["decision"]["note"] == "照片已交纸质版" and row["decision"]["at"]
    shown = desk.service.cli("show", ref).output
    assert "由办公室决定" in shown and "受理  陈晓杰：照片已交纸质版" in shown


def test_reopen_returns_to_the_automatic_status_and_keeps_the_history(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料", package("王建国", UNIT))
    ref = desk.by_candidate("王建国")["id"]
    desk.service.cli("decide", ref, "--reject", "--note", "系单位负责人", "--by", "甲")
    assert desk.by_candidate("王建国")["status"] == "incomplete"
    desk.service.cli("decide", ref, "--reopen", "--note", "经核实不是负责人", "--by", "乙")
    row = desk.by_candidate("王建国")
    assert (row["status"], row["decision"]) == ("complete", None)
    shown = desk.service.cli("show", ref).output
    assert "不予受理  甲：系单位负责人" in shown and "撤销决定  乙：经核实不是负责人" in shown


def test_a_follow_up_to_a_rejected_nomination_is_not_sent_a_checklist(desk: Desk) -> None:
    first = desk.send(UNIT, "推荐材料", package("王建国", UNIT, with_photos=False))
    desk.service.cli("decide", "1", "--reject", "--note", "超出名额，单位撤回")
    later = desk.send(UNIT, "补照片", photos(["1.jpg", "2.jpg"]), answering=desk.reply_to(first))
    text = desk.text_of(later)
    assert "已由活动办公室审核处理" in text and "尚不完整" not in text


@pytest.mark.parametrize(("args", "message"), [
    (["JZ2021-099", "--accept", "--note", "x"], "no such nomination"),
    (["JZ2021-001", "--note", "x"], "choose exactly one of --accept, --reject or --reopen"),
    (["JZ2021-001", "--accept", "--reject", "--note", "x"], "(not --accept and --reject together)"),
    (["JZ2021-001", "--accept", "--reopen", "--note", "x"], "(not --accept and --reopen together)"),
    (["JZ2021-001", "--reopen", "--note", "x"], "no decision in force"),
    (["JZ2021-001", "--accept", "--note", "  "], "--note"),
])
def test_decide_refuses_what_it_cannot_do_with_one_clear_line(desk: Desk, args: list[str], message: str) -> None:
    desk.send(UNIT, "推荐材料", package("王建国", UNIT))
    result = desk.service.cli("decide", *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert result.output.count("\n") == 1
    assert desk.by_candidate("王建国")["decision"] is None  # nothing was recorded


def test_show_prints_status_problems_files_emails_and_replies(desk: Desk) -> None:
    first = desk.send(UNIT, "推荐材料-王建国", package("王建国", UNIT, with_photos=False))
    result = desk.service.cli("show", "jz2021-001")
    assert result.exit_code == 0
    out = result.output
    for expected in ("JZ2021-001  王建国 — 解放区总工会", "状态：待补充\n", "[photos.missing] 未收到工作生活照",
                     "推荐表：推荐表-王建国.docx", "姓名=王建国", "事迹材料：王建国事迹材料.docx", "约2100字",
                     "jfqzgh@163.com  《推荐材料-王建国》  已登记", "补充材料清单  已发送  → jfqzgh@163.com",
                     "名额：本单位名额 2 名，已推荐 1 名", "（时间均为北京时间）"):
        assert expected in out, expected
    for bare in ("incomplete", "submission", " sent ", "材料不全"):  # the same words as the web view and the digest
        assert bare not in out, bare
    assert f"<{first}>" in desk.service.export()["submissions"][0]["emails"]
    assert desk.service.cli("show", "JZ2021-404").exit_code == 2


def test_lowering_min_chars_flips_exactly_the_nominations_it_should(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料", package("王建国", UNIT, chars=1500))
    desk.send(UNIT, "推荐材料", package("李秀梅", UNIT, chars=1000, seed=2))
    desk.send("山阳区总工会", "推荐材料", package("赵志强", "山阳区总工会", chars=2100, seed=4))
    refs = {r["candidate"]: r["id"] for r in desk.nominations().values()}
    _set_min_chars(desk.service, 1200)
    result = desk.service.cli("reevaluate")
    assert result.output.splitlines() == [f"{refs['王建国']} 王建国：待补充（事迹材料字数不足） → 材料齐全",
                                          "共 1 名推荐人选的核对结果有变化"]
    statuses = {r["candidate"]: r["status"] for r in desk.nominations().values()}
    assert statuses == {"王建国": "complete", "李秀梅": "incomplete", "赵志强": "complete"}
    assert len(desk.service.replies()) == 3  # without --notify nobody is written to


def test_reevaluate_notify_sends_the_updated_checklist_to_each_affected_sender_only(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料", package("王建国", UNIT, chars=1500))
    desk.send("山阳区总工会", "推荐材料", package("李秀梅", "山阳区总工会", chars=1000, seed=2))
    desk.send("山阳区总工会", "推荐材料", package("赵志强", "山阳区总工会", chars=1500, seed=4))
    refs = {r["candidate"]: r["id"] for r in desk.nominations().values()}
    desk.service.cli("decide", refs["赵志强"], "--accept", "--note", "事迹已另行补交")
    _set_min_chars(desk.service, 1200)
    assert desk.service.cli("reevaluate").exit_code == 0  # an earlier run without --notify changes nothing below
    result = desk.service.cli("reevaluate", "--notify")
    assert f"{refs['王建国']}：已将最新核对结果发给 jfqzgh@163.com" in result.output
    assert f"{refs['赵志强']}：未发通知（办公室已作决定）" in result.output
    notices = [r for r in desk.service.replies() if "重新核对" in _text(r)]
    assert [(r["To"].addresses[0].addr_spec, f"[{refs['王建国']}]" in str(r["Subject"])) for r in notices] == \
        [("jfqzgh@163.com", True)]
    assert "推荐材料齐全" in _text(notices[0])
    again = desk.service.cli("reevaluate", "--notify")
    assert "待发通知 0 封" in again.output and len(desk.service.replies()) == 4


def test_export_lists_each_nomination_once_with_all_its_emails(desk: Desk, tmp_path: Path) -> None:
    first = desk.send(UNIT, "推荐材料-王建国", package("王建国", UNIT, with_photos=False))
    second = desk.send(UNIT, "补照片", photos(["a.jpg"]), answering=desk.reply_to(first))
    third = desk.send(UNIT, "补照片", photos(["b.jpg"], seed=3), answering=desk.reply_to(second))
    data = desk.service.export()
    [row] = data["submissions"]
    assert row["emails"] == [f"<{first}>", f"<{second}>", f"<{third}>"] and row["status"] == "complete"
    assert [e["nominations"] for e in data["emails"]] == [[row["id"]]] * 3


def test_the_office_views_show_the_decision_and_not_absorbed_nominations(desk: Desk) -> None:
    desk.send(UNIT, "推荐材料", package("王建国", UNIT, with_photos=False))
    desk.send(UNIT, "推荐材料", package("李秀梅", UNIT, with_photos=False))  # two open: photos need a name
    loose = desk.send(UNIT, "照片", photos(["1.jpg", "2.jpg"], seed=9))
    desk.send(UNIT, "回复：照片", [], text="这是王建国的照片", answering=desk.reply_to(loose))
    desk.service.cli("decide", "JZ2021-001", "--reject", "--note", "单位撤回")
    config = load_config(desk.service.config)
    with Store(config.database_url, config.data_dir).session() as s:
        views = nomination_views(s, config)
        absorbed = find_view(s, config, "JZ2021-003")
    assert [(v.ref, v.status, v.emails) for v in views] == [("JZ2021-001", "incomplete", 3),
                                                             ("JZ2021-002", "incomplete", 1)]
    assert absorbed is not None and absorbed.ref == "JZ2021-001"
    assert not any(line.code == "photos.missing" for line in views[0].lines)  # the absorbed photos count
