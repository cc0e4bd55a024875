"""Recognising the labels of a 推荐表 and pairing them with their values. Pure functions.

Labels are compared after Unicode NFKC (full-width -> half-width), with all whitespace,
a trailing colon and trailing parenthesised notes removed: "姓  名", "姓　名：" and "姓名"
are one label, and "主\\n要\\n事\\n迹\\n（简要，200字左右）" is "主要事迹".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from ingest.names import compact

# Canonical label -> spellings that mean the same (after normalisation).
_LABELS: dict[str, tuple[str, ...]] = {
    "姓名": ("名字", "候选人姓名"),
    "性别": (),
    "出生年月": ("出生年月日", "出生日期", "出生时间"),
    "民族": (),
    "政治面貌": ("政治面目",),
    "文化程度": ("学历",),
    "工作单位及职务": ("工作单位和职务", "单位及职务", "工作单位及职务职称", "工作单位及职位"),
    "职称/技术等级": ("职称", "技术等级", "职称技术等级", "职称或技术等级"),
    "联系电话": ("电话", "手机", "手机号码", "联系方式"),
    "身份证号码": ("身份证号", "身份证", "公民身份号码"),
    "主要事迹": ("简要事迹", "主要事迹简介", "事迹简介"),
    "推荐单位意见": (),
    "党委宣传部门意见": (),
    "工会意见": (),
}
_CANONICAL: dict[str, str] = {
    spelling: canonical for canonical, aliases in _LABELS.items() for spelling in (canonical, *aliases)
}
KNOWN_LABELS: tuple[str, ...] = tuple(_LABELS)

_MAX_LABEL_CHARS = 40
_PAREN_TAIL = re.compile(r"\([^()]*\)$")
_WHITESPACE = re.compile(r"\s+")
_INLINE = re.compile(r"^(?P<label>[^:]{1,20}):(?P<value>.*)$", re.DOTALL)
_UNIT_START = re.compile(r"(?:申报|推荐)单位\s*(?:[（(]\s*(?:公章|盖章)\s*[）)])?\s*[:：]")
_SEAL = re.compile(r"[（(]\s*(?:公章|盖章|印章)\s*[）)]")
_UNIT_END = re.compile(r"日\s*期|时\s*间|联\s*系\s*人|填\s*表|电\s*话|\s{2,}|\t|\u3000{2,}")


def label_key(text: str) -> str | None:
    """The canonical label a cell's text stands for, or None when it is not a known label."""
    if len(text) > _MAX_LABEL_CHARS * 3:
        return None
    key = compact(text).strip("*＊").rstrip(":")
    while _PAREN_TAIL.search(key) and len(key) > 1:
        stripped = _PAREN_TAIL.sub("", key)
        if not stripped:
            break
        key = stripped
    key = key.rstrip(":")
    if not key or len(key) > _MAX_LABEL_CHARS:
        return None
    return _CANONICAL.get(key)


def split_inline(text: str) -> tuple[str, str] | None:
    """``"姓名：张三"`` -> ``("姓名", "张三")``; None when the text does not start with a label."""
    match = _INLINE.match(unicodedata.normalize("NFKC", text.strip()))
    if match is None:
        return None
    key = label_key(match.group("label"))
    if key is None:
        return None
    return key, match.group("value").strip()


def _record(fields: dict[str, str], key: str, value: str) -> None:
    if key not in fields or (not fields[key] and value):
        fields[key] = value


def fields_from_rows(rows: Iterable[Sequence[str]]) -> dict[str, str]:
    """Pair each label cell with the next cell of its row whose text differs from it.

    Merged cells repeat the same text across the row, so repeats of the label are skipped;
    when that next cell is itself a label, the field is empty.
    """
    fields: dict[str, str] = {}
    for cells in rows:
        index = 0
        while index < len(cells):
            text = cells[index]
            key = label_key(text)
            if key is None:
                inline = split_inline(text)
                if inline is not None:
                    _record(fields, *inline)
                index += 1
                continue
            following = index + 1
            while following < len(cells) and cells[following] == text:
                following += 1
            value = ""
            if following < len(cells) and label_key(cells[following]) is None:
                value = cells[following].strip()
            _record(fields, key, value)
            index = following
    return fields


def fields_from_lines(lines: Iterable[str]) -> dict[str, str]:
    """Fields written as lines ``标签：值`` (a form typed as plain text)."""
    fields: dict[str, str] = {}
    for line in lines:
        inline = split_inline(line)
        if inline is not None:
            _record(fields, *inline)
    return fields


def unit_from_lines(lines: Iterable[str]) -> str:
    """The unit in ``申报单位：（公章）沁阳市总工会   日期：…`` ("" when none is written)."""
    for line in lines:
        match = _UNIT_START.search(line)
        if match is None:
            continue
        rest = _SEAL.sub("", line[match.end():]).lstrip(" :：\u3000\t")
        end = _UNIT_END.search(rest)
        unit = _WHITESPACE.sub("", rest[: end.start()] if end else rest).strip("：:，,。;；")
        if unit:
            return unit
    return ""


# Every spelling of every label, longest first: at one place the longest label wins ("联系电话" over "电话").
# Words that end a value without being a field themselves (the form's footer).
_FLAT_STOPS = ("推荐单位(盖章)", "推荐单位(公章)", "推荐单位:", "申报单位", "填表日期", "填表人")
_FLAT_LABELS = re.compile("|".join(re.escape(s) for s in sorted((*_CANONICAL, *_FLAT_STOPS), key=len, reverse=True)))
_FLAT_MAX_VALUE = 200  # a value longer than this is running text, not a field (主要事迹 excepted)
_FLAT_STRIP = ":;,.。；，、|"
_PAREN_HEAD = re.compile(r"^:?\([^()]*\)")  # the label's own note: "主要事迹（简要，200字左右）"
FLAT_MIN_LABELS = 4  # running text with this many different labels is a flattened form


def fields_from_flat(text: str) -> dict[str, str]:
    """Fields of a form whose table came out as running text ("姓  名赵刚性  别男出生年月1988年10月…",
    an old .doc through LibreOffice, or a scan's OCR lines): the value of a label is the text up to
    the next known label. Whitespace inside labels and values is dropped (it is layout there)."""
    flat = compact(text)
    matches = list(_FLAT_LABELS.finditer(flat))
    fields: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(flat)
        key = _CANONICAL.get(match.group())
        if key is None:
            continue
        value = _PAREN_HEAD.sub("", flat[match.end():end]).strip(_FLAT_STRIP)
        if len(value) > _FLAT_MAX_VALUE and key != "主要事迹":
            value = ""
        _record(fields, key, value)
    return fields


def flat_label_count(text: str) -> int:
    """How many different known labels occur in ``text`` read as running text."""
    return len({_CANONICAL[m.group()] for m in _FLAT_LABELS.finditer(compact(text)) if m.group() in _CANONICAL})
