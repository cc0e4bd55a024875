"""Deterministic sample documents: a filled 推荐表 and a deeds text (事迹材料). All people are fictitious."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection, Mapping
from datetime import datetime, timezone

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import Table

_FIXED_ZIP_TIME = (2021, 4, 26, 10, 0, 0)
_FIXED_DOC_TIME = datetime(2021, 4, 26, 10, 0, 0, tzinfo=timezone.utc)

# The template's labels, as printed (spaces and line breaks included).
TEMPLATE_LABELS: dict[str, str] = {
    "姓名": "姓  名",
    "性别": "性  别",
    "出生年月": "出生年月",
    "民族": "民  族",
    "政治面貌": "政治面貌",
    "文化程度": "文化程度",
    "工作单位及职务": "工作单位及职务",
    "职称/技术等级": "职称/技术等级",
    "联系电话": "联系电话",
    "身份证号码": "身份证号码",
    "主要事迹": "主\n要\n事\n迹\n（简要，200字左右）",
    "推荐单位意见": "推荐单位\n意    见",
    "党委宣传部门意见": "党委宣传部门\n意见（公章）",
    "工会意见": "工会意见\n（公章）",
}

_TITLES = ("扎根一线显担当 平凡岗位铸匠心", "匠心筑梦守初心 爱岗敬业展风采", "坚守初心勇担当 岗位建功展风采")
_HEADINGS = (
    "一、勤勉尽责，用汗水诠释担当",
    "二、刻苦钻研，用创新攻克难题",
    "三、甘为人梯，用真情传帮带",
    "四、无私奉献，用行动温暖人心",
)
_SENTENCES = (
    "{name}同志参加工作以来，始终坚守在生产一线，把岗位当成施展才华的舞台，把平凡的工作做得不平凡。",
    "面对任务重、标准高的新要求，{name}主动请缨，带领班组成员加班加点，连续{n}天吃住在现场，确保了工程按期保质完成。",
    "在日常工作中，{name}坚持“今日事今日毕”，每天提前半小时到岗，逐项检查设备运行情况，认真填写工作台账。",
    "为了解决设备故障率高的难题，{name}利用业余时间查阅资料、反复试验，先后完成技术革新{n}项，累计节约成本{m}万元。",
    "{name}总结提炼的“三查三看”工作法在全单位推广，使一次合格率提高了{n}个百分点，受到同事们的一致好评。",
    "{name}常说：“干一行就要爱一行、钻一行、精一行。”这句朴实的话，正是{name}多年来坚守岗位的真实写照。",
    "在传帮带方面，{name}毫无保留地把经验传授给年轻同志，先后带徒{n}名，其中多人已成长为业务骨干。",
    "疫情防控期间，{name}主动报名参加志愿服务，连续{n}个昼夜坚守在防控卡点，为群众排忧解难。",
    "{name}始终把安全放在首位，坚持班前讲安全、班中查隐患、班后做总结，所在班组连续{n}年实现安全生产无事故。",
    "工作之余，{name}热心公益，经常走访慰问困难职工家庭，累计捐款捐物价值{m}千余元，传递了社会正能量。",
    "凭借过硬的业务能力和突出的工作业绩，{name}先后荣获焦作市技术能手、焦作市五一劳动奖章等荣誉称号。",
    "{name}用实际行动诠释了新时代产业工人爱岗敬业、争创一流、艰苦奋斗、勇于创新的劳模精神和工匠精神。",
)


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so the same input gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def _save(document: DocxDocument) -> bytes:
    props = document.core_properties
    props.author = props.last_modified_by = ""
    props.created = props.modified = _FIXED_DOC_TIME
    out = io.BytesIO()
    document.save(out)
    return _normalise_zip(out.getvalue())


def _id_number(name: str, birth: str) -> str:
    """A fictitious 18-digit number with a valid check digit, derived from the name."""
    digits = "".join(ch for ch in birth if ch.isdigit())
    year, month = digits[:4].ljust(4, "0"), digits[4:].zfill(2)[:2]
    serial = sum(ord(ch) for ch in name) % 900 + 100
    body = f"410882{year}{month}15{serial}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _put(table: Table, row: int, first: int, last: int, text: str) -> None:
    cell = table.cell(row, first)
    if last > first:
        cell = cell.merge(table.cell(row, last))
    cell.text = text


FEMININE = set("梅霞静芳丽娟英敏燕玲婷娜红秀兰凤琴")  # given-name characters that read as a woman's name


def likely_gender(name: str) -> str:
    """"女" for a sample name like 李秀梅 or 刘红霞, else "男": the demo people's 性别 fits their names."""
    return "女" if name and name[-1] in FEMININE else "男"


