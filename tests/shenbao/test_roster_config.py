"""The [[units]] roster and [rules.quota] in the config: checked up front, every mistake with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from shenbao.config import load_config
from shenbao.errors import ConfigError
from shenbao.register.roster import unit_quota
from tests.shenbao.conftest import FOLDER_CONFIG

ROOT = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, extra: str) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(FOLDER_CONFIG + extra, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        return exc.errors
    return []


UNIT = '\n[[units]]\nname = "{name}"\nemails = ["{email}"]\n{more}\n'


@pytest.mark.parametrize(("units", "expected"), [
    ([("A", "a@x.cn", 'type = "街道工会"')],
     [("units[1] A type: unknown unit type '街道工会'; use one of 县市区工会, 示范区工会, 市直机关工会, 产业工会, 市属基层工会 "
       "(the keys of [rules.quota.by_type]) or give the unit its own quota")]),
    ([("A", "a@x.cn", 'type = "街道工会"\nquota = 1')], []),
    ([("A", "a@x.cn", ""), ("B", "A@x.cn", "")], ["units[2] B emails: a@x.cn is already the address of A"]),
    ([("A", "a@x.cn", ""), (" A ", "b@x.cn", "")], ["units[2] A name: ' A ' is listed twice"]),
    ([("A", "a@x.cn", "quota = 0")], ["units[1] A quota: must be a positive integer"]),
    ([("A", "a@x.cn", ""), ("解放区总工会", "zzq163.com", "")],
     ["units[2] 解放区总工会 emails: 'zzq163.com' is not an e-mail address; write it whole, e.g. \"jfqzgh@163.com\""]),
    ([("A", "a@163", "")], ["units[1] A emails: 'a@163' is not an e-mail address; write it whole, e.g. \"jfqzgh@163.com\""]),
    ([("A", "a@x.cn", "emial = 1")], [("units[1] A emial: unknown key (check the spelling against config.example.toml) "
                                      "(did you mean emails?)")]),
])
def test_roster_mistakes_are_named_by_key_path(tmp_path: Path, units: list[tuple[str, str, str]],
                                               expected: list[str]) -> None:
    extra = "".join(UNIT.format(name=n, email=e, more=m) for n, e, m in units)
    assert _load(tmp_path, extra) == expected


def test_quota_types_are_admin_editable(tmp_path: Path) -> None:
    extra = '\n[rules.quota]\ndefault = 1\n[rules.quota.by_type]\n"街道工会" = 3\n' + \
            UNIT.format(name="A", email="a@x.cn", more='type = "街道工会"')
    assert _load(tmp_path, extra) == []
    config = load_config(tmp_path / "config.toml")
    assert (config.rules.quota.by_type, config.rules.quota.default) == ({"街道工会": 3}, 1)


def test_the_example_roster_gets_the_notices_quotas() -> None:
    config = load_config(ROOT / "config.example.toml")
    quotas = {u.name: unit_quota(config, u.name) for u in config.units}
    assert quotas["解放区总工会"] == 2 and quotas["焦作供电公司工会"] == 1 and quotas["市直机关工委工会"] == 2
    assert unit_quota(config, "不在名单中的单位") is None
