"""The few facts of a stored file that judging and the office views read, in a column of their own.

A file's facts (``StoredFile.facts``) are the JSON of everything reading it found, a deeds
text included: most of the register's bytes. Judging a nomination and listing 10 000 of them
need only the text's length, pictures pasted into a document, a photo's size in pixels and a
form's fields: ``brief_json`` keeps those in ``StoredFile.brief`` when the file is stored (and
when an older register is upgraded, see ``shenbao.store.migrations``), so they are read without parsing
the facts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# The order of the JSON array in StoredFile.brief.
FIELDS = ("text_chars", "embedded_images", "width", "height", "form_unit", "form_fields")
Brief = tuple[int, int, int, int, str, dict[str, str]]
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def non_space_chars(text: str) -> int:
    """A deeds text's length as DESIGN.md defines it: its count of non-whitespace characters
    (``str.split`` splits at exactly the characters ``str.isspace`` calls whitespace). Invisible
    characters (NUL and other controls, zero-width and bidi marks, BOMs) are not text either: a
    document padded with 2000 NULs has no deeds in it."""
    return len(_INVISIBLE.sub("", "".join(text.split())))


def brief_json(facts: Mapping[str, Any]) -> str:
    """The brief of a file's facts (``dataclasses.asdict`` of ``ingest.types.FileFacts``, or its stored JSON)."""
    image = facts.get("image") or {}
    fields = facts.get("form_fields") or {}
    return json.dumps([non_space_chars(str(facts.get("text") or "")), int(facts.get("embedded_images") or 0),
                       int(image.get("width") or 0), int(image.get("height") or 0), str(facts.get("form_unit") or ""),
                       fields if isinstance(fields, dict) else {}], ensure_ascii=False)


def parse_brief(text: str) -> Brief:
    chars, embedded, width, height, form_unit, form_fields = json.loads(text)
    return int(chars), int(embedded), int(width), int(height), str(form_unit), dict(form_fields)
