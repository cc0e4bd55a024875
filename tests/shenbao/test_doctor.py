"""``shenbao doctor`` against the real loopback servers: a verdict per step, the 授权码 hint, the probe."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller
from click.testing import CliRunner

from shenbao.cli import cli
from tests.servers_imap import ImapAccount
from tests.servers_loopback import HOST, free_port
from tests.servers_smtp import SmtpServer


def write_config(path: Path, account: ImapAccount, smtp_port: int, password_env: str = "DOCTOR_PW") -> Path:
    path.write_text(f"""\
[mailbox]
kind = "imap"
host = "{account.host}"
port = {account.port}
ssl = false
username = "{account.user}"
password_env = "{password_env}"
timeout_seconds = 10
[smtp]
kind = "smtp"
host = "{HOST}"
port = {smtp_port}
ssl = false
from_address = "jzghxjb@163.com"
timeout_seconds = 5
[storage]
database_url = "sqlite:///var/db.sqlite"
data_dir = "var/data"
""", encoding="utf-8")
    return path


def doctor(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "doctor", *args], obj={})
    return result.exit_code, result.output


def test_doctor_reports_each_step_ok(tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer) -> None:
    os.environ["DOCTOR_PW"] = imap_account.password
    code, output = doctor(write_config(tmp_path / "c.toml", imap_account, smtp_server.port))
    assert code == 0, output
    steps = [line.split(":")[0].strip() for line in output.splitlines() if line.startswith("  [")]
    assert steps == ["[OK] schema", "[OK] connect", "[OK] TLS", "[OK] login", "[OK] ID", "[OK] select",
                     "[OK] connect", "[OK] TLS", "[OK] auth", "[OK] engine"]
    assert "OCR\n  [OK] engine: 文字识别可用" in output  # the engine of the default install loads


def test_doctor_says_ocr_is_off_when_the_config_turns_it_off(tmp_path: Path, imap_account: ImapAccount,
                                                              smtp_server: SmtpServer) -> None:
    os.environ["DOCTOR_PW"] = imap_account.password
    config = write_config(tmp_path / "c.toml", imap_account, smtp_server.port)
    config.write_text(config.read_text(encoding="utf-8") + "[ocr]\nenabled = false\n", encoding="utf-8")
    code, output = doctor(config)
    assert code == 0 and "[OK] engine: 已关闭（[ocr] enabled = false），截图只检查是否收到" in output


def test_doctor_explains_a_refused_login_with_the_authorization_code_hint(
        tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer) -> None:
    os.environ["DOCTOR_PW"] = "the-web-password"
    code, output = doctor(write_config(tmp_path / "c.toml", imap_account, smtp_server.port))
    assert code == 1
    assert "[FAIL] login" in output and "授权码" in output
    assert "[OK] select" not in output


def test_doctor_reports_an_unreachable_smtp_server(tmp_path: Path, imap_account: ImapAccount) -> None:
    os.environ["DOCTOR_PW"] = imap_account.password
    code, output = doctor(write_config(tmp_path / "c.toml", imap_account, free_port()))
    assert code == 1 and "[FAIL] connect" in output


class _DeliverToImap:
    """An SMTP server that delivers what it accepts into the IMAP account, like a real provider."""

    def __init__(self, account: ImapAccount) -> None:
        self.account = account

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.account.append(envelope.content, datetime.now(timezone.utc))
        return "250 OK"


def test_probe_sends_a_test_mail_and_sees_it_arrive(tmp_path: Path, imap_account: ImapAccount) -> None:
    port = free_port()
    controller = Controller(_DeliverToImap(imap_account), hostname=HOST, port=port)
    controller.start()
    try:
        os.environ["DOCTOR_PW"] = imap_account.password
        code, output = doctor(write_config(tmp_path / "c.toml", imap_account, port), "--probe")
    finally:
        controller.stop()
    assert code == 0, output
    assert "[OK] probe: 测试邮件" in output


def test_doctor_fails_naming_a_password_variable_that_is_unset_without_trying_to_log_in(tmp_path: Path) -> None:
    os.environ.pop("DOCTOR_UNSET_PW", None)
    config = tmp_path / "c.toml"
    config.write_text(f"""\
[mailbox]
kind = "imap"
host = "{HOST}"
port = {free_port()}
username = "jzghxjb@163.com"
password_env = "DOCTOR_UNSET_PW"
[smtp]
kind = "file"
path = "replies"
""", encoding="utf-8")
    code, output = doctor(config)
    assert code == 1
    steps = [line.strip() for line in output.splitlines() if line.startswith("  [")]
    assert steps[1].startswith("[FAIL] password: 环境变量 DOCTOR_UNSET_PW 未设置或为空")
    assert "DOCTOR_UNSET_PW (password_env) is not set or is empty" in steps[1] and "b'" not in output
    assert not any(step.startswith("[FAIL] connect") for step in steps)  # no login was tried with an empty password
