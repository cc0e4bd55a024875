"""Running unattended: structured logs, progress of a long run, stopping mid-run, one instance, the unit file."""

from __future__ import annotations

import io
import json
import logging
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shenbao.service.instance import instance_lock
from shenbao.service.logs import JsonFormatter, KeyValueFormatter
from shenbao.service.progress import Progress
from shenbao.samples.build import CST, build_email, form_docx
from tests.shenbao.conftest import Service
from tests.shenbao.test_imap_service import STOP_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def record(msg: str, **fields: object) -> logging.LogRecord:
    rec = logging.LogRecord("shenbao.service.daemon", logging.INFO, __file__, 1, msg, (), None)
    rec.fields = fields
    return rec


def test_a_stderr_log_line_is_key_value_with_the_extra_fields() -> None:
    line = KeyValueFormatter().format(record("cycle done", fetched=3, mailbox="imap:INBOX@imap.163.com"))
    assert line.split(" ")[1:] == ["level=info", "logger=shenbao.service.daemon", 'msg="cycle', 'done"', "fetched=3",
                                   "mailbox=imap:INBOX@imap.163.com"]
    assert line.startswith("ts=") and datetime.fromisoformat(line.split(" ")[0][3:]).tzinfo is not None


def test_a_file_log_line_is_one_json_object() -> None:
    data = json.loads(JsonFormatter().format(record("已发送", ref="JZ2021-001")))
    assert (data["msg"], data["ref"], data["level"], data["logger"]) == ("已发送", "JZ2021-001", "info", "shenbao.service.daemon")


def test_run_writes_json_lines_to_a_log_file_under_data_dir(service: Service) -> None:
    service.deliver("1.eml", mail(1), datetime(2021, 4, 26, 10, 0, tzinfo=CST))
    assert service.cli("-v", "run", "--once").exit_code == 0
    lines = (service.root / "var" / "data" / "logs" / "shenbao.log").read_text(encoding="utf-8").splitlines()
    assert lines and all(json.loads(line)["ts"] for line in lines)


def test_progress_on_a_terminal_is_a_bar() -> None:
    out = io.StringIO()
    progress = Progress(out, tty=True, delay=0)
    for done in range(1, 4):
        progress("process", done, 3)
    progress.close()
    assert "processing mail" in out.getvalue() and "3/3" in out.getvalue()


def test_progress_elsewhere_is_a_log_line_every_so_often(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = Progress(io.StringIO(), tty=False, every=30.0, monotonic=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="shenbao.service.progress"):
        for done in range(1, 101):
            now[0] = done * 1.0  # one mail a second
            progress("process", done, 100)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "processing mail: 31/100 (31%), 1.0/s, about 1 min left"  # 30 s after the first mail
    assert len(messages) == 4 and messages[-1].startswith("processing mail: 100/100 (100%)")


def test_a_short_run_shows_no_progress(caplog: pytest.LogCaptureFixture) -> None:
    progress = Progress(io.StringIO(), tty=False, every=30.0, monotonic=lambda: 1.0)
    with caplog.at_level(logging.INFO, logger="shenbao.service.progress"):
        for done in range(1, 6):
            progress("process", done, 5)
    assert caplog.records == []


def mail(index: int) -> bytes:
    name = f"候选人{index:03d}"
    return build_email(from_addr=f"unit{index}@example.com", from_name=f"单位{index}", subject=f"推荐材料-{name}",
                       text="推荐表见附件", attachments=[(f"推荐表-{name}.docx", form_docx(name, f"单位{index}"))],
                       date=datetime(2021, 4, 26, 9, 0, tzinfo=CST) + timedelta(minutes=index))


def db(service: Service, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(service.root / "var" / "shenbao.db") as conn:
        return conn.execute(sql).fetchall()


def test_sigterm_during_a_long_first_run_finishes_the_mail_in_hand_and_the_next_run_goes_on(service: Service) -> None:
    total = 80
    for index in range(total):
        service.deliver(f"{index:03d}.eml", mail(index), datetime(2021, 4, 26, 9, 0, tzinfo=CST))
    process = subprocess.Popen([sys.executable, "-m", "shenbao", "--config", str(service.config), "-v", "run"],
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if db(service, "select count(*) from emails where state = 'processed'")[0][0] >= 5:
                    break
            except sqlite3.OperationalError:  # the register is being created
                pass
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        stopped = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert stopped < STOP_SECONDS, f"SIGTERM mid-run took {stopped:.1f}s to stop the service"
    assert "stopping (SIGTERM)" in stderr and "shenbao stopped" in stderr
    processed = db(service, "select count(*) from emails where state = 'processed'")[0][0]
    assert 5 <= processed < total
    assert db(service, "select count(*) from replies")[0][0] == processed  # each processed mail has its reply
    service.run_once()
    assert db(service, "select count(*) from emails where state = 'processed'")[0][0] == total
    assert db(service, "select count(distinct email_id), count(*) from replies") == [(total, total)]


def test_run_once_refuses_to_run_beside_a_running_service(service: Service) -> None:
    with instance_lock(service.root / "var" / "data"):
        result = service.cli("run", "--once")
    assert result.exit_code == 1 and f"already served by pid {os.getpid()}" in result.output


@pytest.mark.parametrize("unit", ["shenbao.service", "shenbao-web.service"])
def test_the_systemd_units_start_a_real_command_and_stop_it_with_sigterm(unit: str) -> None:
    text = (ROOT / "deploy" / unit).read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    command = shlex.split(settings["ExecStart"])
    assert command[0].endswith("/bin/shenbao") and command[1:3] == ["--config", "/etc/shenbao/config.toml"]
    result = subprocess.run([sys.executable, "-m", "shenbao", *command[1:], "--help"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith(f"Usage: python -m shenbao {command[-1]}")
    assert settings["KillSignal"] == "SIGTERM" and settings["Restart"] == "on-failure"
    assert settings["ReadWritePaths"] == settings["WorkingDirectory"]
