"""Which of a nomination's files are current: materials accumulate, newer ones replace older ones.

Pure over a list of ``Item`` in arrival order. Nothing is deleted: a replaced file stays on
the register (``shenbao show`` lists it as replaced); only the current ones are judged.

- The same bytes sent again count once (the first copy stays).
- Documents (``latest`` in ``rules.materials``): the 推荐表 of the latest email that brought one
  replaces earlier ones; the same for the 事迹材料 (an attached text or a text pasted into the body).
- Pictures and other files accumulate; one from a later email with the same file name replaces
  the earlier one; a later email that brings a whole photo set (at least ``photo_set`` photos,
  the material built as ``Build.PICTURE``) replaces the earlier photos.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rules.materials import Build, built, table

DUPLICATE = "重复发送，与先前收到的文件相同"
NEWER_DOCUMENT = "已被后来收到的版本替换"
SAME_NAME = "已被后来收到的同名文件替换"
NEW_PHOTO_SET = "已被后来收到的一组照片替换"


@dataclass(frozen=True)
class Item:
    """One piece of material: a stored file, or (``key`` < 0) deeds text pasted into a body."""

    key: int  # StoredFile.id, or -Email.id for a body text
    email: int  # position of its email in arrival order (0, 1, ...)
    role: str  # a material's role (``rules.materials``) or "other"
    name: str  # display name, may be an archive path "材料.zip/张三/1.jpg"
    sha256: str = ""


@dataclass(frozen=True)
class Replaced:
    reason: str  # Chinese, for show and the office
    by: int  # the key of the item that replaced it


def _base(name: str) -> str:
    return unicodedata.normalize("NFKC", name.replace("\\", "/").rsplit("/", 1)[-1]).strip().lower()


def _newest_email_wins(items: Sequence[Item], role: str, out: dict[int, Replaced]) -> None:
    of_role = [i for i in items if i.role == role and i.key not in out]
    if not of_role:
        return
    newest = max(i.email for i in of_role)
    winner = next(i for i in of_role if i.email == newest)
    for item in of_role:
        if item.email < newest:
            out[item.key] = Replaced(NEWER_DOCUMENT, winner.key)


def _pictures(items: Sequence[Item], photo_set: int, out: dict[int, Replaced]) -> None:
    documents = {m.role for m in table() if m.latest}
    sets = {m.role for m in built(Build.PICTURE)}
    current: list[Item] = []
    for email in sorted({i.email for i in items}):
        arriving = [i for i in items if i.email == email and i.role not in documents and i.key not in out]
        photos = [i for i in arriving if i.role in sets]
        names = {_base(i.name): i for i in arriving}
        for old in current:
            if len(photos) >= photo_set and old.role in sets:
                out[old.key] = Replaced(NEW_PHOTO_SET, photos[0].key)
            elif _base(old.name) in names:
                out[old.key] = Replaced(SAME_NAME, names[_base(old.name)].key)
        current = [i for i in current if i.key not in out] + arriving


def replaced(items: Sequence[Item], photo_set: int) -> dict[int, Replaced]:
    """Item key -> why and by what it was replaced, for every item that is no longer current."""
    out: dict[int, Replaced] = {}
    first_of: dict[str, int] = {}
    for item in items:
        if item.sha256 and item.sha256 in first_of:
            out[item.key] = Replaced(DUPLICATE, first_of[item.sha256])
        elif item.sha256:
            first_of[item.sha256] = item.key
    for material in table():
        if material.latest:
            _newest_email_wins(items, material.role, out)
    _pictures(items, max(1, photo_set), out)
    return out
