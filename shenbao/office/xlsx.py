"""The register as an Excel workbook (XlsxWriter) for the office: nominations and emails, in Chinese.

One sheet of nominations (unit, candidate, status, the office decision beside the automatic
verdict, each item of the notice, problems in Chinese, the form's fields, when received, the
last reply), one per unit (名额, 已报, 齐全, 待补充, 逾期, 未报) and one of emails. Header frozen, filters on, column
widths fitted to Chinese text, times as real Excel times in the campaign's time zone, and
every text cell written as text (a subject beginning with "=" never becomes a formula).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol

from notify.office import disposition_label, label
from rules.materials import table
from notify.safetext import printable
from notify.wording import format_full_time
from shenbao.collector import cycle_collection_paused
from shenbao.config import Config
from shenbao.store.models import Email, Reply
from shenbao.register.nominations import refs_by_email
from shenbao.office.overview import NominationView, nomination_views
from shenbao.replies.outbox import LIVE_STATES
from shenbao.store.db import Store
from shenbao.office.table import display_width
from shenbao.office.unit_summary import unit_rows
from shenbao.office.paper import PAPER_HEADER, with_paper

NOMINATION_SHEET, UNIT_SHEET, EMAIL_SHEET = "推荐人选", "各单位情况", "来信记录"
FORM_COLUMNS = ["性别", "出生年月", "政治面貌", "工作单位及职务", "联系电话"]  # as read from the 推荐表, for the 评审汇总表


def nomination_header() -> list[str]:
    """The nominations sheet's columns: a checklist column per material of ``rules.materials``."""
    return ["编号", "推荐单位", "候选人", "状态", "办公室决定", "自动核对", *(label("items", m.item) for m in table()),
            "需补充或更正", "提示", *FORM_COLUMNS, "首次收到", "最近收到", "邮件数", "最近回复", "发件邮箱"]


NOMINATION_HEADER = nomination_header()  # of the project's materials
UNIT_HEADER = ["推荐单位", "名额", "已报", "齐全", "待补充", "逾期", "未报", "备注"]
EMAIL_HEADER = ["收到时间", "发件邮箱", "发件人", "主题", "处理结果", "编号", "已回复", "Message-ID"]
TIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH, MIN_WIDTH = 60, 6
STATUS_FILLS = {"complete": "E3F4E8", "incomplete": "FDECEA", "late": "FFF4E0"}
HEADER_FILL = "DDE6F0"
WRAPPED = {"需补充或更正", "提示", "主题", "办公室决定", "自动核对"}


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Excel has no time zones: the campaign's local time, without tzinfo."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{i}. {text}" for i, text in enumerate(lines, start=1)) if len(lines) > 1 else "".join(lines)


def _decision_cells(view: NominationView, timezone: str) -> list[str]:
    """办公室决定 and 自动核对: the decision in words, and beside it the rules' verdict (with what
    they found when the office decided over it)."""
    if view.decision is None:
        return ["", view.auto_status_label]
    found = _numbered([line.text for line in view.blocking])
    return [view.decision.text(timezone), view.auto_status_label + (f"：{found}" if found else "")]


def _form_cells(view: NominationView) -> list[str]:
    fields = view.facts.forms[-1].fields if view.facts.forms else {}
    return [fields.get(name, "") for name in FORM_COLUMNS]


def nomination_row(view: NominationView, config: Config, zone: ZoneInfo) -> list[Any]:
    """One nomination's cells under ``nomination_header()`` (the CSV export writes the same row)."""
    reply = view.last_reply
    told = (f"{format_full_time(reply.at, config.campaign.timezone)} {reply.kind_label}（{reply.state_label}）"
            if reply else "")
    items = [("✓ " if item.ok else "✗ ") + item.summary for item in view.items]
    return [view.ref, printable(view.unit), printable(view.candidate), view.status_label,
            *_decision_cells(view, config.campaign.timezone),
            *items, _numbered([line.text for line in view.open_lines]),
            _numbered([line.text for line in view.warnings]), *_form_cells(view),
            _local(view.received_at, zone), _local(view.last_received_at, zone), view.emails, told, printable(view.sender)]


def _unit_rows(config: Config, views: list[NominationView]) -> list[list[Any]]:
    return [[row.name or "（单位未识别）", row.quota, row.submitted, row.complete, row.incomplete, row.late,
             row.open_places, row.remark] for row in unit_rows(config, views)]


def _email_rows(s: Session, zone: ZoneInfo) -> list[list[Any]]:
    refs = refs_by_email(s)  # a mail carrying several candidates names each of them
    replied = set(s.exec(select(Reply.email_id).where(col(Reply.state).in_(LIVE_STATES))))
    columns = (Email.id, Email.received_at, Email.from_addr, Email.from_name, Email.subject, Email.disposition,
               Email.message_id)  # plain rows: not the raw headers and bodies an Email object would load
    query = select_columns(*(col(c) for c in columns)).order_by(col(Email.received_at), col(Email.id))
    return [[_local(datetime.fromisoformat(e.received_at), zone), printable(e.from_addr), printable(e.from_name),
             printable(e.subject),
             disposition_label(e.disposition), "、".join(refs.get(e.id, [])), "是" if e.id in replied else "否",
             printable(e.message_id)] for e in s.execute(query)]


