"""The config file: the example is valid, mistakes are reported with their key paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from shenbao.config import load_config
from shenbao.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_holds_the_notice_rules() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.rules.photos.min_bytes == 2_000_000
    assert (config.rules.photos.min_count, config.rules.photos.max_count) == (2, 3)
    assert config.rules.deeds.min_chars == 1800
    assert config.campaign.deadline.isoformat() == "2021-04-30T23:59:59+08:00"
    assert "姓名" in config.rules.form.required_fields
    assert config.mailbox.password_env == "SHENBAO_IMAP_PASSWORD"


def test_three_mistakes_are_all_reported_with_key_paths(tmp_path: Path) -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace("min_bytes = 2000000", "min_bytes = -5")
    text = text.replace('kind = "smtp"', 'kind = "pigeon"')
    text = text.replace("deadline = 2021-04-30T23:59:59+08:00", "deadline = 2021-04-30T23:59:59\nmin_chars = 3")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.errors == [
        "smtp.kind: must be one of 'smtp' or 'file'",
        "campaign.deadline: must carry a UTC offset, e.g. 2021-04-30T23:59:59+08:00",
        "campaign.min_chars: unknown key (check the spelling against config.example.toml)",  # nothing close
        "rules.photos.min_bytes: must be a positive integer",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[mailbox]\nkind = "folder"\n[smtp]\nkind = "file"\npath = "r"\n',
         'mailbox.path: required when kind = "folder" (a directory of .eml files)'),
        ('[mailbox]\nkind = "folder"\npath = "m"\n', "smtp: required key is missing"),
        ('[mailbox]\nkind = "folder"\npath = "m"\n[smtp]\nkind = "file"\npath = "r"\n[campaign]\ndeadline = "2021/04/30 23:59"\n',
         "campaign.deadline: must be a date-time with a UTC offset, e.g. 2021-04-30T23:59:59+08:00"),
        ('[mailbox]\nkind = "folder"\npath = "m"\n[smtp]\nkind = "file"\npath = "r"\n[digest]\ntime = "25:00"\n',
         'digest.time: must be a time of day as "HH:MM", e.g. "08:30"'),
        ('[mailbox]\nkind = "folder"\npath = "m"\n[smtp]\nkind = "file"\npath = "r"\n[rules.photos]\nformats = []\n',
         'rules.photos.formats: must list at least one format, e.g. ["jpeg"]'),
        ('[mailbox]\nkind = "folder"\npath = "m"\n[smtp]\nkind = "file"\npath = "r"\n[web]\nhosts = ["http://a.cn:8080"]\n',
         "web.hosts: not a host name: 'http://a.cn:8080' (write the name only, without scheme, port or path)"),
    ],
)
def test_each_mistake_names_its_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert expected in caught.value.errors


@pytest.mark.parametrize(("line", "expected"), [
    ("deadline = 2021/04/30 23:59",
     ("campaign.deadline (line 6): 2021/04/30 23:59 is not a TOML date-time; write it like 2021-04-30T23:59:59+08:00 "
      "(year-month-day, T, hour:minute:second and the UTC offset, without quotes)")),
    ("deadline = 2021-04-31T23:59:59+08:00",
     ("campaign.deadline (line 6): 2021-04-31T23:59:59+08:00 is not a TOML date-time; write it like "
      "2021-04-30T23:59:59+08:00 (year-month-day, T, hour:minute:second and the UTC offset, without quotes)")),
    ("name = 2021年最美职工", ('campaign.name (line 6): 2021年最美职工 is not a TOML value; put text in double quotes, '
                            'e.g. "2021年最美职工"')),
    ("name = 最美职工", 'campaign.name (line 6): 最美职工 is not a TOML value; put text in double quotes, e.g. "最美职工"'),
])
def test_a_toml_syntax_error_names_the_key_and_shows_the_right_form(tmp_path: Path, line: str, expected: str) -> None:
    text = '[mailbox]\nkind = "folder"\npath = "m"\n\n[campaign]\n' + line + '\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.errors == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ('[rules.photos]\nmin_cout = 2\n', ("rules.photos.min_cout: unknown key (check the spelling against "
                                        "config.example.toml) (did you mean min_count?)")),
    ('[campain]\nname = "x"\n', ("campain: unknown key (check the spelling against config.example.toml) "
                                 "(did you mean campaign?)")),
    ('[mailbox]\nkind = "folder"\npath = "m"\npassword_evn = "X"\n',
     "mailbox.password_evn: unknown key (check the spelling against config.example.toml) (did you mean password_env?)"),
])
def test_an_unknown_key_gets_the_closest_known_one(tmp_path: Path, text: str, expected: str) -> None:
    base = '[smtp]\nkind = "file"\npath = "r"\n' + ('' if text.startswith("[mailbox]") else '[mailbox]\nkind = "folder"\npath = "m"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, base + text))
    assert expected in caught.value.errors


def test_missing_file_and_bad_toml_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r"config\.toml: not valid TOML"):
        load_config(write(tmp_path, "[mailbox\n"))


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[mailbox]\nkind = "folder"\npath = "in"\n[smtp]\nkind = "file"\npath = "out"\n'))
    assert config.resolve(config.mailbox.path) == tmp_path / "in"
    assert config.data_dir == tmp_path / "var" / "data"
    assert config.database_url == f"sqlite:///{tmp_path}/var/shenbao.db"


def test_password_comes_from_the_named_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHENBAO_IMAP_PASSWORD", "auth-code-123")
    config = load_config(ROOT / "config.example.toml")
    assert config.mailbox.secret() == "auth-code-123"
