"""The CLI contract: help for every command, exact exit codes, one clear error line."""

from __future__ import annotations

import json
import sys
import tempfile
from email import message_from_bytes, policy
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from shenbao.cli import cli
from tests.servers_loopback import HOST
from tests.servers_smtp import SmtpServer
from tests.shenbao.conftest import Service

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(cli.commands)


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), obj={})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert cli.commands[command].help, f"{command} has no help text"
    assert "Usage: " in result.output


def test_the_contract_commands_exist() -> None:
    assert {"run", "demo", "check-config", "export", "reevaluate"} <= set(COMMANDS)


@pytest.fixture
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """The passwords the example config names by password_env."""
    monkeypatch.setenv("SHENBAO_IMAP_PASSWORD", "imap-auth-code")
    monkeypatch.setenv("SHENBAO_SMTP_PASSWORD", "smtp-auth-code")


def test_check_config_accepts_the_example(passwords: None) -> None:
    result = CliRunner().invoke(cli, ["--config", str(ROOT / "config.example.toml"), "check-config"], obj={})
    assert result.exit_code == 0
    assert result.stdout == "config.example.toml: OK (imap mailbox, smtp replies, deadline 2021-04-30T23:59:59+08:00)\n" \
        .replace("config.example.toml", str(ROOT / "config.example.toml"))
    assert result.stderr.startswith("warning: campaign.deadline 2021-04-30T23:59:59+08:00 (2021年4月30日23:59 北京时间) "
                                    "is in the past: every nomination that arrives from now on is late")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_check_config_fails_naming_a_password_variable_that_is_unset_or_empty(
        monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    monkeypatch.setenv("SHENBAO_SMTP_PASSWORD", "smtp-auth-code")
    if value is None:
        monkeypatch.delenv("SHENBAO_IMAP_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("SHENBAO_IMAP_PASSWORD", value)
    result = invoke("--config", str(ROOT / "config.example.toml"), "check-config")
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        "  mailbox.password_env: the environment variable SHENBAO_IMAP_PASSWORD is not set or is empty; set it to "
        "the password (the 163 授权码) before starting shenbao, e.g. in /etc/shenbao/env"]
    assert invoke("--config", str(ROOT / "config.example.toml"), "run", "--once").exit_code == 2  # never logs in


def test_a_deadline_still_ahead_gets_no_warning(service: Service) -> None:
    text = service.config.read_text(encoding="utf-8")
    service.config.write_text(text + "\n[campaign]\ndeadline = 2999-04-30T23:59:59+08:00\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(service.config), "check-config"], obj={})
    assert result.exit_code == 0 and result.stderr == ""


def test_check_config_lists_every_error_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[mailbox]\nkind = "folder"\n[smtp]\nkind = "file"\npath = "r"\n[rules.photos]\nmin_bytes = 0\n',
                   encoding="utf-8")
    result = invoke("--config", str(bad), "check-config")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {bad}: 2 error(s) in the config",
        '  mailbox.path: required when kind = "folder" (a directory of .eml files)',
        "  rules.photos.min_bytes: must be a positive integer",
    ]


@pytest.mark.parametrize("command", [["run", "--once"], ["export"], ["check-config"], ["reevaluate"]])
def test_a_missing_config_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    result = invoke("--config", str(tmp_path / "absent.toml"), *command)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "config file not found" in result.output
    assert "Traceback" not in result.output


def test_an_unreadable_mailbox_path_is_one_line_and_exit_1(service: Service) -> None:
    (service.root / "mailbox").rmdir()
    result = service.cli("run", "--once")
    assert result.exit_code == 1
    assert result.output == f"error: mailbox.path {service.root / 'mailbox'}: not a readable directory " \
                            "(create it or fix [mailbox] path)\n"


def test_export_writes_csv_with_a_bom_for_excel(service: Service, tmp_path: Path) -> None:
    service.run_once()
    out = tmp_path / "register.csv"
    assert service.cli("export", "--format", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("\ufeff编号,推荐单位,候选人,状态,办公室决定,自动核对,")


def test_xlsx_needs_an_output_file(service: Service) -> None:
    result = service.cli("export", "--format", "xlsx")
    assert result.exit_code == 2 and "--format xlsx needs -o FILE" in result.output


@pytest.mark.parametrize(("extra", "named"), [(["--format", "xlsx"], "--format"), (["-o", "r.json"], "-o"),
                                              (["--format", "csv", "-o", "r.csv"], "--format and -o")])
def test_materials_refuses_the_register_options_it_would_ignore(service: Service, tmp_path: Path,
                                                                 extra: list[str], named: str) -> None:
    service.run_once()
    result = service.cli("export", "--materials", str(tmp_path / "out"), *extra)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"--materials copies the files into DIR and writes no register: drop {named}" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["export", "--format", "pdf"], ["show"], ["decide", "JZ2021-001"], ["nonsense"],
                                  ["export", "--bogus"], ["--bogus", "export"]])
