"""The daily digest: what it gathers, how it reads (text, and HTML in a real Chromium), sending it once."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col
from PIL import Image

from notify.digest import render_digest
from shenbao.replies.claims import LEASE, machine_now
from shenbao.config import Config, load_config
from shenbao.service.daemon import DIGEST_GRACE_SECONDS, Daemon
from shenbao.office.digest_data import gather
from shenbao.service.digest_job import DigestJob, digest_trigger, latest_slot, queue_digest
from shenbao.replies.outbox import recover_interrupted, send_due
from shenbao.service.wiring import build_pipeline, open_sender
from shenbao.samples.build import CST, build_email, nomination_email
from shenbao.store.db import Store, utc_iso
from shenbao.store.models import Reply
from tests.browser import Browser
from tests.shenbao.conftest import Service, service_config

ROSTER = """
[digest]
recipients = ["office@example.com", "chen@example.com"]
time = "08:30"

[[units]]
name = "解放区总工会"
emails = ["jfqzgh@163.com"]
quota = 1

[[units]]
name = "山阳区总工会"
emails = ["syqzgh@163.com"]
quota = 2

[[units]]
name = "城乡一体化示范区工会"
emails = ["sfqgh@163.com"]
quota = 2
"""
NOW = datetime(2021, 4, 27, 8, 30, tzinfo=CST)


def filled(service: Service) -> Service:
    service.deliver("1.eml", nomination_email("complete", unit="解放区总工会", candidate="王建国"),
                    datetime(2021, 4, 26, 10, 2, tzinfo=CST))
    service.deliver("2.eml", nomination_email("missing_photos", unit="解放区总工会", candidate="李秀梅"),
                    datetime(2021, 4, 26, 15, 40, tzinfo=CST))
    service.deliver("3.eml", nomination_email("small_photos", unit="山阳区总工会", candidate="王建国"),
                    datetime(2021, 4, 26, 16, 0, tzinfo=CST))
    service.deliver("4.eml", build_email(from_addr="someone@example.com", from_name="某单位",
                                         subject="=HYPERLINK(\"http://x\") 请查收 <script>", text="见附件",
                                         attachments=[], date=datetime(2021, 4, 26, 17, 0, tzinfo=CST)),
                    datetime(2021, 4, 26, 17, 0, tzinfo=CST))
    service.run_once()
    return service


@pytest.fixture(scope="module")
def filled_root(tmp_path_factory: pytest.TempPathFactory, database_kind: str, request: pytest.FixtureRequest) -> Path:
    """A register with four mails, made once; each test gets its own copy (of its PostgreSQL database too)."""
    root = tmp_path_factory.mktemp("digest")
    (root / "mailbox").mkdir()
    url = ""
    if database_kind == "postgresql":
        server = request.getfixturevalue("postgres")
        url = server.new_database()
        request.addfinalizer(lambda: server.drop_database(url))
    (root / "config.toml").write_text(service_config(url) + ROSTER, encoding="utf-8")
    filled(Service(root))
    return root


@pytest.fixture
def office(filled_root: Path, tmp_path: Path, database_kind: str, request: pytest.FixtureRequest) -> Service:
    shutil.copytree(filled_root, tmp_path / "office")
    if database_kind == "postgresql":
        config = tmp_path / "office" / "config.toml"
        original = load_config(config).database_url
        server = request.getfixturevalue("postgres")
        copy = server.new_database(copy_of=original)
        request.addfinalizer(lambda: server.drop_database(copy))
        config.write_text(config.read_text(encoding="utf-8").replace(original, copy), encoding="utf-8")
    return Service(tmp_path / "office")


def setup(service: Service) -> tuple[Config, Store]:
    config = load_config(service.config)
    return config, Store(config.database_url, config.data_dir)


def digest_mails(service: Service) -> list[EmailMessage]:
    return [m for m in service.replies() if m["Auto-Submitted"] == "auto-generated"]


@pytest.mark.both_databases
def test_the_digest_names_every_figure_and_item_the_office_acts_on(office: Service) -> None:
    config, store = setup(office)
    text = render_digest(gather(store, config, NOW, None)).text
    for expected in [
        "距材料截止还有 3 天（2021年4月30日23:59）",
        "推荐人选 3 名：材料齐全 1 名，待补充 2 名，逾期 0 名。",
        "共收到邮件 4 封。",
        "JZ2021-002 解放区总工会 李秀梅", "· 未收到工作生活照。", "最近告知：",
        "尚未报送材料的单位（1 个）：城乡一体化示范区工会",
        "超出名额：解放区总工会 已推荐 2 名，名额 1 名（JZ2021-001、JZ2021-002）",
        "重复推荐：王建国 出现在 解放区总工会（JZ2021-001）、山阳区总工会（JZ2021-003）",
        "未能识别候选人的邮件：", "材料齐全、可提交评审的推荐人选（1 名）",
    ]:
        assert expected in text, expected


@pytest.mark.parametrize(("now", "subject_end", "phrase"), [
    (datetime(2021, 4, 27, 8, 30, tzinfo=CST), "距截止3天", "距材料截止还有 3 天"),
    (datetime(2021, 4, 30, 8, 30, tzinfo=CST), "今天截止", "今天截止"),
    (datetime(2021, 5, 2, 8, 30, tzinfo=CST), "已截止", "材料已于2021年4月30日23:59截止"),
])
def test_days_left_follow_the_campaign_calendar(office: Service, now: datetime, subject_end: str, phrase: str) -> None:
    config, store = setup(office)
    rendered = render_digest(gather(store, config, now, None))
    assert rendered.subject.endswith(subject_end) and phrase in rendered.text


def test_failed_replies_and_a_refused_config_edit_are_warned_about(office: Service) -> None:
    office.sql("update replies set state = 'failed', last_error = '550 Mailbox not found' where id = 1")
    office.sql("insert into meta (key, value) values ('config.errors', :errors)",
               errors=json.dumps(["rules.photos.min_bytes: must be a positive integer"]))
    config, store = setup(office)
    text = render_digest(gather(store, config, NOW, None)).text
    assert "回信发送失败：jfqzgh@163.com" in text and "550 Mailbox not found" in text
    assert "配置文件修改未生效：rules.photos.min_bytes: must be a positive integer" in text


def test_the_html_digest_renders_in_chromium_with_its_key_figures(office: Service, tmp_path: Path) -> None:
    result = office.cli("digest", "--print", "--html")
    assert result.exit_code == 0
    page = tmp_path / "digest.html"
    page.write_text(result.output, encoding="utf-8")
    with Browser(width=420, height=800) as browser:  # a phone's width
        browser.open(page.as_uri())
        figures = browser.evaluate("document.querySelector('#figures').innerText").split()
        text = browser.text
        width = browser.evaluate("document.documentElement.scrollWidth")
        shot = browser.screenshot(tmp_path / "digest.png")
    assert figures == ["3", "推荐人选", "1", "材料齐全", "2", "待补充", "0", "逾期", "4", "来信"]
    assert "城乡一体化示范区工会" in text and "&lt;script&gt;" not in text and "<script>" in text
    assert width <= 420, "the digest must not scroll sideways on a phone"
    with Image.open(shot) as image:
        assert image.width == 420 and image.height > 800
        assert sum(1 for count in image.convert("L").histogram() if count) > 16  # text and colours, not blank


@pytest.mark.both_databases
def test_digest_send_mails_the_office_with_the_register_attached(office: Service) -> None:
    result = office.cli("digest", "--send")
    assert result.exit_code == 0 and "digest sent to office@example.com, chen@example.com" in result.output
    [mail] = digest_mails(office)
    assert mail["To"] == "office@example.com, chen@example.com" and "每日汇总" in mail["Subject"]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;" in html and "<script>" not in html.split("<body", 1)[1]
    [sheet] = list(mail.iter_attachments())
    assert sheet.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert sheet.get_filename().startswith("推荐登记表_") and sheet.get_filename().endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(sheet.get_content()))
    assert [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)] == \
        ["JZ2021-001", "JZ2021-002", "JZ2021-003"]


def test_digest_needs_recipients(service: Service) -> None:
    result = service.cli("digest", "--send")
    assert result.exit_code == 2 and "digest.recipients is empty" in result.output


def test_digest_print_or_send_must_be_chosen(office: Service) -> None:
    assert office.cli("digest").exit_code == 2 and office.cli("digest", "--print", "--send").exit_code == 2


@pytest.mark.parametrize(("now", "slot"), [
    (datetime(2021, 4, 27, 8, 29, 59, tzinfo=CST), datetime(2021, 4, 26, 8, 30, tzinfo=CST)),
    (datetime(2021, 4, 27, 8, 30, tzinfo=CST), datetime(2021, 4, 27, 8, 30, tzinfo=CST)),
    (datetime(2021, 4, 27, 1, 0, tzinfo=timezone.utc), datetime(2021, 4, 27, 8, 30, tzinfo=CST)),  # 09:00 in CST
])
def test_the_due_slot_is_the_last_digest_time_in_the_campaign_zone(office: Service, now: datetime, slot: datetime) -> None:
    config, _ = setup(office)
    assert latest_slot(digest_trigger(config), now) == slot


@pytest.mark.both_databases
def test_one_slot_gives_one_digest_however_often_and_by_however_many_jobs_it_is_checked(office: Service) -> None:
    config, store = setup(office)
    clock = iter([NOW - timedelta(minutes=5)] + [NOW + timedelta(seconds=i) for i in range(10)])
    jobs = [DigestJob(store, config, lambda: next(clock)) for _ in range(2)]  # two processes, one register
    assert jobs[0].prepare() is False  # the first run: starts counting from now, no digest for the past
    results = [job.run_due() for job in jobs for _ in range(3)]
    assert [r.queued for r in results if r is not None] == [True]
    assert len(digest_mails(office)) == 1


@pytest.mark.both_databases
def test_a_reply_another_sender_is_handing_over_is_not_sent_again_until_a_restart_recovers_it(office: Service) -> None:
    """GIVEN the digest queued and claimed by another live process (a `digest --send`, say: 'sending',
    its owner and lease recorded) WHEN this process's outbox round runs THEN it leaves that reply
    alone; once the claimant has died, recovery puts it back, and it goes once."""
    config, store = setup(office)
    reply = queue_digest(store, config, NOW)
    assert reply is not None and reply.id is not None
    claimant = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    start = Path(f"/proc/{claimant.pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[19].decode()
    with store.engine.begin() as conn:
        conn.execute(update(Reply).where(col(Reply.id) == reply.id).values(
            state="sending", attempts=1, claimed_by=f"{socket.gethostname()}/{claimant.pid}/{start}",
            lease_until=utc_iso(machine_now() + LEASE)))
    try:
        assert send_due(store, config, open_sender(config), NOW) == (0, 0)
        assert digest_mails(office) == [] and recover_interrupted(store) == 0
    finally:
        claimant.kill()
        claimant.wait()
    assert recover_interrupted(store) == 1
    assert send_due(store, config, open_sender(config), NOW) == (1, 0)
    assert send_due(store, config, open_sender(config), NOW) == (0, 0)
    assert len(digest_mails(office)) == 1


@pytest.mark.both_databases
def test_a_restart_after_a_missed_slot_reports_it_missed_once(office: Service) -> None:
    config, store = setup(office)
    DigestJob(store, config, lambda: NOW - timedelta(hours=1)).prepare()
    later = DigestJob(store, config, lambda: NOW + timedelta(days=2))
    assert later.prepare() is True
    assert later.run_due() is not None and later.prepare() is False


def test_the_scheduler_runs_the_digest_daily_at_its_time_with_coalescing_and_a_grace_time(office: Service) -> None:
    config, _ = setup(office)
    daemon = Daemon(config, build_pipeline(config, lambda: NOW), lambda: NOW)
    scheduler = daemon.start_scheduler()
    try:
        job = scheduler.get_job("digest")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, DIGEST_GRACE_SECONDS)
        assert str(job.trigger) == "cron[hour='8', minute='30', second='0']"
        assert job.trigger.timezone == ZoneInfo("Asia/Shanghai") and scheduler.timezone == ZoneInfo("Asia/Shanghai")
        assert job.next_run_time.astimezone(CST).time().isoformat() == "08:30:00"
        sweep = scheduler.get_job("outbox")
        assert (sweep.max_instances, sweep.coalesce) == (1, True)
    finally:
        scheduler.shutdown(wait=True)


def test_digest_mail_is_marked_auto_generated_and_never_answered_by_us(office: Service) -> None:
    office.cli("digest", "--send")
    [mail] = digest_mails(office)
    office.deliver("5.eml", mail.as_bytes(), datetime(2021, 4, 27, 9, 0, tzinfo=CST))
    office.run_once()
    raw = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert raw["Auto-Submitted"] == "auto-generated"
    assert office.export()["emails"][-1]["disposition"].startswith("ignored:")
