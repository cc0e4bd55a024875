"""The CLI contract: help for every command, exact exit codes, one clear error line."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from shenbao.cli import cli
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


def test_check_config_accepts_the_example() -> None:
    result = invoke("--config", str(ROOT / "config.example.toml"), "check-config")
    assert result.exit_code == 0
    assert result.output.endswith("config.example.toml: OK (imap mailbox, smtp replies, deadline 2021-04-30T23:59:59+08:00)\n")


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
    assert out.read_text(encoding="utf-8").startswith("\ufeffid,unit,candidate,sender,status,problems")


def test_xlsx_needs_an_output_file(service: Service) -> None:
    result = service.cli("export", "--format", "xlsx")
    assert result.exit_code == 2 and "--format xlsx needs -o FILE" in result.output


def test_config_falls_back_to_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHENBAO_CONFIG", str(ROOT / "config.example.toml"))
    result = invoke("check-config")
    assert result.exit_code == 0 and "config.example.toml: OK" in result.output


def test_demo_processes_the_bundled_mail_and_shows_the_replies(tmp_path: Path) -> None:
    result = invoke("demo", "--keep", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    assert "fetched 10, processed 10, replies written 9" in result.output
    for expected in ("JZ2021-001", "齐全", "待补充", "逾期", "photos.too_small", "ignored:auto-submitted"):
        assert expected in result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.startswith("JZ2021-")}
    assert len(rows) == 8  # the follow-up joined its nomination instead of starting a ninth
    # read by OCR: the screenshot shows the clerk's name; the form came only as a photo of the paper
    assert rows["JZ2021-007"] == ["孟州市总工会", "马建军", "待补充", "1", "credit.name_mismatch"]
    assert rows["JZ2021-008"] == ["解放区总工会", "杨丽萍", "待补充", "1", "form.scan_only"]
    assert rows["JZ2021-002"] == ["山阳区总工会", "李秀梅", "齐全", "2", "-"]  # its photos came in the second mail
    replies = [message_from_bytes(p.read_bytes(), policy=policy.default)
               for p in sorted((tmp_path / "demo" / "replies").glob("*.eml"))]
    assert len(replies) == 9
    about = [r for r in replies if "[JZ2021-002]" in str(r["Subject"])]
    assert len(about) == 2 and sum("推荐材料齐全" in str(r.get_body(("plain",)).get_content()) for r in about) == 1
