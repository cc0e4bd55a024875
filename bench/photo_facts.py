"""The error rate of a cheap photo test (header facts only, no decode) against the full look.

The candidate (``photo_facts``): a JPEG of at least ``PHOTO_MIN_BYTES``, at least ``PHOTO_MIN_BPP``
bits per pixel, and bits per pixel times the mean step of its luminance quantisation table (how
much detail survived quantisation) at least ``PHOTO_MIN_DETAIL``, is a photo without being decoded.
The thresholds are the ones that let the benchmark's WeChat-like photos through (detail 34)
while keeping every screenshot saved as JPEG out (detail under 6).

``python -m bench.photo_facts [CORPUS_DIR]`` reads every JPEG of the project's generated pictures
(bench and sample photos with and without EXIF at several sizes and qualities, screenshots saved
as JPEG at phone and PC sizes, phone-like photos of a printed page with camera noise) and every
JPEG attached to a mail of the real-world corpus (default ``../shared/corpus/realworld``), and
prints, per set: how many pictures the facts alone called photos (not decoded), how many of those
the full 1/8-scale look would not call a photo (an error: the role could change), and how many
were decoded because the facts disagreed.
"""

from __future__ import annotations

import email
import email.policy
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter

from ingest.classify import looks_like
from ingest.read_image import _look
from ingest.types import ImageInfo, Role
from shenbao.samples.images import photo_jpeg, screenshot_png, small_photo_jpeg

ROOT = Path(__file__).resolve().parents[1]
PHOTO_MIN_BYTES = 500_000  # a smaller JPEG decodes in a few ms anyway
PHOTO_MIN_BPP = 1.0  # a screenshot of a page is well under this at any quality (0.3-0.7)
PHOTO_MIN_DETAIL = 28.0  # bits per pixel x mean luminance quantiser step


def photo_facts(image: Image.Image, data: bytes) -> bool:
    """True when a JPEG's header facts all say "photo" (the candidate shortcut above)."""
    width, height = image.size
    luminance = (getattr(image, "quantization", None) or {}).get(0)
    if len(data) < PHOTO_MIN_BYTES or not luminance or width * height <= 0:
        return False
    bits_per_pixel = len(data) * 8 / (width * height)
    return bits_per_pixel >= PHOTO_MIN_BPP and bits_per_pixel * sum(luminance) / len(luminance) >= PHOTO_MIN_DETAIL
CORPUS = ROOT.parent / "shared" / "corpus" / "realworld"


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def page_photo(noise: float, quality: int, size: tuple[int, int] = (3000, 2000), light: float = 1.0) -> bytes:
    """A phone photo of a printed page: the screenshot enlarged and blurred, dimmed, with camera noise."""
    page = Image.open(io.BytesIO(screenshot_png(size=(1366, 768)))).convert("RGB").resize(size)
    page = ImageEnhance.Brightness(page.filter(ImageFilter.GaussianBlur(1.2))).enhance(light)
    grain = Image.effect_noise(size, noise).convert("RGB")
    return _jpeg(Image.blend(page, grain, 0.15), quality)


def screenshot_jpeg(size: tuple[int, int], quality: int) -> bytes:
    return _jpeg(Image.open(io.BytesIO(screenshot_png(size=size))).convert("RGB"), quality)


def generated() -> Iterator[tuple[str, bytes]]:
    for seed in range(4):
        yield f"bench photo without EXIF, seed {seed}", photo_jpeg(2_100_000, seed=1000 + seed, camera=None)
        yield f"camera photo, seed {seed}", photo_jpeg(seed=seed)
    yield "WeChat photo 1280x960", small_photo_jpeg()
    for size, target in (((4000, 3000), 1_500_000), ((4000, 3000), 4_000_000), ((1080, 1440), 300_000),
                         ((1920, 1080), 900_000)):
        yield f"photo {size[0]}x{size[1]} {target // 1000} KB", photo_jpeg(target, seed=5, camera=None, size=size)
    for quality in (50, 75, 85, 95):
        for size in ((1366, 768), (1080, 2340), (2340, 1080), (2880, 1800)):
            yield f"screenshot {size[0]}x{size[1]} q{quality}", screenshot_jpeg(size, quality)
    for noise in (0, 10, 30, 60, 100):
        for quality in (85, 92, 95, 98):
            yield f"photo of a page, noise {noise}, q{quality}", page_photo(noise, quality)
    yield "photo of a page, dim, noise 30, q92", page_photo(30, 92, light=0.92)


def corpus_jpegs(root: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(root.rglob("*.eml")):
        try:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
            parts = [part.get_payload(decode=True) for part in message.walk() if not part.is_multipart()]
        except Exception:  # noqa: BLE001 - a corpus mail the stdlib cannot walk has no pictures for us
            continue
        for index, data in enumerate(parts):
            if isinstance(data, bytes) and data[:3] == b"\xff\xd8\xff":
                yield f"{path.relative_to(root)} part {index}", data


def check(pictures: Iterator[tuple[str, bytes]]) -> tuple[int, int, int, list[str]]:
    """(JPEGs, called photos by their facts, of those not a photo by the full look, which they were)."""
    total = by_facts = wrong = 0
    errors = []
    for label, data in pictures:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("JPEG", "MPO"):
                    continue
                cheap, (width, height) = photo_facts(image, data), image.size
            with Image.open(io.BytesIO(data)) as image:
                colours, white = _look(image)  # the full look, as read_image takes it
        except Exception:  # noqa: BLE001 - a broken picture is the reader's case, not this measurement's
            continue
        total += 1
        if cheap:
            by_facts += 1
            if looks_like(ImageInfo("JPEG", width, height, "", "", colours, white)) is not Role.PHOTO:
                wrong += 1
                errors.append(f"{label}: colours {colours}, white share {white:.2f}")
    return total, by_facts, wrong, errors


def main(corpus: Path) -> None:
    for name, pictures in (("generated", generated()), (f"real-world corpus ({corpus})", corpus_jpegs(corpus))):
        total, by_facts, wrong, errors = check(pictures)
        print(f"{name}: {total} JPEGs; {by_facts} photos by their facts alone (not decoded), "
              f"{wrong} of them not a photo by the full look ({wrong / max(by_facts, 1):.1%}); "
              f"{total - by_facts} decoded and looked at")
        for line in errors:
            print(f"  error: {line}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
