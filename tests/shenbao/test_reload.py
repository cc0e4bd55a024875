"""The running service applies an edited config when it is valid and keeps the old one, loudly, when not."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from shenbao.config import load_config
from shenbao.service.daemon import Daemon
from shenbao.service.wiring import build_pipeline
from shenbao.office.digest_data import config_errors
from shenbao.service.reload import ConfigWatcher, config_problem
from shenbao.samples.build import CST, build_email
from tests.shenbao.conftest import Service
from tests.shenbao.test_daemon import SimClock
from tests.shenbao.unitmail import START, package, roster_toml

NOW = datetime(2021, 4, 26, 2, 0, tzinfo=UTC)


def _edit(path: Path, text: str, tick: int) -> None:
    """Rewrite the config file with a clearly newer mtime (as an editor saving it would)."""
    path.write_text(text, encoding="utf-8")
    stamp = path.stat().st_mtime + tick
    os.utime(path, (stamp, stamp))


@pytest.fixture
def service(service_with: Callable[[str], Service]) -> Service:
    return service_with(roster_toml())


def test_a_valid_edit_applies_to_the_next_mail_without_a_restart(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    pipeline = build_pipeline(load_config(service.config), lambda: NOW)
    watcher = ConfigWatcher(pipeline.config, pipeline.store)
    assert watcher.refresh(pipeline, now=NOW).rules.deeds.min_chars == 1800  # unchanged: nothing to do
    _edit(service.config, service.config.read_text(encoding="utf-8") + "\n[rules.deeds]\nmin_chars = 800\n", 5)
    with caplog.at_level(logging.WARNING, logger="shenbao.service.reload"):
        watcher.refresh(pipeline, now=NOW)
    assert pipeline.config.rules.deeds.min_chars == 800 and "reevaluate" in caplog.text
    raw = build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料", text="请查收。",
                      attachments=package("王建国", "解放区总工会", chars=1000), date=START)
    service.deliver("a.eml", raw, START)
    pipeline.run_once()
    [row] = service.export()["submissions"]
    assert row["status"] == "complete"  # 1000 characters pass under the edited rule


def test_an_invalid_edit_keeps_the_old_config_and_says_so_until_fixed(service: Service,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(service.config)
    pipeline = build_pipeline(config, lambda: NOW)
    watcher = ConfigWatcher(config, pipeline.store)
    good = service.config.read_text(encoding="utf-8")
    _edit(service.config, good + "\n[rules.photos]\nmin_count = -1\n", 5)
    with caplog.at_level(logging.ERROR, logger="shenbao.service.reload"):
        assert watcher.refresh(pipeline, now=NOW) is config
    assert "KEEPING THE PREVIOUS CONFIG" in caplog.text and "rules.photos.min_count" in caplog.text
    head, *errors = config_problem(pipeline.store)
    assert "1 error(s) in the config" in head and "previous config stays in force" in head
    assert errors == ["rules.photos.min_count: must be a positive integer"]
    _edit(service.config, good + "\n[rules.photos]\nmin_count = 3\n", 10)
    assert watcher.refresh(pipeline, now=NOW).rules.photos.min_count == 3
    assert config_problem(pipeline.store) == () and pipeline.config.rules.photos.min_count == 3


def test_instances_sharing_a_register_keep_their_own_refused_edit_and_the_digest_names_it(
        service: Service, tmp_path: Path) -> None:
    """GIVEN two instances' config watchers on one register (mailboxes a and b, a config file each)
    WHEN a's edit is refused and then b's valid edit applies THEN a's errors stay recorded (b's
    valid file does not clear them), b has none, and the digest's lines name a's mailbox."""
    good = service.config.read_text(encoding="utf-8")
    other = tmp_path / "config-b.toml"
    other.write_text(good, encoding="utf-8")
    config_a, config_b = load_config(service.config), load_config(other)
    store = build_pipeline(config_a, lambda: NOW).store
    a, b = ConfigWatcher(config_a, store, "folder:a"), ConfigWatcher(config_b, store, "folder:b")
    _edit(service.config, good + "\n[rules.photos]\nmin_count = -1\n", 5)
    a.refresh(now=NOW)
    _edit(other, good + "\n[rules.photos]\nmin_count = 3\n", 5)
    assert b.refresh(now=NOW).rules.photos.min_count == 3
    assert config_problem(store, "folder:b") == ()
    head, error = config_problem(store, "folder:a")
    assert "previous config stays in force" in head and error == "rules.photos.min_count: must be a positive integer"
    with store.session() as s:
        shown = config_errors(s)
    assert shown == (f"folder:a: {head}", f"folder:a: {error}")


def test_mailbox_and_storage_changes_wait_for_a_restart(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(service.config)
    pipeline = build_pipeline(config, lambda: NOW)
    watcher = ConfigWatcher(config, pipeline.store)
    edited = service.config.read_text(encoding="utf-8").replace('path = "mailbox"', 'path = "elsewhere"')
    _edit(service.config, edited + "\n[campaign]\nname = \"改名后的活动\"\n", 5)
    with caplog.at_level(logging.WARNING, logger="shenbao.service.reload"):
        new = watcher.refresh(pipeline, now=NOW)
    assert (new.campaign.name, new.mailbox.path) == ("改名后的活动", "mailbox")
    assert "[mailbox] take effect after a restart" in caplog.text


def test_a_file_touched_but_not_changed_is_not_reloaded(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(service.config)
    watcher = ConfigWatcher(config, build_pipeline(config, lambda: NOW).store)
    _edit(service.config, service.config.read_text(encoding="utf-8"), 5)
    with caplog.at_level(logging.INFO, logger="shenbao.service.reload"):
        assert watcher.check(NOW) is None
    assert caplog.text == ""


def test_the_running_daemon_keeps_a_broken_edit_out_and_takes_the_fixed_one(service: Service,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    good = service.config.read_text(encoding="utf-8").replace('path = "mailbox"', 'path = "mailbox"\npoll_interval_seconds = 1')
    service.config.write_text(good, encoding="utf-8")
    config = load_config(service.config)
    daemon = Daemon(config, build_pipeline(config, lambda: NOW), lambda: NOW)
    runner = threading.Thread(target=daemon.run, name="daemon")
    with caplog.at_level(logging.INFO):
        runner.start()
        try:
            _edit(service.config, good + "\n[rules.deeds]\nmin_chars = \"many\"\n", 5)
            _wait(lambda: "KEEPING THE PREVIOUS CONFIG" in caplog.text)
            assert daemon.pipeline.config.rules.deeds.min_chars == 1800
            _edit(service.config, good + "\n[rules.deeds]\nmin_chars = 800\n", 10)
            _wait(lambda: daemon.pipeline.config.rules.deeds.min_chars == 800)
            raw = build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料", text="请查收。",
                              attachments=package("王建国", "解放区总工会", chars=1000), date=START)
            service.deliver("a.eml", raw, START)
            _wait(lambda: len(service.replies()) == 1)
        finally:
            daemon.stop.set()
            runner.join(timeout=30)
    [row] = service.export()["submissions"]
    assert row["status"] == "complete" and daemon.config.rules.deeds.min_chars == 800


def _wait(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the daemon did not get there in time"
        time.sleep(0.1)


def _digest_service(service: Service, at: str) -> str:
    text = service.config.read_text(encoding="utf-8").replace('path = "mailbox"', 'path = "mailbox"\npoll_interval_seconds = 1')
    text += f'\n[digest]\nrecipients = ["office@example.com"]\ntime = "{at}"\n'
    service.config.write_text(text, encoding="utf-8")
    return text


def _digests(service: Service) -> list[str]:
    return [str(m["Subject"]) for m in service.replies() if m["Auto-Submitted"] == "auto-generated"]


@contextmanager
def _running(service: Service, clock: SimClock, digest_check: BaseTrigger | None = None) -> Iterator[Daemon]:
    """The service's daemon running on another thread (its digest job scheduled), stopped after."""
    config = load_config(service.config)
    daemon = Daemon(config, build_pipeline(config, clock), clock, digest_check=digest_check)
    runner = threading.Thread(target=daemon.run, name="daemon")
    runner.start()
    try:
        _wait(lambda: daemon.scheduler is not None and daemon.scheduler.get_job("digest") is not None)
        yield daemon
    finally:
        daemon.stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()