def form_docx(
    name: str,
    unit: str,
    *,
    gender: str | None = None,
    birth: str = "1975年6月",
    politics: str = "中共党员",
    job: str = "焦作市某某公司车间主任",
    phone: str = "13800000000",
    ethnicity: str = "汉族",
    education: str = "大学本科",
    title: str = "工程师",
    id_number: str | None = None,
    date: str = "2021年4月26日",
    empty_fields: Collection[str] = (),
    deeds_summary: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """A filled 2021年焦作“最美职工”推荐表 laid out like the template (merged cells included).

    ``empty_fields`` names fields (canonical labels, e.g. "联系电话") left blank; ``labels``
    overrides how a label is printed (e.g. {"姓名": "姓　名："}).
    """
    unknown = set(empty_fields) - set(TEMPLATE_LABELS)
    if unknown:
        raise ValueError(f"unknown form fields: {sorted(unknown)}")
    printed = {**TEMPLATE_LABELS, **(labels or {})}
    gender = gender or likely_gender(name)
    summary = deeds_summary or (
        f"{name}同志现任{job}。{'她' if gender == '女' else '他'}扎根一线，刻苦钻研，主持完成技术革新多项，累计创造经济效益200余万元；"
        "坚持安全生产，多年无事故；带徒10余名，其中多人成长为技术骨干。先后荣获焦作市技术能手等荣誉。"
    )
    values = {
        "姓名": name, "性别": gender, "出生年月": birth, "民族": ethnicity, "政治面貌": politics,
        "文化程度": education, "工作单位及职务": job, "职称/技术等级": title, "联系电话": phone,
        "身份证号码": id_number or _id_number(name, birth), "主要事迹": summary,
        "推荐单位意见": f"同意推荐。\n\n（盖章）\n{date}",
        "党委宣传部门意见": "\n\n\n2021年  月  日", "工会意见": "\n\n\n2021年  月  日",
    }
    value = {key: ("" if key in empty_fields else text) for key, text in values.items()}

    document = docx.Document()
    document.add_paragraph("附件")
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run("2021年焦作“最美职工”推荐表").bold = True
    document.add_paragraph(f"申报单位：（公章）{unit}            日期：{date}")
    table = document.add_table(rows=9, cols=7)
    table.style = "Table Grid"
    layout = (  # (row, label, first value column, last value column)
        (0, "姓名", 1, 1), (0, "性别", 3, 3), (0, "出生年月", 5, 5),
        (1, "民族", 1, 1), (1, "政治面貌", 3, 3), (1, "文化程度", 5, 5),
        (2, "工作单位及职务", 1, 5), (3, "职称/技术等级", 1, 2), (3, "联系电话", 4, 5),
        (4, "身份证号码", 1, 6), (5, "主要事迹", 1, 6),
        (6, "推荐单位意见", 1, 6), (7, "党委宣传部门意见", 1, 6), (8, "工会意见", 1, 6),
    )
    for row, key, first, last in layout:
        table.cell(row, first - 1).text = printed[key]
        _put(table, row, first, last, value[key])
    photo = table.cell(0, 6).merge(table.cell(3, 6))
    photo.text = "照\n片"
    return _save(document)


def _paragraphs(name: str, job: str) -> list[str]:
    """An endless-enough supply of deeds paragraphs: title, subtitle, then headed sections."""
    lines = [_TITLES[sum(map(ord, name)) % len(_TITLES)], f"——记{job}{name}"]
    for cycle in range(40):
        lines.append(_HEADINGS[cycle % len(_HEADINGS)])
        picks = [_SENTENCES[(cycle * 4 + k) % len(_SENTENCES)] for k in range(4)]
        lines.append("".join(s.format(name=name, n=cycle % 9 + 3, m=(cycle * 37) % 400 + 60) for s in picks))
    return lines


def deeds_text(name: str, chars: int, *, job: str = "焦作市某某公司车间主任") -> str:
    """A deeds text with exactly ``chars`` non-whitespace characters (title lines included)."""
    lines: list[str] = []
    remaining = max(chars, 0)
    for line in _paragraphs(name, job):
        if remaining <= 0:
            break
        body = "".join(line.split())
        if len(body) >= remaining:
            cut = body[:remaining]
            lines.append(cut[:-1] + "。" if len(lines) > 2 and len(cut) > 1 else cut)
            remaining = 0
            break
        lines.append(line)
        remaining -= len(body)
    if remaining:
        raise ValueError(f"deeds_text: {chars} characters is more than the generator can write")
    return "\n".join(lines)


def deeds_docx(name: str, chars: int = 2100, *, job: str = "焦作市某某公司车间主任") -> bytes:
    """A 事迹材料 .docx whose paragraphs hold exactly ``chars`` non-whitespace characters."""
    document = docx.Document()
    for index, line in enumerate(deeds_text(name, chars, job=job).split("\n")):
        paragraph = document.add_paragraph()
        if index == 0:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(line).bold = True
        else:
            paragraph.add_run(line)
    return _save(document)
