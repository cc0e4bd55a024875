"""What a credit-check screenshot says, from the text OCR read in it. Pure: text in, reading out.

The notice names three places to check a candidate: 信用中国, 中国执行信息公开网 and 百度. Their
result pages show the query (the name typed into the search box, or a labelled 姓名/名称/关键词),
a result phrase ("未查询到相关信息", "暂无数据", "共找到 2 条") and, when something is listed,
record rows (失信被执行人, 被执行人, 限制消费, 案号, 执行法院). This module reads those from the
lines; ``rules.evaluate.check_credit`` judges them against the candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.names import compact

SITES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("中国执行信息公开网", ("执行信息公开", "zxgk")),
    ("信用中国", ("信用中国", "creditchina")),
    ("百度", ("百度", "baidu")),
)
OTHER_SITE = "其他"
# Phrases saying nothing was found.
CLEAR_PHRASES = ("未查询到相关信息", "未查询到", "未找到", "没有找到", "暂无", "无相关", "查询结果为空", "无记录",
                 "无失信", "无结果")
RECORD_WORDS = ("失信被执行人", "被执行人", "限制消费", "案号", "执行法院")
_NAME = r"([\u4e00-\u9fff·]{2,5})"
_SHOWN = re.compile(r"(?:搜索关键词|搜索关键字|查询关键词|关键词|关键字|搜索|查询对象|查询内容|查询条件|被执行人姓名/名称|姓名/名称|被执行人姓名|"
                    r"被执行人名称|当事人|姓名|名称)[:：]?" + _NAME)
_COUNT = re.compile(r"(?:共|找到|查询到|搜索到)[^\d]{0,6}(\d+)\s*(?:条|个|项|家|人)")
_CATEGORY_COUNT = re.compile(r"(失信被执行人|被执行人|限制消费(?:令|人员)?)[^\d]{0,6}(\d+)\s*(?:条|个|项|人)")
_CASE = re.compile(r"[(（〔\[]\d{4}[)）〕\]][\u4e00-\u9fff\d]{1,16}?执[\u4e00-\u9fff]{0,3}\d+号")
_COURT = re.compile(r"执行法院[:：]?\S*?法院")
# Words after a name in a search box or a title that are not part of the name.
_QUERY_TAIL = ("失信被执行人", "被执行人", "失信", "征信", "信用", "查询", "执行", "限制消费")


@dataclass(frozen=True)
class CreditReading:
    site: str  # one of SITES' names, or OTHER_SITE
    names: tuple[str, ...]  # names the page shows as queried or listed (labelled), in order
    results: tuple[str, ...]  # result phrases read: "未查询到相关信息", "共找到2条", ...
    records: tuple[str, ...]  # record rows: lines with a case number, a court, or a category count above 0

    @property
    def clear(self) -> bool:
        return not self.records and any(any(p in r for p in CLEAR_PHRASES) for r in self.results)


def site_of(text: str) -> str:
    lowered = compact(text).lower()
    return next((name for name, marks in SITES if any(mark.lower() in lowered for mark in marks)), OTHER_SITE)


def _strip_tail(name: str) -> str:
    for tail in _QUERY_TAIL:
        if name.endswith(tail) and len(name) - len(tail) >= 2:
            return name[: -len(tail)]
    return name


_QUERY = re.compile(r"^([\u4e00-\u9fff·]{2,4})(?:" + "|".join(_QUERY_TAIL) + ")+$")


def shown_names(lines: list[str]) -> tuple[str, ...]:
    """The names a page labels as queried or listed ("关键词：赵刚", "被执行人姓名/名称：李四"), or
    typed into a search box with the check's words ("李四 失信被执行人")."""
    names: list[str] = []
    for line in lines:
        found = [match.group(1) for match in _SHOWN.finditer(line)] + [m.group(1) for m in [_QUERY.match(line)] if m]
        for raw in found:
            name = _strip_tail(raw)
            if name not in names and not any(word in name for word in ("信息", "结果", "法院", "名称", "姓名")):
                names.append(name)
    return tuple(names)


def _is_record(line: str) -> bool:
    if _CASE.search(line) or _COURT.search(line):
        return True
    return any(int(count) > 0 for _word, count in _CATEGORY_COUNT.findall(line))


def read_credit(text: str) -> CreditReading:
    """The site, the names shown, the result phrases and the record rows of a screenshot's OCR text."""
    lines = [compact(line) for line in text.splitlines() if compact(line)]
    results = [line for line in lines if any(p in line for p in CLEAR_PHRASES) or _COUNT.search(line)]
    records = [line for line in lines if _is_record(line)]
    if not records and not any(any(p in r for p in CLEAR_PHRASES) for r in results):
        # "共找到 2 条" beside a record word (a result list) counts as records listed
        listed = [line for line in lines if any(int(n) > 0 for n in _COUNT.findall(line))]
        if listed and any(word in "".join(lines) for word in RECORD_WORDS[:3]):
            records = listed
    return CreditReading(site_of(text), shown_names(lines), tuple(results), tuple(records))


def shows_name(text: str, name: str) -> bool:
    """Whether ``name`` (spaces ignored) appears in the text read."""
    wanted = compact(name)
    return bool(wanted) and wanted in compact(text)
