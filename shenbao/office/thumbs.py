"""Thumbnails of photos and screenshots for the web view: made once with Pillow, cached under data_dir.

A thumbnail is a small JPEG keyed by the file's SHA-256 and the size, written atomically to
``data_dir/thumbs/``. Anything Pillow cannot decode safely (an unknown format, a truncated file,
a decompression bomb) gets no thumbnail, never an exception.
"""

from __future__ import annotations

import io
import logging
import warnings

from PIL import Image, ImageOps

from shenbao.store.derived import file_bytes
from shenbao.store.models import StoredFile
from shenbao.store.db import Store

log = logging.getLogger(__name__)
PREVIEWABLE = {"jpeg", "png", "gif", "bmp", "webp", "tiff"}
SIZE = 360  # the longer side, in pixels
QUALITY = 80
MAX_PIXELS = 80_000_000  # larger than any phone photo; beyond this the image is not decoded


def can_preview(row: StoredFile) -> bool:
    return row.kind in PREVIEWABLE and not row.unreadable


def cache_path(row: StoredFile, size: int = SIZE) -> str:
    return f"thumbs/{row.sha256[:2]}/{row.sha256}_{size}.jpg"


def _make(data: bytes, size: int) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError(f"{image.width}x{image.height} is too large to preview")
            image.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a reduced scale, much faster
            small = ImageOps.exif_transpose(image)
            small.thumbnail((size, size))
            if small.mode != "RGB":
                small = small.convert("RGB")
            out = io.BytesIO()
            small.save(out, "JPEG", quality=QUALITY, optimize=True)
            return out.getvalue()


def thumbnail(store: Store, row: StoredFile, size: int = SIZE) -> bytes | None:
    """The thumbnail's JPEG bytes (from the cache, else made and cached); None when not previewable."""
    if not can_preview(row):
        return None
    cached = store.path(cache_path(row, size))
    if cached.is_file():
        return cached.read_bytes()
    source = file_bytes(store, row)  # checked against the register, made again from the raw mail if damaged
    if source is None:
        return None
    try:
        data = _make(source, size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        log.info("no thumbnail for %s: %s", row.path, exc)
        return None
    store.write_file(cache_path(row, size), data)
    return data
