"""Recycled photos: the same photo twice in a nomination, or in another nomination. Pure.

Each photo carries a 64-bit perceptual hash (``ingest.read_image.difference_hash``); two photos
whose hashes differ in at most ``max_distance`` bits are one photo (a resized, re-encoded or
lightly cropped copy). The wiring passes the other nominations' current photos in
``NominationFacts.other_photos``.
"""

from __future__ import annotations

from itertools import combinations

from rules.facts import NominationFacts, Problem


def distance(first: str, second: str) -> int:
    """Bits in which two hashes differ; 64 when either is missing or malformed."""
    try:
        return (int(first, 16) ^ int(second, 16)).bit_count() if first and second else 64
    except ValueError:
        return 64


def check_duplicates(facts: NominationFacts, max_distance: int) -> list[Problem]:
    """``photos.duplicate`` listing each pair: within this nomination, and with other nominations'."""
    photos = sorted((p for p in facts.photos if p.phash), key=lambda p: p.filename)
    pairs: list[dict[str, str]] = [
        {"name": a.filename, "twin": b.filename, "ref": "", "candidate": "", "unit": ""}
        for a, b in combinations(photos, 2) if distance(a.phash, b.phash) <= max_distance
    ]
    for photo in photos:
        pairs += [{"name": photo.filename, "twin": other.filename, "ref": other.ref, "candidate": other.candidate,
                   "unit": other.unit}
                  for other in sorted(facts.other_photos, key=lambda o: (o.ref, o.filename))
                  if distance(photo.phash, other.phash) <= max_distance]
    return [Problem("photos.duplicate", {"files": pairs})] if pairs else []
