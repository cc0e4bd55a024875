"""Deterministic sample pictures: camera photos, WeChat-compressed photos, credit-check screenshots.

Photos are a sky-to-ground gradient with seeded shapes under seeded noise (noise keeps JPEG files
big, as real photos are); screenshots are result pages with real text (``shenbao.samples.pages``). The same arguments always give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct

from PIL import ExifTags, Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from shenbao.samples.pages import credit_page

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
    draw = ImageDraw.Draw(scene)
    for _ in range(12):  # people and things in the scene: each photo's own shapes (what a perceptual hash sees)
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 10, width // 3), rng.randrange(height // 8, height // 2)
        colour = tuple(rng.randrange(20, 235) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x - w // 2, y - h // 2, x + w // 2, y + h // 2), fill=colour)
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


def screenshot_png(title: str = "信用中国", name: str = "张三", *, size: tuple[int, int] = (1366, 768),
                   records: bool = False) -> bytes:
    """A credit-check result page for ``name`` on the site ``title`` (``shenbao.samples.pages``), with
    real text that OCR reads; ``title`` and ``name`` are also stored in the PNG's text chunk."""
    info = PngInfo()
    info.add_itxt("Title", f"{title} - {name}", lang="zh", tkey="标题")
    out = io.BytesIO()
    credit_page(title, name, size=size, records=records).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def heif_stub(width: int = 4032, height: int = 3024) -> bytes:
    """The opening boxes of an iPhone HEIC (ftyp + ispe): enough to sniff it and read its size.

    Pillow cannot write HEIF without a plugin; this stands in for a phone photo in HEIF.
    """
    ftyp = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    ispe = struct.pack(">I", 20) + b"ispe" + b"\x00\x00\x00\x00" + struct.pack(">II", width, height)
    return ftyp + ispe + b"\x00" * 64
