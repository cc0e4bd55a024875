"""Several campaigns in one register (``[campaign] id``): each config reads and writes only its own
nominations, references, quotas and follow-ups; last campaign's winners come from the register."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shenbao.config import load_config
from shenbao.errors import ConfigError
from shenbao.samples.build import CST, nomination_email
from tests.shenbao.conftest import FOLDER_CONFIG, Service, service_config, serving
from tests.shenbao.unitmail import Desk, package, photos, roster_toml

RECEIVED = datetime(2021, 4, 26, 9, 0, tzinfo=CST)
UNIT = "焦作供电公司工会"  # quota 1 (市属基层工会)
LAST, THIS = "jz-2020", "jz-2021"


def _campaign_toml(campaign: str, prefix: str, extra: str = "") -> str:
    return f'\n[campaign]\nid = "{campaign}"\nreference_prefix = "{prefix}"\n{extra}'


def _desk(root: Path, register: str, campaign_toml: str) -> Desk:
    """An installation with its own mailbox and outbox on the shared register (and data_dir)."""
    (root / "mailbox").mkdir(parents=True)
    config = service_config(register).replace('data_dir = "var/data"', f'data_dir = "{root.parent / "data"}"')
    (root / "config.toml").write_text(config + roster_toml() + campaign_toml, encoding="utf-8")
    return Desk(Service(root))


@pytest.fixture
def register(tmp_path: Path, database_url: str) -> str:
    return database_url or f"sqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
def last_year(tmp_path: Path, register: str) -> Desk:
    return _desk(tmp_path / "2020", register, _campaign_toml(LAST, "JZ2020"))


@pytest.fixture
def this_year(tmp_path: Path, register: str) -> Desk:
    winners = f'\n[rules.eligibility]\nprevious_winners_from = "{LAST}"\n'
    return _desk(tmp_path / "2021", register, _campaign_toml(THIS, "JZ2021", winners))


@pytest.mark.both_databases
def test_two_campaigns_in_one_register_keep_their_own_nominations_references_and_quotas(
        last_year: Desk, this_year: Desk) -> None:
    """GIVEN two configs (campaigns jz-2020 and jz-2021, two mailboxes) on one register
    WHEN the same unit (quota 1) nominates the same two candidates in each
    THEN there are four nominations; each campaign numbers its own from 001, warns only its own
    second one over the quota, finds no "same candidate" in the other, and exports only its own."""
    for desk in (last_year, this_year):
        for seed, name in enumerate(("王建国", "李秀梅")):
            desk.send(UNIT, f"推荐材料-{name}", package(name, UNIT, seed=seed * 2))
    for desk, prefix in ((last_year, "JZ2020"), (this_year, "JZ2021")):
        rows = desk.nominations()
        assert {ref: (row["candidate"], row["problems"], row["same_candidate"]) for ref, row in rows.items()} == {
            f"{prefix}-001": ("王建国", [], []), f"{prefix}-002": ("李秀梅", ["quota.exceeded"], [])}
    kept = last_year.service.sql("select campaign, ref from submissions order by campaign, ref")
    assert kept == [(LAST, "JZ2020-001"), (LAST, "JZ2020-002"), (THIS, "JZ2021-001"), (THIS, "JZ2021-002")]
    shown = this_year.service.cli("show", "JZ2020-001")
    assert shown.exit_code != 0 and "JZ2020-001" in shown.output  # another campaign's nomination is not found
    for desk, mine, theirs in ((last_year, "JZ2020-", "JZ2021-"), (this_year, "JZ2021-", "JZ2020-")):
        assert len(desk.service.export()["emails"]) == 2
        digest = desk.service.cli("digest", "--print")
        assert digest.exit_code == 0 and f"{mine}002" in digest.output and theirs not in digest.output


@pytest.mark.both_databases
@pytest.mark.parametrize("follow_up", ["tagged subject", "reply to last year's answer"])
def test_a_follow_up_naming_another_campaigns_nomination_does_not_attach_to_it(
        last_year: Desk, this_year: Desk, follow_up: str) -> None:
    """GIVEN last year's nomination JZ2020-001 (photos missing) WHEN photos come to this year's
    mailbox tagged [JZ2020-001], or answering last year's reply THEN last year's nomination keeps
    its one mail and stays incomplete; the photos start a nomination of this year's campaign."""
    first = last_year.send(UNIT, "推荐材料-王建国", package("王建国", UNIT, with_photos=False))
    before = last_year.nominations()["JZ2020-001"]
    answering = last_year.reply_to(first) if follow_up != "tagged subject" else None
    this_year.send(UNIT, "[JZ2020-001] 补充照片", photos(["工作照1.jpg", "工作照2.jpg"]), answering=answering)
    after = last_year.nominations()["JZ2020-001"]
    assert (after["status"], after["emails"]) == (before["status"], before["emails"]) == ("incomplete", before["emails"])
    assert len(after["emails"]) == 1
    assert [ref[:7] for ref in this_year.nominations()] == ["JZ2021-"]


@pytest.mark.parametrize(("decision", "flagged"), [("--accept", True), ("--reject", False)])
def test_last_campaigns_accepted_candidates_are_previous_winners(last_year: Desk, this_year: Desk, decision: str,
                                                                 flagged: bool) -> None:
    """GIVEN [rules.eligibility] previous_winners_from = "jz-2020" and last year's nomination of 王建国
    accepted (or rejected) by the office WHEN the unit nominates him again this year THEN this
    year's nomination carries eligibility.previous_winner only when he was accepted."""
    last_year.send(UNIT, "推荐材料-王建国", package("王建国", UNIT))
    decided = last_year.service.cli("decide", "JZ2020-001", decision, "--note", "评审结果", "--by", "陈晓杰")
    assert decided.exit_code == 0, decided.output
    this_year.send(UNIT, "推荐材料-王建国", package("王建国", UNIT, seed=2))
    [row] = this_year.nominations().values()
    assert ("eligibility.previous_winner" in row["problems"]) is flagged


