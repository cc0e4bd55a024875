"""Typed, frozen rule settings (the ``[rules.*]`` and ``[campaign]`` tables of the config)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from ingest.names import compact


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PhotoRules(_Frozen):
    min_count: PositiveInt = 2
    max_count: PositiveInt = 3
    min_bytes: PositiveInt = 2_000_000
    formats: tuple[str, ...] = ("jpeg",)
    # photos.duplicate: perceptual hashes at most this many bits apart (of 64) are the same photo
    duplicate_max_distance: int = Field(default=10, ge=0, le=32)

    @field_validator("formats")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must list at least one format, e.g. [\"jpeg\"]")
        return tuple(v.lower() for v in value)


class DeedsRules(_Frozen):
    min_chars: PositiveInt = 1800


class FormRules(_Frozen):
    required_fields: tuple[str, ...] = ("姓名", "性别", "出生年月", "政治面貌", "工作单位及职务", "联系电话")

    @field_validator("required_fields")
    @classmethod
    def _strip(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple("".join(v.split()) for v in value)


class EligibilityRules(_Frozen):
    leader_keywords: tuple[str, ...] = ("局长", "处长", "董事长", "总经理", "院长", "校长", "厂长", "县长", "区长")
    previous_winners: tuple[str, ...] = ()
    # campaign ids (``[campaign] id``) in the same register whose accepted candidates count as
    # previous winners too; the register layer resolves them into ``previous_winners``
    previous_winners_from: tuple[str, ...] = ()

    @field_validator("previous_winners_from", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("previous_winners_from")
    @classmethod
    def _slugs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(campaign_slug(v) for v in value)


class CreditRules(_Frozen):
    required: bool = True
    read_text: bool = True  # judge what OCR read in the screenshots (name, records); false: presence only


# The notice: 县市区/示范区/市直机关/产业工会 2 candidates each, 市属基层工会 1.
DEFAULT_QUOTAS: dict[str, int] = {"县市区工会": 2, "示范区工会": 2, "市直机关工会": 2, "产业工会": 2, "市属基层工会": 1}


class QuotaRules(_Frozen):
    """How many candidates a unit may nominate: by the roster's unit ``type``, a unit's own
    ``quota`` overriding it; ``default`` for units of no known type (None = no limit)."""

    by_type: dict[str, PositiveInt] = Field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    default: PositiveInt | None = None

    @field_validator("by_type")
    @classmethod
    def _strip(cls, value: dict[str, int]) -> dict[str, int]:
        return {compact(k): v for k, v in value.items()}


class Rules(_Frozen):
    photos: PhotoRules = Field(default_factory=PhotoRules)
    deeds: DeedsRules = Field(default_factory=DeedsRules)
    form: FormRules = Field(default_factory=FormRules)
    eligibility: EligibilityRules = Field(default_factory=EligibilityRules)
    credit: CreditRules = Field(default_factory=CreditRules)
    quota: QuotaRules = Field(default_factory=QuotaRules)


_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def campaign_slug(value: str) -> str:
    """A campaign id as written: ASCII letters, digits, ``.``, ``_`` or ``-``, up to 40, e.g. "JZ2021"."""
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a campaign id: use up to 40 ASCII letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit, e.g. \"JZ2021\"")
    return value


class Campaign(_Frozen):
    name: str = "2021年焦作“最美职工”"
    deadline: AwareDatetime = datetime.fromisoformat("2021-04-30T23:59:59+08:00")
    timezone: str = "Asia/Shanghai"
    reference_prefix: str = "JZ2021"
    # which campaign of the register this config reads and writes; unset: its reference_prefix
    # (so a config and a register from before ids existed go on unchanged)
    id: str = ""

    @model_validator(mode="after")
    def _derived_id(self) -> Campaign:
        if not self.id:
            object.__setattr__(self, "id", self.reference_prefix)
        return self

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return campaign_slug(value) if value else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. \"Asia/Shanghai\"") from exc
        return value