def test_a_new_digest_time_reschedules_the_running_daemons_daily_trigger(service: Service) -> None:
    text = _digest_service(service, "08:30")
    with _running(service, SimClock(datetime(2021, 4, 26, 7, 0, tzinfo=CST))) as daemon:  # the real cron trigger
        assert daemon.scheduler is not None
        assert str(daemon.scheduler.get_job("digest").trigger) == "cron[hour='8', minute='30', second='0']"
        _edit(service.config, text.replace('time = "08:30"', 'time = "17:45"'), 5)
        _wait(lambda: str(daemon.scheduler.get_job("digest").trigger) == "cron[hour='17', minute='45', second='0']")
        job = daemon.scheduler.get_job("digest")
        assert job.next_run_time.astimezone(CST).time().isoformat() == "17:45:00"
        assert job.trigger.timezone == ZoneInfo("Asia/Shanghai")


def test_emptying_the_digest_recipients_unschedules_the_running_daemons_digest(service: Service) -> None:
    text = _digest_service(service, "08:30")
    with _running(service, SimClock(datetime(2021, 4, 26, 7, 0, tzinfo=CST))) as daemon:
        assert daemon.scheduler is not None and daemon.scheduler.get_job("digest") is not None
        _edit(service.config, text.replace('recipients = ["office@example.com"]', "recipients = []"), 5)
        _wait(lambda: daemon.scheduler is not None and daemon.scheduler.get_job("digest") is None)


def test_moving_the_digest_time_gives_one_digest_a_day_at_the_new_time(service: Service) -> None:
    text = _digest_service(service, "08:30")
    clock = SimClock(datetime(2021, 4, 26, 8, 0, tzinfo=CST))
    with _running(service, clock, digest_check=IntervalTrigger(seconds=0.1)) as daemon:
        clock.set(datetime(2021, 4, 26, 8, 30, 1, tzinfo=CST))
        _wait(lambda: len(_digests(service)) == 1)
        _edit(service.config, text.replace('time = "08:30"', 'time = "09:00"'), 5)
        _wait(lambda: daemon.digest.config.digest.time == "09:00")
        for moment in (datetime(2021, 4, 26, 9, 0, 1, tzinfo=CST), datetime(2021, 4, 27, 8, 30, 1, tzinfo=CST)):
            clock.set(moment)
            time.sleep(0.6)  # several checks: today's digest went out at 08:30, none is due before 09:00 tomorrow
            assert len(_digests(service)) == 1, moment
        clock.set(datetime(2021, 4, 27, 9, 0, 1, tzinfo=CST))
        _wait(lambda: len(_digests(service)) == 2)
    assert ["4月26日" in s for s in _digests(service)] == [True, False]
