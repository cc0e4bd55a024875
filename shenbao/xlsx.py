"""The register as an Excel workbook (openpyxl): nominations and emails, Chinese headers."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

STATUS_NAMES = {"complete": "齐全", "incomplete": "待补充", "late": "逾期"}


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], first: bool) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1] or "")) for r in rows[:500]])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(8, width * 2))


def to_xlsx(data: dict[str, Any]) -> bytes:
    wb = Workbook()
    _sheet(wb, "推荐人选", ["编号", "推荐单位", "候选人", "发件人", "状态", "问题", "事迹字数", "照片数", "收到时间"],
           [[s["id"], s["unit"], s["candidate"], s["sender"], STATUS_NAMES.get(s["status"], s["status"]),
             "；".join(s["problems"]), s["items"]["deeds"]["chars"], len(s["items"]["photos"]), s["received_at"]]
            for s in data["submissions"]], first=True)
    _sheet(wb, "来信", ["Message-ID", "发件人", "主题", "收到时间", "处理结果", "已回复"],
           [[e["message_id"], e["from"], e["subject"], e["received_at"], e["disposition"], "是" if e["replied"] else "否"]
            for e in data["emails"]], first=False)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
