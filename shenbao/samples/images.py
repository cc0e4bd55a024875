"""Deterministic sample pictures: camera photos, WeChat-compressed photos, credit-check screenshots.

Photos are a sky-to-ground gradient under seeded noise (noise keeps JPEG files big, as real
photos are); screenshots are a white page with a coloured header bar and grey "text" lines,
drawn without fonts. The same arguments always give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct

from PIL import ExifTags, Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

_QUALITIES = (70, 80, 86, 90, 93, 95, 97)
_NOISE_SCALES = (2, 1)  # noise cell size in pixels: coarse noise compresses better


def _photo_image(size: tuple[int, int], seed: int, noise_scale: int) -> Image.Image:
    width, height = size
    rng = random.Random(seed)
    cells = (max(width // noise_scale, 1), max(height // noise_scale, 1))
    noise = Image.frombytes("RGB", cells, rng.randbytes(cells[0] * cells[1] * 3))
    if cells != size:
        noise = noise.resize(size, Image.Resampling.BILINEAR)
    top = tuple(rng.randrange(90, 170) for _ in range(3))
    bottom = tuple(rng.randrange(40, 120) for _ in range(3))
    mask = Image.linear_gradient("L").resize(size)
    scene = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    return Image.blend(scene, noise, 0.35)


def _exif_bytes(camera: tuple[str, str] | None, taken_at: str) -> bytes:
    if camera is None:
        return b""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = camera[0]
    exif[ExifTags.Base.Model] = camera[1]
    exif[ExifTags.Base.Software] = "shenbao samples"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken_at
    return exif.tobytes()


def photo_jpeg(
    min_bytes: int = 2_300_000,
    *,
    seed: int = 0,
    camera: tuple[str, str] | None = ("Canon", "EOS 80D"),
    size: tuple[int, int] = (3000, 2000),
    taken_at: str = "2021:04:10 09:30:00",
) -> bytes:
    """A JPEG photo of at least ``min_bytes`` bytes; EXIF Make/Model/DateTimeOriginal unless camera is None."""
    exif = _exif_bytes(camera, taken_at)
    for scale in _NOISE_SCALES:
        image = _photo_image(size, seed, scale)
        found = _smallest_quality_reaching(image, exif, min_bytes)
        if found is not None:
            return found
    raise ValueError(f"photo_jpeg: {min_bytes} bytes is too many for a {size[0]}x{size[1]} picture")


def _smallest_quality_reaching(image: Image.Image, exif: bytes, min_bytes: int) -> bytes | None:
    """Binary search over ``_QUALITIES`` (file size grows with quality) for the first big enough file."""
    low, high, best = 0, len(_QUALITIES) - 1, None
    while low <= high:
        middle = (low + high) // 2
        out = io.BytesIO()
        image.save(out, "JPEG", quality=_QUALITIES[middle], exif=exif)
        if out.tell() >= min_bytes:
            best, high = out.getvalue(), middle - 1
        else:
            low = middle + 1
    return best


def small_photo_jpeg(min_bytes: int = 400_000, *, seed: int = 0, size: tuple[int, int] = (1280, 960)) -> bytes:
    """A photo as WeChat forwards it: about 400 KB, 1280 px wide, EXIF stripped."""
    return photo_jpeg(min_bytes, seed=seed, camera=None, size=size)


def photo_as(
    image_format: str,
    *,
    seed: int = 0,
    size: tuple[int, int] = (1024, 768),
    camera: tuple[str, str] | None = None,
) -> bytes:
    """A photo-like picture saved by Pillow in ``image_format`` ("PNG", "BMP", "WEBP", "TIFF", "GIF", ...)."""
    image = _photo_image(size, seed, 2)
    out = io.BytesIO()
    options: dict[str, object] = {"exif": _exif_bytes(camera, "2021:04:10 09:30:00")} if camera else {}
    if image_format.upper() == "WEBP":
        options["quality"] = 85
    image.save(out, image_format, **options)
    return out.getvalue()


def photo_png(*, seed: int = 0, size: tuple[int, int] = (1600, 1200), camera: tuple[str, str] | None = None) -> bytes:
    """A photo saved as PNG (a phone "save as" or an edited picture): photo-like, but not JPEG."""
    return photo_as("PNG", seed=seed, size=size, camera=camera)


def _palette(title: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Header and accent colours chosen from the site's name, like the real pages' branding."""
    if "执行" in title:
        return (178, 34, 34), (210, 160, 60)
    if "百度" in title:
        return (41, 98, 255), (230, 230, 230)
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    return (20 + digest[0] % 40, 70 + digest[1] % 60, 150 + digest[2] % 80), (240, 130, 40)


def screenshot_png(title: str = "信用中国", name: str = "张三", *, size: tuple[int, int] = (1366, 768)) -> bytes:
    """A credit-check page screenshot: white page, coloured header, search box, grey text lines.

    ``title`` and ``name`` pick the colours and layout and are stored in the PNG's text chunk.
    """
    width, height = size
    header, accent = _palette(title)
    rng = random.Random(f"{title}/{name}")
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    bar = max(height // 9, 24)
    draw.rectangle((0, 0, width, bar), fill=header)
    draw.rectangle((width // 30, bar // 4, width // 30 + width // 6, bar * 3 // 4), fill=(255, 255, 255))
    box_top = bar + height // 16
    draw.rectangle((width // 5, box_top, width * 4 // 5, box_top + bar // 2), outline=(190, 190, 190), width=2)
    draw.rectangle((width * 4 // 5 - width // 12, box_top, width * 4 // 5, box_top + bar // 2), fill=accent)
    y = box_top + bar
    line_gap = max(height // 28, 10)
    while y < height - line_gap * 2:
        left = width // 8 + (width // 40 if rng.random() < 0.3 else 0)
        length = int(width * rng.uniform(0.25, 0.7))
        grey = rng.choice((90, 120, 150))
        draw.rectangle((left, y, left + length, y + max(line_gap // 3, 3)), fill=(grey, grey, grey))
        if rng.random() < 0.15:
            rule = y + line_gap // 2 + 2
            draw.line((width // 10, rule, width * 9 // 10, rule), fill=(225, 225, 225))
        y += line_gap
    info = PngInfo()
    info.add_itxt("Title", f"{title} - {name}", lang="zh", tkey="标题")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def heif_stub(width: int = 4032, height: int = 3024) -> bytes:
    """The opening boxes of an iPhone HEIC (ftyp + ispe): enough to sniff it and read its size.

    Pillow cannot write HEIF without a plugin; this stands in for a phone photo in HEIF.
    """
    ftyp = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    ispe = struct.pack(">I", 20) + b"ispe" + b"\x00\x00\x00\x00" + struct.pack(">II", width, height)
    return ftyp + ispe + b"\x00" * 64
