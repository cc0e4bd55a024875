"""Reading an image with Pillow: header facts, EXIF camera, a cheap integrity check and a look.

Only the header is read for size, format and EXIF. The look (colours, white share) and a
perceptual hash (``difference_hash``, for recycled photos) come from one reduced decode (a JPEG
decodes at 1/8 scale through ``draft``: a few ms for a camera-size photo, where a full decode
costs about 40 ms). For a JPEG whose EXIF names a camera, walking its segments to the first scan,
then finding the end-of-image marker after it, proves it complete; anything else is verified as
before (PNG's ``verify`` checks its chunk CRCs; a truncated file raises). Decompression bombs are refused: more than ``MAX_PIXELS`` is an error here.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import ExifTags, Image

from ingest.types import ImageInfo

MAX_PIXELS = 120_000_000  # about 12000 x 10000; larger is refused as a decompression bomb
_MAX_LOOK_PIXELS = 40_000_000  # non-JPEG images above this are not decoded for the look
_THUMB = 64
_WHITE = 230  # a pixel is "near white" when all channels are at least this

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Content kind (ingest.read) -> the Pillow plugins allowed to open it.
PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "jpeg": ("JPEG", "MPO"),
    "png": ("PNG",),
    "gif": ("GIF",),
    "bmp": ("BMP", "DIB"),
    "webp": ("WEBP",),
    "tiff": ("TIFF",),
    "heif": ("HEIF", "AVIF"),
}
_FORMAT_NAMES = {"MPO": "JPEG", "DIB": "BMP"}
_ISPE = re.compile(rb"ispe\x00\x00\x00\x00(.{4})(.{4})", re.DOTALL)
_EOI_BYTES = b"\xff\xd9"
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length


_PIXEL_LIMIT_LOCK = threading.Lock()


@contextmanager
def _bombs_are_errors(max_pixels: int) -> Iterator[None]:
    """Pillow's own bomb check at ``max_pixels``, its warning made an error (Pillow reads a
    module-wide limit: it is set and restored under a lock)."""
    with _PIXEL_LIMIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _exif_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value).replace("\x00", "").strip() if value is not None else ""


def _exif(image: Image.Image) -> tuple[str, str]:
    """(camera, taken_at) from EXIF; ("", "") when absent or unparseable."""
    try:
        exif = image.getexif()
        make = _exif_text(exif.get(ExifTags.Base.Make))
        model = _exif_text(exif.get(ExifTags.Base.Model))
        taken = _exif_text(exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal))
    except Exception:  # noqa: BLE001 - a broken EXIF block must not make the picture unreadable
        return "", ""
    camera = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    return camera, taken


def difference_hash(image: Image.Image) -> str:
    """A 64-bit perceptual hash (dHash: is each of 8x8 cells brighter than its right neighbour)
    of a decoded picture, as 16 hex digits. Resized, re-encoded and lightly cropped copies of a
    photo differ from it in a few bits; different photos in about half of them."""
    cells = image.convert("L").resize((9, 8), Image.Resampling.BOX).tobytes()
    bits = 0
    for row in range(8):
        for column in range(8):
            bits = (bits << 1) | (cells[row * 9 + column] > cells[row * 9 + column + 1])
    return f"{bits:016x}"


def _look(image: Image.Image) -> tuple[int, float, str]:
    """(distinct colours, near-white share) among the pixels of a <=64 px nearest-neighbour sample,
    and the picture's ``difference_hash``.

    Nearest-neighbour keeps flat screenshot colours exact where filtering would blend them.
    Decoding the sample also proves the pixel data is complete: a truncated file raises.
    """
    image.draft(None, (_THUMB * 2, _THUMB * 2))  # JPEG: decode at 1/2..1/8 scale; others ignore it
    phash = difference_hash(image)
    width, height = image.size
    scale = _THUMB / max(width, height, 1)
    target = (max(1, round(width * scale)), max(1, round(height * scale))) if scale < 1 else (width, height)
    sample = image.resize(target, Image.Resampling.NEAREST)
    if sample.mode in ("RGBA", "LA", "PA") or (sample.mode == "P" and "transparency" in sample.info):
        rgba = sample.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(background, rgba).convert("RGB")
    else:
        rgb = sample.convert("RGB")
    raw = rgb.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    white = sum(1 for p in pixels if min(p) >= _WHITE)
    return len(set(pixels)), white / max(len(pixels), 1), phash


def jpeg_complete(data: bytes) -> bool:
    """True when a JPEG's segments run whole to its first scan and an end-of-image marker follows, without decoding.

    False means "not proven" (truncated, or laid out in a way this walk does not follow)."""
    pos, end = 2, len(data)
    while pos + 1 < end:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
        elif marker == _EOI:
            return True
        elif marker in _STANDALONE:
            pos += 2
        else:
            after = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
            if after > end or after < pos + 4:
                return False
            pos = after
            if marker == _SOS:
                # Entropy-coded data holds no end-of-image marker (an 0xFF in it is followed by 00
                # or a restart number), so a whole image has one after its first scan: searched
                # from the end, not walked scan by scan through megabytes of pixel data.
                return data.rfind(_EOI_BYTES, pos) >= 0
    return False


def decoders(kind: str, data: bytes) -> tuple[str, ...]:
    """The registered Pillow plugins that may open ``data`` of content ``kind`` (may be empty for HEIF)."""
    Image.init()
    wanted = PILLOW_FORMATS[kind]
    if kind == "heif":
        wanted = ("AVIF",) if data[8:12] in (b"avif", b"avis") else ("HEIF",)
    return tuple(name for name in wanted if name in Image.OPEN)


def read_image(data: bytes, formats: tuple[str, ...], max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Read an image's facts. Raises (OSError, SyntaxError, ValueError, ...) when it is broken,
    Image.DecompressionBombError when it has more than ``max_pixels`` pixels."""
    with _bombs_are_errors(max_pixels):
        with Image.open(io.BytesIO(data), formats=formats) as image:
            name = _FORMAT_NAMES.get(image.format or "", image.format or formats[0])
            width, height = image.size
            camera, taken_at = _exif(image)
            colours, white_share, phash = -1, -1.0, ""
            if name == "JPEG" or width * height <= _MAX_LOOK_PIXELS:
                # the same image: a PNG that getexif loaded is not decoded again; a JPEG at 1/8 scale
                colours, white_share, phash = _look(image)
            if name == "JPEG" and camera and jpeg_complete(data):
                # the reduced decode above proved nothing about the rest of the scan data: the end marker does
                return ImageInfo(name, width, height, camera, taken_at, colours, round(white_share, 4), phash)
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.verify()
    return ImageInfo(name, width, height, camera, taken_at, colours, round(white_share, 4), phash)


def heif_header(data: bytes) -> ImageInfo:
    """What a HEIF/HEIC file's boxes tell without a decoder: the largest ``ispe`` size."""
    sizes = [
        (int.from_bytes(w, "big"), int.from_bytes(h, "big")) for w, h in _ISPE.findall(data[: 1 << 20])
    ]
    width, height = max(sizes, key=lambda s: s[0] * s[1], default=(0, 0))
    return ImageInfo("HEIF", width, height, "", "")
