"""The office's workbook and CSV, rendered: the sheets' columns, a nomination's row of cells, and
writing rows into an XlsxWriter workbook (``shenbao.office.xlsx`` gathers the rows from the register
and builds the workbook with ``new_workbook`` and ``fill_sheet``; ``people_csv`` is the nominations
sheet as CSV). Pure: values in, cells and bytes out, no file written.

Header frozen, filters on, column widths fitted to Chinese text, times as real Excel times in the
campaign's time zone, and every text cell written as text (a subject beginning with "=" never
becomes a formula, in the workbook or the CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol

from notify.office import label
from notify.safetext import printable
from notify.table import display_width
from notify.views import NominationView
from notify.wording import format_full_time
from rules.materials import table

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


def local_naive(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
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
    fields = view.form.fields if view.form else {}
    return [fields.get(name, "") for name in FORM_COLUMNS]


def nomination_row(view: NominationView, timezone: str) -> list[Any]:
    """One nomination's cells under ``nomination_header()`` (the CSV export writes the same row)."""
    reply, zone = view.last_reply, ZoneInfo(timezone)
    told = f"{format_full_time(reply.at, timezone)} {reply.kind_label}（{reply.state_label}）" if reply else ""
    items = [("✓ " if item.ok else "✗ ") + item.summary for item in view.items]
    return [view.ref, printable(view.unit), printable(view.candidate), view.status_label,
            *_decision_cells(view, timezone),
            *items, _numbered([line.text for line in view.open_lines]),
            _numbered([line.text for line in view.warnings]), *_form_cells(view),
            local_naive(view.received_at, zone), local_naive(view.last_received_at, zone), view.emails, told, printable(view.sender)]


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


def fill_sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], freeze: str,
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


def new_workbook(buffer: io.BytesIO) -> Workbook:
    """A workbook written into ``buffer``, never into temporary files, that reads no formula, number or
    link into a text."""
    return Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                             "strings_to_urls": False})


FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")  # what Excel and WPS start a formula (or DDE) with
CSV_HEADER = [*NOMINATION_HEADER, "问题代码"]  # of the project's materials


def csv_cell(value: Any) -> Any:
    """A text cell that opens as text in Excel and WPS: one starting like a formula gets a leading
    ``'`` (OWASP's advice against CSV injection); controls and bidi overrides are removed. Numbers are
    left alone."""
    if not isinstance(value, str):
        return value
    shown = printable(value, lines=True)  # no terminal escapes or bidi overrides from a mail
    return "'" + shown if value.startswith(FORMULA_LEADS) else shown


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return "" if value is None else value


def people_csv(views: list[NominationView], timezone: str) -> str:
    """``export --format csv``: the nominations for people, in Chinese — the workbook's nominations sheet
    as CSV (same columns, statuses and problem wording), the problem codes in a last column. UTF-8 with
    BOM so that Excel and WPS open the Chinese correctly. (The JSON export is the machine contract.)"""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*nomination_header(), CSV_HEADER[-1]])
    for view in views:
        row = [*nomination_row(view, timezone), " ".join(view.codes)]
        writer.writerow([csv_cell(_text(value)) for value in row])
    return "\ufeff" + buffer.getvalue()
