"""The few facts of a stored file that judging and the office views read, in a column of their own.

A file's facts (``StoredFile.facts``) are the JSON of everything reading it found, a deeds
text included: most of the register's bytes. Judging a nomination and listing 10 000 of them
need only the text's length, pictures pasted into a document, a photo's size in pixels and a
form's fields: a ``Brief`` keeps those in ``StoredFile.brief`` when the file is stored (and
when an older register is upgraded, see ``shenbao.store.migrations``), so they are read without parsing
the facts. ``Brief`` is the one place that encodes and decodes the column: a JSON object of
named fields; registers written before it hold a JSON array of the fields in their order, which
``decode`` still reads (no schema change).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shenbao.errors import StoredValueError
from shenbao.store.models import StoredFile

log = logging.getLogger(__name__)
LEGACY_FIELDS = 6  # the array of an earlier register: text_chars to form_fields
OCR_TEXT_KEPT = 4000  # characters of OCR text kept in the brief (a credit page has a few hundred)
_ARRAY = TypeAdapter(list[Any])

_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def non_space_chars(text: str) -> int:
    """A deeds text's length as DESIGN.md defines it: its count of non-whitespace characters
    (``str.split`` splits at exactly the characters ``str.isspace`` calls whitespace). Invisible
    characters (NUL and other controls, zero-width and bidi marks, BOMs) are not text either: a
    document padded with 2000 NULs has no deeds in it."""
    return len(_INVISIBLE.sub("", "".join(text.split())))


class Brief(BaseModel):
    """What judging reads of one file. A new fact is one field here with a default (a brief stored
    before it decodes with the default) and one line in ``of_facts``; fields are only ever added at
    the end, since old registers' arrays are read in this order."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    text_chars: int = Field(default=0, ge=0)  # non_space_chars of the text
    embedded_images: int = Field(default=0, ge=0)  # pictures pasted into the document
    width: int = Field(default=0, ge=0)  # a picture's pixels (0: not a picture)
    height: int = Field(default=0, ge=0)
    form_unit: str = ""  # the unit a 推荐表 names
    form_fields: dict[str, str] = Field(default_factory=dict)  # a 推荐表's fields
    phash: str = ""  # a photo's perceptual hash (16 hex digits; recycled photos), "" when not measured
    ocr_state: str = ""  # OCR (ingest.ocr): "" not run, "read", "empty", "failed"
    ocr_text: str = ""  # the lines OCR read, at most OCR_TEXT_KEPT characters
    scan: bool = False  # a scan or photo of the form: its fields were read by OCR

    @classmethod
    def of_facts(cls, facts: Mapping[str, Any]) -> Brief:
        """The brief of a file's facts (``dataclasses.asdict`` of ``ingest.types.FileFacts``, or its stored JSON)."""
        image = facts.get("image") or {}
        fields = facts.get("form_fields") or {}
        return cls(text_chars=non_space_chars(str(facts.get("text") or "")),
                   embedded_images=int(facts.get("embedded_images") or 0), width=int(image.get("width") or 0),
                   height=int(image.get("height") or 0), form_unit=str(facts.get("form_unit") or ""),
                   form_fields={str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {},
                   phash=str(image.get("phash") or ""), ocr_state=str(facts.get("ocr_state") or ""),
                   ocr_text=str(facts.get("ocr_text") or "")[:OCR_TEXT_KEPT], scan=bool(facts.get("scan")))

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, text: str, where: str) -> Brief:
        """``StoredFile.brief`` as stored (``where``: which file, for the error's message); a value
        that is not a brief is a ``StoredValueError`` naming the file, the fault and the fix."""
        fault: ValidationError | str
        try:
            if not text.startswith("["):
                return cls.model_validate_json(text)  # (no Python validator: pydantic's fast path)
            values = _ARRAY.validate_json(text)  # a brief of an earlier register: its fields in order
            if LEGACY_FIELDS <= len(values) <= len(cls.model_fields):
                return cls.model_validate(dict(zip(cls.model_fields, values, strict=False)))  # the rest: defaults
            fault = f"an array of {len(values)} values, not {LEGACY_FIELDS} to {len(cls.model_fields)}"
        except ValidationError as exc:
            fault = exc
        raise StoredValueError.of(f"files.brief of {where}", fault, "`shenbao reevaluate` computes it again from the "
                                  "file's facts")

    @classmethod
    def of_row(cls, row: StoredFile) -> Brief:
        """The brief of a file row; one that does not decode is computed again from the row's facts,
        put on the row (saved with the caller's session, as ``reevaluate`` does) and logged."""
        try:
            return cls.decode(row.brief, f"file {row.id} ({row.filename})")
        except StoredValueError as exc:
            try:
                brief = cls.of_facts(file_facts(row.facts))
            except (ValueError, AttributeError):  # the facts are damaged too
                raise exc from None
            log.warning("%s: doing so now", exc)
            row.brief = brief.encode()
            return brief


def file_facts(facts: str) -> dict[str, Any]:
    """``StoredFile.facts`` (the JSON of ``ingest.types.FileFacts``); damaged JSON raises ``ValueError``."""
    return cast(dict[str, Any], json.loads(facts or "{}"))


def brief_json(facts: Mapping[str, Any]) -> str:
    """``StoredFile.brief`` for a file's facts."""
    return Brief.of_facts(facts).encode()
