"""Pictures of credit pages and forms as units really send them: PNG and JPEG q60 screenshots, a phone
photo of a screen (perspective and moiré), a WeChat-compressed copy, a phone photo and a scan of the
filled, stamped 推荐表. Built on ``shenbao.samples.pages`` (real CJK text); deterministic."""

from __future__ import annotations

import io
import math

from PIL import ExifTags, Image, ImageChops, ImageFilter

from shenbao.samples.pages import credit_page, encoded, form_page, form_scan_pdf

FORM_FIELDS = {"性别": "男", "出生年月": "1988年10月", "民族": "汉族", "政治面貌": "中共党员",
               "工作单位及职务": "焦作市某某公司车间主任", "联系电话": "13800000000"}


def _camera_exif() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "ELE-AL00"
    return exif.tobytes()


def _moire(size: tuple[int, int], period: float = 5.3, angle: float = 0.3) -> Image.Image:
    """A faint interference pattern, as a camera sees a screen's pixel grid."""
    width, height = size
    cos, sin = math.cos(angle), math.sin(angle)
    row = bytes(int(128 + 40 * math.sin((x * cos) / period)) for x in range(width))
    stripes = Image.frombytes("L", (width, 1), row).resize((width, height))
    turned = stripes.rotate(math.degrees(angle) * 20, resample=Image.Resampling.BILINEAR, fillcolor=128)
    return Image.merge("RGB", (turned, turned, turned))


def photographed(page: Image.Image) -> Image.Image:
    """The page shot with a phone: a keystone perspective, moiré, softness and a dim grey surround."""
    width, height = page.size
    shift = width // 14
    # PERSPECTIVE maps output to input; these coefficients tilt the top edge inwards.
    coefficients = (1 + 2 * shift / width, 0.12, -shift, 0.02, 1.05, -height * 0.02, 0.00012, 0.00002)
    tilted = page.transform(page.size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC,
                            fillcolor=(70, 70, 75))
    shaded = ImageChops.multiply(tilted, _moire(page.size).point(lambda v: 200 + v // 4))
    return shaded.filter(ImageFilter.GaussianBlur(0.8))


def blurred(page: Image.Image, radius: float = 8) -> Image.Image:
    """A screenshot too blurred to read (shaken camera, a thumbnail blown up): OCR finds no text."""
    return page.filter(ImageFilter.GaussianBlur(radius))


def wechat(page: Image.Image, width: int = 720, quality: int = 70) -> bytes:
    """What WeChat forwards: resized to ``width`` px, re-encoded as JPEG, EXIF stripped."""
    small = page.resize((width, round(page.height * width / page.width)), Image.Resampling.BILINEAR)
    return encoded(small, "JPEG", quality)


def camera_jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality, exif=_camera_exif())
    return out.getvalue()


def stamped_form(name: str = "赵刚", unit: str = "解放区总工会") -> Image.Image:
    return form_page(name, unit, FORM_FIELDS)


def form_photo(name: str = "赵刚") -> bytes:
    """A phone photo of the paper form on a desk: slightly turned, camera EXIF."""
    paper = stamped_form(name).rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(120, 110, 95))
    return camera_jpeg(paper)


def form_pdf(name: str = "赵刚") -> bytes:
    return form_scan_pdf(stamped_form(name))


__all__ = ["FORM_FIELDS", "blurred", "camera_jpeg", "credit_page", "encoded", "form_pdf", "form_photo", "photographed",
           "stamped_form", "wechat"]
