"""Optical character recognition of one picture: bytes in, lines of text out. Offline, on the CPU.

The engine is RapidOCR (PP-OCRv4 models run by onnxruntime; the models ship inside the
``rapidocr-onnxruntime`` wheel, nothing is downloaded). It is loaded once per process, on first
use (about 0.3 s), and shared by every caller under a lock (one recognition at a time: onnxruntime
already uses every core for one). When the engine cannot be loaded (the package, onnxruntime or
OpenCV's system libraries missing) every call answers ``failed`` with the reason, and the service
goes on without reading pictures (the rules then make no claim about what a picture says).

Pictures are reduced before recognition so that the longer side is at most ``MAX_SIDE`` pixels
(a 4000 px photo of a page reads as well at 2000 px, in a quarter of the time).
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ingest.memory import release

log = logging.getLogger(__name__)

MAX_SIDE = 2000
MIN_SCORE = 0.5  # lines the recogniser is less sure of are dropped
READ, EMPTY, FAILED = "read", "empty", "failed"
NO_ENGINE = "文字识别组件不可用"


@dataclass(frozen=True)
class OcrText:
    state: str  # READ | EMPTY | FAILED
    lines: tuple[str, ...] = ()
    reason: str = ""  # why FAILED
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# What callers pass to ingest.read: (sha256, bytes) -> OcrText. The wiring's reader keeps the
# results by hash, so the same bytes are never recognised twice.
OcrReader = Callable[[str, bytes], OcrText]

_LOCK = threading.Lock()
_ENGINE: list[Any] = []  # [engine] once loaded, [None] when loading failed
_LOAD_ERROR: list[str] = []


def _engine() -> Any:
    """The process's one engine, loaded on first use; None when it cannot be loaded."""
    if not _ENGINE:
        try:
            from rapidocr_onnxruntime import RapidOCR

            _ENGINE.append(RapidOCR())
        except Exception as error:  # noqa: BLE001 - import or model load may fail in many ways; recorded
            log.warning("OCR engine not available: %s: %s", type(error).__name__, error)
            _LOAD_ERROR.append(f"{type(error).__name__}: {error}")
            _ENGINE.append(None)
    return _ENGINE[0]


def engine_error() -> str:
    """"" when the engine loads, else why it does not (loads it if not yet tried)."""
    with _LOCK:
        return "" if _engine() is not None else (_LOAD_ERROR[0] if _LOAD_ERROR else NO_ENGINE)


def _pixels(image: Image.Image) -> Any:
    import numpy

    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale when it is much larger
    if image.mode != "RGB":
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return numpy.asarray(image)[:, :, ::-1].copy()  # OpenCV's BGR order


def reading_order(boxes: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """Boxes (four corner points each) in reading order: rows top to bottom, each left to right. A box
    belongs to the row above when its centre is within half its height of that row's centre, so a
    slightly turned photo of a table still reads label then value."""
    placed = sorted(boxes, key=lambda item: sum(point[1] for point in item[0]) / 4)
    rows: list[list[tuple[float, float, float, tuple[Any, str]]]] = []
    for item in placed:
        ys = [point[1] for point in item[0]]
        centre, half = sum(ys) / 4, (max(ys) - min(ys)) / 2
        left = min(point[0] for point in item[0])
        if rows and abs(rows[-1][-1][0] - centre) <= max(half, rows[-1][-1][1]):
            rows[-1].append((centre, half, left, item))
        else:
            rows.append([(centre, half, left, item)])
    return [entry[3] for row in rows for entry in sorted(row, key=lambda entry: entry[2])]


def recognise(image: Image.Image) -> OcrText:
    """The lines of text in an opened picture, top to bottom (as the engine orders its boxes)."""
    started = time.monotonic()
    with _LOCK:
        engine = _engine()
        if engine is None:
            return OcrText(FAILED, reason=_LOAD_ERROR[0] if _LOAD_ERROR else NO_ENGINE)
        try:
            found, _ = engine(_pixels(image))
        except Exception as error:  # noqa: BLE001 - a picture the engine chokes on is recorded, not raised
            log.info("OCR failed: %s: %s", type(error).__name__, error)
            return OcrText(FAILED, reason=f"{type(error).__name__}: {error}"[:200])
        finally:
            release()  # the engine's ~270 MB of buffers back to the system, not kept by the process
    kept = [(box, str(text).strip()) for box, text, score in (found or ()) if float(score) >= MIN_SCORE and str(text).strip()]
    lines = tuple(text for _box, text in reading_order(kept))
    return OcrText(READ if lines else EMPTY, lines, seconds=round(time.monotonic() - started, 3))


def ocr_bytes(data: bytes) -> OcrText:
    """``recognise`` for a picture's bytes; a picture Pillow cannot open is FAILED, never raised."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return recognise(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        return OcrText(FAILED, reason=f"{type(error).__name__}: {error}"[:200])


_RECENT: OrderedDict[str, OcrText] = OrderedDict()
RECENT_KEPT = 256  # results kept in the process by SHA-256 (the same screenshot in many mails)


def recent_reader(sha256: str, data: bytes) -> OcrText:
    """An ``OcrReader`` that remembers the last ``RECENT_KEPT`` results of this process by hash
    (a failure is not remembered)."""
    with _LOCK:
        kept = _RECENT.get(sha256)
        if kept is not None:
            _RECENT.move_to_end(sha256)
            return kept
    found = ocr_bytes(data)
    if found.state != FAILED:
        with _LOCK:
            _RECENT[sha256] = found
            while len(_RECENT) > RECENT_KEPT:
                _RECENT.popitem(last=False)
    return found
