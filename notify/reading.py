"""What OCR read in a credit screenshot, in a few Chinese words: the site, the name shown, the result.

The reply's list of received files and the office's ``show`` quote it, so the unit's clerk and the
office see what the check was based on. To the sender a listed record is only "列有记录条目，由活动
办公室人工核对" (never the rows: a namesake's record is no accusation); the office sees the rows.
"""

from __future__ import annotations

from rules.credit import read_credit

MAX_ROWS = 3  # record rows and result phrases quoted to the office


def credit_note(ocr_state: str, text: str, *, office: bool = False) -> str:
    """"文字识别：信用中国，查询姓名“赵刚”，未查询到相关信息"; "" when OCR did not run on it."""
    if ocr_state == "empty":
        return "文字识别：未识别出文字"
    if ocr_state != "read":
        return "文字识别：未能识别" if office and ocr_state else ""
    reading = read_credit(text)
    shown = "、".join(reading.names)
    name = f"查询姓名“{shown}”" if shown else "未识别到查询姓名"
    if office:
        result = "；".join((*reading.records[:MAX_ROWS], *reading.results[:MAX_ROWS])) or "未识别到查询结果"
    elif reading.records:
        result = "列有记录条目，由活动办公室人工核对"
    else:
        result = "；".join(reading.results[:MAX_ROWS]) or "未识别到查询结果"
    return f"文字识别：{reading.site}，{name}，{result}"