class _Sheet:
    """One worksheet being written row by row: each distinct cell style is one XlsxWriter format,
    made the first time it is asked for; text is always written as text."""

    def __init__(self, wb: Workbook, title: str) -> None:
        self.wb, self.ws = wb, wb.add_worksheet(title)
        self.formats: dict[tuple[bool, str, bool, bool], Format] = {}
        self.rows: dict[tuple[tuple[bool, ...], int, str], tuple[list[Format], list[Format]]] = {}

    def format(self, wrap: bool, fill: str = "", bold: bool = False, time: bool = False) -> Format:
        key = (wrap, fill, bold, time)
        made = self.formats.get(key)
        if made is None:
            spec: dict[str, Any] = {"valign": "top", "text_wrap": wrap}
            if fill:
                spec.update(pattern=1, bg_color=f"#{fill}")
            if bold:
                spec["bold"] = True
            if time:
                spec["num_format"] = TIME_FORMAT
            made = self.formats[key] = self.wb.add_format(spec)
        return made

    def write(self, row: int, column: int, value: Any, wrap: bool, fill: str = "", bold: bool = False) -> None:
        """One cell; text is always written as text: "=…", "+…", "@…" from a mail are never formulas or links."""
        if isinstance(value, str):
            self.ws.write_string(row, column, value, self.format(wrap, fill, bold))
        elif isinstance(value, datetime):
            self.ws.write_datetime(row, column, value, self.format(wrap, fill, bold, time=True))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.ws.write_number(row, column, value, self.format(wrap, fill, bold))
        elif value is None:
            self.ws.write_blank(row, column, None, self.format(wrap, fill, bold))
        else:
            self.ws.write_string(row, column, str(value), self.format(wrap, fill, bold))

    def write_row(self, row: int, values: list[Any], wrapped: list[bool], fill_column: int, fill: str) -> None:
        """``write`` for a whole row, the common types without the per-cell format lookup."""
        plain, timed = self.row_formats(tuple(wrapped), fill_column, fill)
        write_string, write_datetime = self.ws.write_string, self.ws.write_datetime
        for column, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:  # an empty cell is left out: it looks the same and costs nothing to write
                    write_string(row, column, value, plain[column])
            elif kind is datetime:
                write_datetime(row, column, value, timed[column])
            else:
                self.write(row, column, value, wrapped[column], fill if column == fill_column else "")

    def row_formats(self, wrapped: tuple[bool, ...], fill_column: int, fill: str) -> tuple[list[Format], list[Format]]:
        """Each column's format for text and numbers, and for times, in a row filled ``fill`` at ``fill_column``
        (made once per sheet and kind of row)."""
        key = (wrapped, fill_column, fill)
        if key not in self.rows:
            fills = [fill if column == fill_column else "" for column in range(len(wrapped))]
            self.rows[key] = ([self.format(wrap, colour) for wrap, colour in zip(wrapped, fills, strict=True)],
                              [self.format(wrap, colour, time=True) for wrap, colour in zip(wrapped, fills, strict=True)])
        return self.rows[key]


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    return max((display_width(line) for line in str(value if value is not None else "").split("\n")), default=0)


def _fill_sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], freeze: str,
                fills: tuple[int, list[str]] | None = None) -> None:
    """A sheet: bold header, rows aligned top (wrapped where the column wants it), widths fitted
    (from the first 1000 rows), header frozen at ``freeze``, filters on; ``fills``: (column, a
    colour per row, "" for none)."""
    sheet = _Sheet(wb, title)
    for column, name in enumerate(header):
        widest = max([_width(name)] + [_width(r[column]) for r in rows[:1000]])
        sheet.ws.set_column(column, column, min(MAX_WIDTH, max(MIN_WIDTH, widest + 2)))
    frozen_row, frozen_column = xl_cell_to_rowcol(freeze)
    sheet.ws.freeze_panes(frozen_row, frozen_column)
    sheet.ws.autofilter(0, 0, max(0, len(rows)), len(header) - 1)
    for column, name in enumerate(header):
        sheet.write(0, column, name, wrap=False, fill=HEADER_FILL, bold=True)
    wrapped = [name in WRAPPED for name in header]
    fill_column, colours = fills or (-1, [])
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, row, wrapped, fill_column, colours[index - 1] if fill_column >= 0 else "")


def register_xlsx(store: Store, config: Config, views: list[NominationView] | None = None) -> bytes:
    """The whole register as .xlsx bytes: the nominations, units and emails sheets (``views``:
    ``nomination_views`` when the caller has built them already)."""
    zone = ZoneInfo(config.campaign.timezone)
    buffer = io.BytesIO()
    # in_memory: no temporary files anywhere (the workbook is built in memory and zipped into ``buffer``)
    wb = Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                           "strings_to_urls": False})
    with store.session() as s, cycle_collection_paused():
        views = nomination_views(s, config) if views is None else views
        status = (NOMINATION_HEADER.index("状态"), [STATUS_FILLS.get(v.status, "") for v in views])
        rows = with_paper(s, views, [nomination_row(v, config, zone) for v in views])
        _fill_sheet(wb, NOMINATION_SHEET, NOMINATION_HEADER + [PAPER_HEADER], rows, freeze="D2", fills=status)
        _fill_sheet(wb, UNIT_SHEET, UNIT_HEADER, _unit_rows(config, views), freeze="B2")
        del views
        _fill_sheet(wb, EMAIL_SHEET, EMAIL_HEADER, _email_rows(s, zone), freeze="A2")
        wb.set_properties({"title": f"{config.campaign.name} 推荐登记表", "author": "shenbao"})
        wb.close()  # assembles the sheets' XML: as many objects again
    return buffer.getvalue()


def xlsx_filename(config: Config, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(config.campaign.timezone))
    return f"推荐登记表_{local:%Y%m%d_%H%M}.xlsx"

