"""Summarise a py-spy ``--format raw`` profile: ``python -m bench.folded PROFILE.txt [TOP]``.

Prints the functions holding the most samples, inclusive (anywhere on the stack) and self
(on top of it), as percentages of all samples: where the time of a run goes, in text that
fits a README.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:)]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match.group("file")
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match.group('func')} ({path})"


def summarise(text: str) -> tuple[int, Counter[str], Counter[str]]:
    total, inclusive, own = 0, Counter[str](), Counter[str]()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_name(f) for f in stack.split(";") if f and not f.startswith("process ")]
        total += count
        for name in set(frames):
            inclusive[name] += count
        if frames:
            own[frames[-1]] += count
    return total, inclusive, own


def main(path: Path, top: int) -> None:
    total, inclusive, own = summarise(path.read_text(errors="replace"))
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"{title} ({total} samples)")
        for name, count in counter.most_common(top):
            print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 25)
