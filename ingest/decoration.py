"""Pictures that decorate a mail rather than document a candidate: spacers, logos, signatures. Pure.

A 70-byte spacer GIF, a company logo in the signature or a picture the HTML body shows inline
(``cid:``) is never a credit screenshot or a photo, whatever it looks like: ``ingest.classify``
asks ``is_decoration`` first and makes such a picture OTHER.
"""

from __future__ import annotations

from ingest.types import FileFacts

TINY_BYTES = 3_000  # a spacer or a logo; the smallest real screenshot of a web page is larger
SMALL_SIDE = 200  # a picture under 200 x 200 pixels is an icon or a thumbnail, not a material
THIN_SIDE = 40  # a rule line or a banner strip, however long
# A picture that declares this many pixels is judged by them, not by its bytes (a camera HEIF
# read from its header alone, without a decoder, is only the header's bytes).
MEGAPIXEL = 1_000_000


def is_decoration(facts: FileFacts, *, inline: bool = False) -> bool:
    """True for a picture that is too small to be a material, or shown inline in the HTML body."""
    image = facts.image
    if image is None or facts.unreadable:
        return False
    if inline or (facts.size < TINY_BYTES and image.width * image.height < MEGAPIXEL):
        return True
    if max(image.width, image.height) < SMALL_SIDE:
        return True
    return 0 < min(image.width, image.height) < THIN_SIDE
