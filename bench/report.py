"""The benchmark's one table (Markdown, so it can go into the README as printed)."""

from __future__ import annotations

from bench.measure import Result


def _cell(value: float, unit: str, digits: int = 1) -> str:
    return f"{value:.{digits}f} {unit}" if value else "–"


def render(header: str, results: list[Result]) -> str:
    by_name = {r.name: r for r in results}
    lines = [header, "", "| what | wall (median) | MB/s | mails/s | peak RSS (sum) | × mbsync | note |",
             "|---|---|---|---|---|---|---|"]
    for result in results:
        if not result.samples:
            lines.append(f"| {result.name} | – | – | – | – | – | {result.note} |")
            continue
        wall = result.wall
        wall_text = result.shown or (f"{wall * 1000:.0f} ms" if wall < 1 else f"{wall:.2f} s")
        reference = by_name.get(result.reference)
        ratio = f"{wall / reference.wall:.2f}×" if reference is not None and reference.samples else "–"
        rate = result.megabytes / wall if result.megabytes else 0.0
        per_second = result.mails / wall if result.mails and not result.shown else 0.0
        lines.append(f"| {result.name} | {wall_text} | {_cell(rate, '', 0).strip()} | "
                     f"{_cell(per_second, '', 0 if per_second >= 100 else 1).strip()} | {result.rss_mb:.0f} MB | "
                     f"{ratio} | {result.note} |")
    return "\n".join(lines) + "\n"
