"""The config file: TOML read with tomllib, validated up front into frozen, typed objects.

Relative paths (``data_dir``, ``mailbox.path``, ``smtp.path``, a relative SQLite file)
are taken relative to the directory of the config file, so the service behaves the same
whatever directory it is started from.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any

from pydantic import Field, PositiveInt, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ingest.addresses import mailbox_key
from ingest.limits import Limits
from ingest.names import compact
from rules.config import Campaign, Rules
from shenbao.config_hints import toml_hint, validation_errors
from shenbao.config_logins import Frozen, MailboxConfig, SmtpConfig, WebConfig
from shenbao.errors import ConfigError


ADDRESS = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[a-z0-9-]{2,}")  # what a roster address must look like


class StorageConfig(Frozen):
    database_url: str = "sqlite:///var/shenbao.db"
    data_dir: str = "var/data"
    busy_timeout_seconds: int = Field(default=10, ge=1, le=600)  # wait this long for another program's lock


class RepliesConfig(Frozen):
    enabled: bool = True
    max_per_sender_per_day: PositiveInt = 20
    max_per_sender_per_3h: PositiveInt = 10
    max_per_hour: PositiveInt = 200
    retry_after_seconds: int = Field(default=30, ge=1, le=3600)  # first retry of a failed send; doubles each time
    signature: str = "焦作市总工会宣教网络部"
    contact: str = "陈晓杰，电话 3999920"


class DigestConfig(Frozen):
    recipients: tuple[str, ...] = ()
    time: str = "08:30"

    @field_validator("time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a time of day as \"HH:MM\", e.g. \"08:30\"") from exc
        return value


class UnitConfig(Frozen):
    name: str
    emails: tuple[str, ...] = ()
    quota: PositiveInt | None = None
    type: str = ""

    @field_validator("emails")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        addresses = tuple(v.strip().lower() for v in value)
        wrong = [a for a in addresses if not ADDRESS.fullmatch(a)]
        if wrong:
            raise ValueError(f"{', '.join(repr(a) for a in wrong)} is not an e-mail address; write it whole, "
                             "e.g. \"jfqzgh@163.com\"")
        return addresses


class LimitsConfig(Frozen):
    """``[limits]``: what one mail's attachments may cost (see ingest.limits.Limits)."""

    max_attachment_bytes: PositiveInt = 50_000_000
    max_archive_total_bytes: PositiveInt = 200_000_000
    max_archive_members: PositiveInt = 500
    max_compression_ratio: PositiveInt = 200
    max_nesting_depth: int = Field(default=3, ge=1, le=10)
    max_image_pixels: PositiveInt = 120_000_000
    conversion_timeout_seconds: int = Field(default=60, ge=5, le=600)
    max_files_per_mail: PositiveInt = 1000
    file_seconds: float = Field(default=5.0, gt=0, le=600)

    def for_ingest(self) -> Limits:
        return Limits(**self.model_dump())


def unit_for_address(units: tuple[UnitConfig, ...], address: str) -> UnitConfig | None:
    """The unit one of whose addresses is this mailbox (``"JFQZGH"@163.com``, ``jfqzgh+x@163.com``)."""
    key = mailbox_key(address)
    return next((u for u in units if key and key in {mailbox_key(a) for a in u.emails}), None)


class PerformanceConfig(Frozen):
    """``[performance]``: how many worker processes parse and read stored mail ahead of its turn
    (``shenbao.service.parallel``); 1 = one mail at a time in the service, its files in one worker."""

    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64)


class OcrConfig(Frozen):
    """``[ocr]``: reading the text of credit screenshots, scanned and photographed forms (ingest.ocr)."""

    enabled: bool = True