@pytest.mark.both_databases
def test_a_register_from_before_campaigns_is_adopted_by_the_configured_campaign(tmp_path: Path, register: str) -> None:
    """GIVEN a register of schema 3 (no campaigns; one mail, its nomination JZ2021-001 and the counter)
    WHEN a config with [campaign] id = "jiaozuo-2021" runs on it THEN the mail, the nomination and the
    counter are that campaign's and the next nomination is JZ2021-002. (Without an id the campaign
    is the prefix, JZ2021, as every other test's register is.)"""
    campaign_toml, campaign = _campaign_toml("jiaozuo-2021", "JZ2021"), "jiaozuo-2021"
    service = Service(tmp_path)
    (tmp_path / "mailbox").mkdir()
    service.config.write_text(service_config(register), encoding="utf-8")
    service.deliver("0.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"), RECEIVED)
    service.run_once()
    engine = create_engine(load_config(service.config).database_url)
    with engine.begin() as conn:
        for statement in ("drop index ix_submissions_campaign", "alter table submissions drop column campaign",
                          "drop index ix_emails_campaign", "alter table emails drop column campaign",
                          "update meta set key = 'ref.last' where key = 'ref.last JZ2021'",
                          "update meta set value = '3' where key = 'schema_version'"):
            conn.execute(text(statement))
    engine.dispose()
    service.config.write_text(service_config(register) + campaign_toml, encoding="utf-8")
    service.deliver("1.eml", nomination_email("complete", unit="解放区总工会", candidate="李秀英"), RECEIVED)
    service.run_once()
    assert sorted(row["id"] for row in service.export()["submissions"]) == ["JZ2021-001", "JZ2021-002"]
    assert service.sql("select campaign from submissions order by id") == [(campaign,), (campaign,)]
    assert service.sql("select campaign from emails order by id") == [(campaign,), (campaign,)]
    assert service.sql("select key, value from meta where key like 'ref.last%'") == [(f"ref.last {campaign}", "2")]


@pytest.mark.parametrize(("toml", "expected"), [
    ('[campaign]\nid = "焦作2021"', "campaign.id: '焦作2021' is not a campaign id"),
    ('[campaign]\nid = "jz 2021"', "campaign.id: 'jz 2021' is not a campaign id"),
    ('[campaign]\nid = "-jz"', "campaign.id: '-jz' is not a campaign id"),
    (f'[campaign]\nid = "{"x" * 41}"', f"campaign.id: '{'x' * 41}' is not a campaign id"),
    ('[rules.eligibility]\nprevious_winners_from = ["2020年"]',
     "rules.eligibility.previous_winners_from: '2020年' is not a campaign id"),
    ('[rules.eligibility]\nprevious_winners_from = "JZ2021"',
     "rules.eligibility.previous_winners_from: 'JZ2021' is this campaign ([campaign] id)"),
])
def test_a_bad_campaign_id_is_named_by_its_key_path(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"{FOLDER_CONFIG}\n{toml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [error] = caught.value.errors
    assert error.startswith(expected)


@pytest.mark.parametrize(("winners_from", "expected"), [
    (LAST, f"[OK] campaign: {THIS}；登记簿中的活动及推荐数 / campaigns in the register: {LAST} 1、{THIS} 1"),
    ("jz-2019", "[FAIL] campaign: "),
])
def test_doctor_names_the_campaigns_of_the_register(last_year: Desk, this_year: Desk, winners_from: str,
                                                    expected: str) -> None:
    """GIVEN one nomination in each of two campaigns WHEN doctor checks this year's config THEN it
    lists both campaigns with their counts, and fails a previous_winners_from that is neither."""
    for desk in (last_year, this_year):
        desk.send(UNIT, "推荐材料-王建国", package("王建国", UNIT))
    config = this_year.service.config
    config.write_text(config.read_text(encoding="utf-8").replace(f'"{LAST}"', f'"{winners_from}"'), encoding="utf-8")
    result = this_year.service.cli("doctor")
    assert expected in result.output and (result.exit_code == 0) is (winners_from == LAST), result.output


def test_the_web_view_of_one_campaign_serves_nothing_of_another(last_year: Desk, this_year: Desk) -> None:
    """GIVEN a nomination in each campaign WHEN this year's web view is asked for last year's
    nomination, mail, raw mail and file by their numbers THEN each is 404, and its own are 200."""
    for desk in (last_year, this_year):
        desk.send(UNIT, "推荐材料-王建国", package("王建国", UNIT))
    [(old_email, old_file)] = this_year.service.sql(
        f"select e.id, min(f.id) from emails e join files f on f.email_id = e.id where e.campaign = '{LAST}' group by e.id")
    [(new_email, new_file)] = this_year.service.sql(
        f"select e.id, min(f.id) from emails e join files f on f.email_id = e.id where e.campaign = '{THIS}' group by e.id")

    def status(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=20) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    with serving(this_year.service) as site:
        theirs = [status(f"{site.url}{path}") for path in
                  ("/n/JZ2020-001", f"/email/{old_email}", f"/email/{old_email}/raw", f"/file/{old_file}")]
        mine = [status(f"{site.url}{path}") for path in
                ("/n/JZ2021-001", f"/email/{new_email}", f"/email/{new_email}/raw", f"/file/{new_file}")]
    assert (theirs, mine) == ([404] * 4, [200] * 4)