def test_usage_errors_are_one_line_and_exit_2(service: Service, args: list[str]) -> None:
    result = service.cli(*args)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: "), result.output
    assert "--help`)" in result.output and "Usage:" not in result.output


def test_config_falls_back_to_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passwords: None) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHENBAO_CONFIG", str(ROOT / "config.example.toml"))
    result = invoke("check-config")
    assert result.exit_code == 0 and "config.example.toml: OK" in result.output


def test_demo_processes_the_bundled_mail_and_shows_the_replies(tmp_path: Path) -> None:
    result = invoke("demo", "--keep", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    assert "收到 10 封，处理 10 封，写出回复 9 封" in result.output
    for expected in ("JZ2021-001", "材料齐全", "待补充", "逾期", "照片文件过小",
                     "qyszgh@163.com：不回复（自动回复、退信或群发邮件）"):
        assert expected in result.output
    for bare in ("photos.too_small", "deadline.late", "ignored:", "complete"):  # words, not codes
        assert bare not in result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.startswith("JZ2021-")}
    assert len(rows) == 8  # the follow-up joined its nomination instead of starting a ninth
    # read by OCR: the screenshot shows the clerk's name; the form came only as a photo of the paper
    assert rows["JZ2021-007"] == ["孟州市总工会", "马建军", "待补充", "1", "征信截图姓名不符"]
    assert rows["JZ2021-008"] == ["解放区总工会", "杨丽萍", "待补充", "1", "推荐表只有扫描件"]
    assert rows["JZ2021-002"] == ["山阳区总工会", "李秀梅", "材料齐全", "2", "-"]  # its photos came in the second mail
    replies = [message_from_bytes(p.read_bytes(), policy=policy.default)
               for p in sorted((tmp_path / "demo" / "replies").glob("*.eml"))]
    assert len(replies) == 9
    about = [r for r in replies if "[JZ2021-002]" in str(r["Subject"])]
    assert len(about) == 2 and sum("推荐材料齐全" in str(r.get_body(("plain",)).get_content()) for r in about) == 1
    lines = result.output.rstrip().splitlines()
    assert lines[-4].endswith(f"--config {tmp_path / 'demo' / 'config.toml'} show JZ2021-003")
    assert lines[-4].split()[0] in ("shenbao", str(Path(sys.executable).parent / "shenbao"))  # runnable as printed


def test_demo_without_keep_leaves_no_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # re-read TMPDIR
    try:
        result = invoke("demo")
    finally:
        tempfile.tempdir = None
    assert result.exit_code == 0, result.output
    assert "临时文件夹已删除" in result.output and "demo --keep" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_demo_people_have_a_gender_that_fits_their_names(tmp_path: Path) -> None:
    assert invoke("demo", "--keep", str(tmp_path / "demo")).exit_code == 0
    data = json.loads(invoke("--config", str(tmp_path / "demo" / "config.toml"), "export").output)
    genders = {s["candidate"]: s["items"]["form"]["fields"]["性别"] for s in data["submissions"]}
    assert genders == {"王建国": "男", "李秀梅": "女", "赵志强": "男", "刘红霞": "女", "周文静": "女", "陈立新": "男",
                       "马建军": "男", "杨丽萍": "女"}  # 杨丽萍's form read by OCR from its photo


def test_an_unset_smtp_password_stops_run_and_leaves_a_reply_queued_naming_the_variable(
        tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN [smtp] password_env naming a variable that is not set; WHEN the service would log in
    THEN run refuses to start (exit 2) and a digest sent by hand stays queued with the variable named,
    and no login with an empty password reaches the server."""
    monkeypatch.delenv("SHENBAO_UNSET_SMTP", raising=False)
    (tmp_path / "mailbox").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f"""\
[mailbox]
kind = "folder"
path = "mailbox"
[smtp]
kind = "smtp"
host = "{HOST}"
port = {smtp_server.port}
ssl = false
username = "jzghxjb@163.com"
password_env = "SHENBAO_UNSET_SMTP"
[digest]
recipients = ["office@example.com"]
""", encoding="utf-8")
    run = invoke("--config", str(config), "run", "--once")
    assert run.exit_code == 2 and "smtp.password_env: the environment variable SHENBAO_UNSET_SMTP is not set" in run.output
    sent = invoke("--config", str(config), "digest", "--send")
    assert sent.exit_code == 1 and sent.output.count("\n") == 1
    assert "[smtp] password_env: the environment variable SHENBAO_UNSET_SMTP is not set or is empty" in sent.output
    assert smtp_server.messages == []