class Config(Frozen):
    mailbox: MailboxConfig
    smtp: SmtpConfig
    storage: StorageConfig = Field(default_factory=StorageConfig)
    campaign: Campaign = Field(default_factory=Campaign)
    rules: Rules = Field(default_factory=Rules)
    replies: RepliesConfig = Field(default_factory=RepliesConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    performance: PerformanceConfig = Field(default_factory=PerformanceConfig)
    ocr: OcrConfig = Field(default_factory=OcrConfig)
    units: tuple[UnitConfig, ...] = ()
    base_dir: Path = Path(".")  # directory of the config file; set by load_config
    source: Path | None = None  # the config file itself; set by load_config (the daemon watches it)

    def resolve(self, path: str) -> Path:
        """A config path made absolute against the config file's directory."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def data_dir(self) -> Path:
        return self.resolve(self.storage.data_dir)

    @property
    def database_url(self) -> str:
        url = self.storage.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and url != "sqlite:///:memory:" and not url.startswith("sqlite:////"):
            return prefix + str(self.resolve(url[len(prefix):]))
        return url

    def unit_for_sender(self, address: str) -> UnitConfig | None:
        return unit_for_address(self.units, address)

    @field_validator("rules")
    @classmethod
    def _winners_from_another_campaign(cls, rules: Rules, info: ValidationInfo) -> Rules:
        campaign = info.data.get("campaign")
        if isinstance(campaign, Campaign) and campaign.id in rules.eligibility.previous_winners_from:
            message = f"{campaign.id!r} is this campaign ([campaign] id); name an earlier campaign of the same register"
            raise ValidationError.from_exception_data("rules", [InitErrorDetails(
                type=PydanticCustomError("value_error", "{m}", {"m": message}),
                loc=("eligibility", "previous_winners_from"), input=campaign.id)])
        return rules

    @field_validator("units")
    @classmethod
    def _roster(cls, units: tuple[UnitConfig, ...], info: ValidationInfo) -> tuple[UnitConfig, ...]:
        """Every unit named once, every address once, every type known (or the unit's own quota)."""
        rules = info.data.get("rules")
        known = rules.quota.by_type if isinstance(rules, Rules) else None  # None: [rules] has its own errors
        errors: list[tuple[int, str, str]] = []
        owner: dict[str, str] = {}
        names: set[str] = set()
        for index, unit in enumerate(units):
            name = compact(unit.name)
            if not name or name in names:
                errors.append((index, "name", "must not be empty" if not name else f"{unit.name!r} is listed twice"))
            names.add(name)
            if known is not None and unit.quota is None and unit.type and "".join(unit.type.split()) not in known:
                errors.append((index, "type", (f"unknown unit type {unit.type!r}; use one of {', '.join(known) or '(none)'} "
                                               "(the keys of [rules.quota.by_type]) or give the unit its own quota")))
            for address in unit.emails:
                if address in owner:
                    errors.append((index, "emails", f"{address} is already the address of {owner[address]}"))
                owner[address] = unit.name
        if errors:
            raise ValidationError.from_exception_data("units", [
                InitErrorDetails(type=PydanticCustomError("value_error", "{m}", {"m": message}), loc=(index, key), input=key)
                for index, key, message in errors])
        return units


def parse_config(data: dict[str, Any], base_dir: Path) -> Config:
    try:
        return Config.model_validate({**data, "base_dir": base_dir}, context={"base_dir": base_dir})
    except ValidationError as exc:
        errors = validation_errors(exc, data, Config)
        raise ConfigError(f"{len(errors)} error(s) in the config", errors) from None


def load_config(path: Path) -> Config:
    """Read and validate ``path``; raise ConfigError naming the file and every bad key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (copy config.example.toml to {path.name}, or pass --config)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        text = path.read_text(encoding="utf-8")
        raise ConfigError(f"{path}: not valid TOML ({exc})", [toml_hint(text, exc)]) from None
    for internal in ("base_dir", "source"):
        if internal in data:
            raise ConfigError(f"{path}: {internal} is not a config key", [f"{internal}: unknown key"])
    try:
        return parse_config(data, path.resolve().parent).model_copy(update={"source": path.resolve()})
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}", exc.errors) from None
