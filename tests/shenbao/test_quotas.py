"""Rules that need the register: quotas in order of arrival, the same candidate twice, silent units."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rules.config import Rules
from rules.quota import quota_for
from shenbao.config import load_config
from shenbao.office.overview import nomination_views
from shenbao.office.unit_summary import unit_rows
from shenbao.register.roster import duplicate_candidates, silent_units
from shenbao.store.db import Store
from tests.shenbao.conftest import Service
from tests.shenbao.unitmail import Desk, package, photos, roster_toml

NAMES = ("王建国", "李秀梅", "赵志强", "周文静")


@pytest.fixture
def desk(service_with: Callable[[str], Service]) -> Desk:
    return Desk(service_with(roster_toml()))


def _nominate(desk: Desk, unit: str, names: tuple[str, ...]) -> list[str]:
    for index, name in enumerate(names):
        desk.send(unit, f"推荐材料-{name}", package(name, unit, seed=index * 2))
    return [desk.by_candidate(name)["id"] for name in names]


@pytest.mark.parametrize(("unit", "quota"), [("解放区总工会", 2), ("焦作供电公司工会", 1), ("市教育工会", 3)])
def test_nominations_beyond_the_quota_are_warned_in_order_of_arrival(desk: Desk, unit: str, quota: int) -> None:
    refs = _nominate(desk, unit, NAMES)
    rows = desk.nominations()
    flagged = [ref for ref in refs if "quota.exceeded" in rows[ref]["problems"]]
    assert flagged == refs[quota:]
    assert all(rows[ref]["status"] == "complete" for ref in refs)  # a warning: the office decides
    last = desk.text_of(rows[refs[-1]]["emails"][0].strip("<>"))
    assert f"已推荐4名候选人，超过通知规定的{quota}名" in last


def test_a_rejected_nomination_gives_its_place_to_the_next(desk: Desk) -> None:
    first, second, third = _nominate(desk, "解放区总工会", NAMES[:3])
    assert "quota.exceeded" in desk.nominations()[third]["problems"]
    result = desk.service.cli("decide", first, "--reject", "--note", "单位来电撤回", "--by", "陈晓杰")
    assert result.exit_code == 0, result.output
    rows = desk.nominations()
    assert [("quota.exceeded" in rows[r]["problems"]) for r in (second, third)] == [False, False]


def test_the_same_candidate_from_two_units_is_flagged_for_the_office(desk: Desk) -> None:
    desk.send("解放区总工会", "推荐材料", package("王建国", "解放区总工会"))
    desk.send("山阳区总工会", "推荐材料", package("王建国", "山阳区总工会", seed=4))
    desk.send("山阳区总工会", "推荐材料", package("李秀梅", "山阳区总工会", seed=6))
    rows = desk.nominations()
    refs = sorted(ref for ref, r in rows.items() if r["candidate"] == "王建国")
    assert [rows[r]["same_candidate"] for r in refs] == [refs[1:], refs[:1]]
    assert desk.by_candidate("李秀梅")["same_candidate"] == []
    store = _store(desk)
    with store.session() as s:
        assert duplicate_candidates(s) == {"王建国": refs}
    assert refs[1] in desk.service.cli("show", refs[0]).output


def test_roster_units_without_a_submission_are_known(desk: Desk) -> None:
    desk.send("山阳区总工会", "推荐材料", package("李秀梅", "山阳区总工会"))
    config = load_config(desk.service.config)
    with _store(desk).session() as s:
        assert [u.name for u in silent_units(s, config)] == ["解放区总工会", "焦作供电公司工会", "市教育工会"]
        standings = {u.name: (u.quota, u.nominated) for u in unit_rows(config, nomination_views(s, config))}
    assert standings == {"解放区总工会": (2, 0), "山阳区总工会": (2, 1), "焦作供电公司工会": (1, 0), "市教育工会": (3, 0)}


def test_leader_and_previous_winner_warnings_come_through_the_register(service_with: Callable[[str], Service]) -> None:
    desk = Desk(service_with(roster_toml() + '\n[rules.eligibility]\nprevious_winners = ["李秀梅@山阳区总工会"]\n'))
    desk.send("山阳区总工会", "推荐材料", package("李秀梅", "山阳区总工会"))
    desk.send("解放区总工会", "推荐材料", package("李秀梅", "解放区总工会", seed=2))
    desk.send("解放区总工会", "推荐材料", package("赵志强", "解放区总工会", seed=4, job="某县交通运输局副局长"))
    problems = {(r["unit"], r["candidate"]): r["problems"] for r in desk.nominations().values()}
    assert problems == {("山阳区总工会", "李秀梅"): ["eligibility.previous_winner"],
                        ("解放区总工会", "李秀梅"): [], ("解放区总工会", "赵志强"): ["eligibility.leader"]}


@pytest.mark.parametrize(("own", "kind", "expected"), [
    (None, "县市区工会", 2), (None, "市属基层工会", 1), (None, "产业工会", 2), (5, "市属基层工会", 5),
    (None, "", None), (None, "未知类型", None),
])
def test_a_units_quota_comes_from_its_type_unless_it_has_its_own(own: int | None, kind: str, expected: int | None) -> None:
    assert quota_for(own, kind, Rules()) == expected


def _store(desk: Desk) -> Store:
    config = load_config(desk.service.config)
    return Store(config.database_url, config.data_dir)


@pytest.mark.parametrize(("named", "reject_first", "unnamed", "over"), [
    (3, True, False, False),  # the office rejected one: two places taken of two
    (2, False, True, False),  # photos naming nobody are no candidate yet
    (3, False, True, True),  # over by the named ones only: 3 of 2, the unnamed one not listed
])
def test_the_digest_lists_a_unit_over_quota_exactly_when_the_rule_warns(desk: Desk, named: int, reject_first: bool,
                                                                        unnamed: bool, over: bool) -> None:
    unit = "解放区总工会"
    refs = _nominate(desk, unit, NAMES[:named])
    if unnamed:
        desk.send(unit, "照片", photos(["1.jpg", "2.jpg"], seed=9))
    if reject_first:
        assert desk.service.cli("decide", refs[0], "--reject", "--note", "单位撤回").exit_code == 0
    counted = refs[1:] if reject_first else refs
    warned = [ref for ref, row in desk.nominations().items() if "quota.exceeded" in row["problems"]]
    assert warned == (counted[2:] if over else [])
    digest = desk.service.cli("digest", "--print").output
    line = f"超出名额：{unit} 已推荐 {len(counted)} 名，名额 2 名（{'、'.join(counted)}）"
    assert (line in digest, f"超出名额：{unit}" in digest) == (over, over)
