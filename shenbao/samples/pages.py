"""Deterministic pictures with real Chinese text: credit-check result pages and a filled, stamped 推荐表.

They are drawn with a CJK font so OCR reads them as it reads real ones: the system's WenQuanYi
Micro Hei (``fonts-wqy-microhei``, installed by ``scripts/install-test-deps.sh``); without it
Pillow's default font draws no Chinese, and OCR finds no text in them (the demo then shows
``credit.unreadable``). Page layouts follow the three sites the notice names: 信用中国,
中国执行信息公开网 and 百度, on a PC (landscape) or a phone (portrait) screen.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw, ImageFont

SYSTEM_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FORM_SIZE = (1240, 1754)  # A4 at 150 dpi
_RED = (200, 30, 40)
_CASE = "（2020）豫0802执1234号"
_COURT = "焦作市解放区人民法院"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=32)
def font(size: int) -> Font:
    if SYSTEM_FONT.is_file():
        return ImageFont.truetype(str(SYSTEM_FONT), size)
    return ImageFont.load_default(size)


def _header(title: str) -> tuple[tuple[int, int, int], str]:
    if "执行" in title:
        return (178, 34, 34), "zxgk.court.gov.cn"
    if "百度" in title:
        return (41, 98, 255), "www.baidu.com"
    return (20, 90, 170), "www.creditchina.gov.cn"


def page_lines(title: str, shown: str, records: bool) -> list[str]:
    """The text of a result page for the name ``shown``, with or without records listed."""
    if "执行" in title:
        head = [f"被执行人姓名/名称：{shown}", "查询结果"]
        if records:
            return [*head, "共找到 1 条", f"被执行人 {shown}", f"案号 {_CASE}", f"执行法院 {_COURT}"]
        return [*head, "未查询到相关信息", "失信被执行人 0 条", "限制消费人员 0 条"]
    if "百度" in title:
        head = [f"{shown} 失信被执行人", "百度一下"]
        if records:
            return [*head, f"{shown} 失信被执行人信息", f"案号 {_CASE}", f"执行法院 {_COURT}"]
        return [*head, f"抱歉，没有找到与“{shown} 失信被执行人”相关的网页"]
    head = [f"搜索关键词：{shown}", "查询结果"]
    if records:
        return [*head, "失信被执行人 1 条", f"{shown} 案号 {_CASE}", f"执行法院 {_COURT}"]
    return [*head, "未查询到相关信息", "失信被执行人 0 条", "被执行人 0 条"]


def credit_page(title: str = "信用中国", name: str = "张三", *, size: tuple[int, int] = (1366, 768),
                records: bool = False) -> Image.Image:
    """A credit-check result page for ``name`` as a screen shows it (portrait size: a phone)."""
    width, height = size
    phone = height > width
    text_size = max(width // (22 if phone else 48), 14)
    colour, address = _header(title)
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    bar = text_size * 3
    draw.rectangle((0, 0, width, bar), fill=colour)
    draw.text((text_size, text_size), title, font=font(text_size), fill=(255, 255, 255))
    draw.text((width // 2, text_size * 6 // 5), address, font=font(text_size * 2 // 3), fill=(230, 230, 255))
    y = bar + text_size
    for index, line in enumerate(page_lines(title, name, records)):
        if index == 0:  # the search box
            draw.rectangle((text_size // 2, y - text_size // 3, width - text_size // 2, y + text_size * 4 // 3),
                           outline=(190, 190, 190), width=2)
        draw.text((text_size, y), line, font=font(text_size), fill=(40, 40, 40))
        y += text_size * 2
        if index == 1:
            draw.line((text_size // 2, y - text_size // 2, width - text_size // 2, y - text_size // 2),
                      fill=(225, 225, 225), width=2)
    return image


def encoded(image: Image.Image, image_format: str = "PNG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **({"quality": quality} if image_format == "JPEG" else {}))
    return out.getvalue()


def _stamp(draw: ImageDraw.ImageDraw, centre: tuple[int, int], unit: str) -> None:
    x, y = centre
    for radius in (150, 146):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=_RED, width=4)
    draw.text((x, y), "★", font=font(60), fill=_RED, anchor="mm")
    draw.text((x, y + 80), unit[:8], font=font(34), fill=_RED, anchor="mm")


def form_page(name: str, unit: str, fields: dict[str, str]) -> Image.Image:
    """The 推荐表 filled in and stamped, as a scanner sees the paper: labels and values in a grid."""
    image = Image.new("RGB", FORM_SIZE, (252, 252, 250))
    draw = ImageDraw.Draw(image)
    draw.text((FORM_SIZE[0] // 2, 110), "2021年焦作“最美职工”推荐表", font=font(52), fill=(20, 20, 20), anchor="mm")
    left, top, row, label_width = 90, 200, 110, 330
    rows = [("姓名", name), *fields.items()]
    for index, (label, value) in enumerate(rows):
        y = top + index * row
        draw.rectangle((left, y, FORM_SIZE[0] - left, y + row), outline=(30, 30, 30), width=3)
        draw.line((left + label_width, y, left + label_width, y + row), fill=(30, 30, 30), width=3)
        draw.text((left + 30, y + row // 2), label, font=font(38), fill=(20, 20, 20), anchor="lm")
        draw.text((left + label_width + 30, y + row // 2), value, font=font(38), fill=(35, 35, 60), anchor="lm")
    bottom = top + len(rows) * row + 120
    draw.text((left, bottom), f"推荐单位：{unit}", font=font(38), fill=(20, 20, 20))
    _stamp(draw, (FORM_SIZE[0] - 330, bottom + 60), unit)
    return image


def form_scan_pdf(image: Image.Image) -> bytes:
    """An image-only PDF of a form scan (what a scanner's "scan to PDF" makes: one JPEG a page)."""
    out = io.BytesIO()
    image.convert("RGB").save(out, "PDF", resolution=150.0, quality=80)
    return out.getvalue()


DEMO_FORM_FIELDS = {"性别": "女", "出生年月": "1983年9月", "民族": "汉族", "政治面貌": "中共党员",
                    "工作单位及职务": "焦作市某某医院护士长", "联系电话": "13800000000"}


def form_photo_jpeg(name: str, unit: str) -> bytes:
    """A phone photo of the filled, stamped paper 推荐表 (camera EXIF, slightly turned)."""
    paper = form_page(name, unit, DEMO_FORM_FIELDS).rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True,
                                                           fillcolor=(120, 110, 95))
    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "Xiaomi", "MI 9"
    out = io.BytesIO()
    paper.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()
