"""The limits that keep hostile attachments from hurting the service, and the checks that apply them.

``Limits`` is plain values: the wiring builds it from the ``[limits]`` config table, so ingest
needs no config import. Each check returns a short Chinese reason (quoted in the reply and the
register) or "" when the value is within its limit. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

# A member this small is never refused for its compression ratio: tiny text files compress well.
RATIO_FLOOR_BYTES = 1 << 20

TOO_BIG = "文件过大（{size}，超过单个附件上限 {limit}），未处理"
ARCHIVE_TOO_BIG = "压缩包解压后总大小超过上限 {limit}（疑似压缩炸弹），其余文件未解压"
TOO_MANY_MEMBERS = "压缩包内文件过多（超过 {limit} 个），其余文件未解压"
RATIO_TOO_HIGH = "压缩比异常（疑似压缩炸弹），未解压"
TOO_DEEP = "压缩包嵌套层数过多（超过 {limit} 层），未解压"
IMAGE_TOO_LARGE = "图片像素过多（疑似解压炸弹），无法处理"
OVER_BUDGET = "处理超时：文件内容异常，读取超过 {seconds} 秒，已停止读取"
TOO_MANY_FILES = "邮件中的文件过多（共 {count} 个，超过 {limit} 个），其余 {left} 个未处理"


@dataclass(frozen=True)
class Limits:
    """How much one mail's attachments may cost. Defaults are the safe values of config.example.toml."""

    max_attachment_bytes: int = 50_000_000  # one attachment or one unpacked archive member
    max_archive_total_bytes: int = 200_000_000  # everything unpacked from one attachment, nested included
    max_archive_members: int = 500  # files taken from one attachment, nested included
    max_compression_ratio: int = 200  # unpacked size / packed size of one member
    max_nesting_depth: int = 3  # archives inside archives (the attachment itself is depth 1)
    max_image_pixels: int = 120_000_000  # width x height; more is a decompression bomb
    conversion_timeout_seconds: int = 60  # one LibreOffice conversion (.doc/.wps/.rtf)
    max_files_per_mail: int = 1000  # attachments and archive members of one mail, all together
    file_seconds: float = 5.0  # CPU seconds reading one file may take (ingest.budget)


def human_size(size: int) -> str:
    """Bytes for a reason text: "52.4MB", "300KB" (rounded down)."""
    if size >= 100_000:
        return f"{size // 100_000 / 10:g}MB"
    return f"{max(size, 0) // 1000}KB"


def budget_refusal(limits: Limits) -> str:
    """A file whose reading used up its ``file_seconds`` of CPU."""
    return OVER_BUDGET.format(seconds=f"{limits.file_seconds:g}")


def files_refusal(count: int, kept: int, limits: Limits) -> str:
    """A mail with more files than ``max_files_per_mail``: ``kept`` were read, the rest not."""
    if count > limits.max_files_per_mail:
        return TOO_MANY_FILES.format(count=count, limit=limits.max_files_per_mail, left=count - kept)
    return ""


def attachment_refusal(size: int, limits: Limits) -> str:
    if size > limits.max_attachment_bytes:
        return TOO_BIG.format(size=human_size(size), limit=human_size(limits.max_attachment_bytes))
    return ""


def ratio_refusal(packed: int, unpacked: int, limits: Limits) -> str:
    """A member that unpacks to far more than it takes in the archive is a bomb."""
    if unpacked > RATIO_FLOOR_BYTES and unpacked > limits.max_compression_ratio * max(packed, 1):
        return RATIO_TOO_HIGH
    return ""


def depth_refusal(depth: int, limits: Limits) -> str:
    """``depth`` of the archive about to be opened: 1 for an attachment, 2 for an archive inside it..."""
    if depth > limits.max_nesting_depth:
        return TOO_DEEP.format(limit=limits.max_nesting_depth)
    return ""


def members_refusal(count: int, limits: Limits) -> str:
    if count > limits.max_archive_members:
        return TOO_MANY_MEMBERS.format(limit=limits.max_archive_members)
    return ""


def total_refusal(total: int, limits: Limits) -> str:
    if total > limits.max_archive_total_bytes:
        return ARCHIVE_TOO_BIG.format(limit=human_size(limits.max_archive_total_bytes))
    return ""


def pixels_refusal(width: int, height: int, limits: Limits) -> str:
    if width * height > limits.max_image_pixels:
        return IMAGE_TOO_LARGE
    return ""
