"""A mail's attachments as a flat list of files: archives unpacked (nested too), limits applied.

``unpack_all`` turns the attachments into ``Unpacked`` items: every attachment, and after each
archive its members named ``材料.zip/照片/1.jpg`` (every path component sanitised, so ``../``,
absolute paths, drive letters and control characters cannot reach a file system). An item
that was refused or could not be unpacked carries a Chinese reason and no bytes. Members are
listed with their declared sizes before a byte is unpacked, so a bomb is refused by its
header, and every read is capped anyway. Exact duplicates (the same bytes twice in one mail)
are kept once; different files with the same name get "(2)", "(3)"...
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.archives import ENCRYPTED, OPENERS, ArchiveError, Entry, Reader, archive_format
from ingest.forwarded import KIND as MAIL, folder_of, is_mail, open_mail
from ingest.limits import (Limits, attachment_refusal, depth_refusal, files_refusal, members_refusal, ratio_refusal,
                           total_refusal)
from ingest.names import safe_filename, unique_name

log = logging.getLogger(__name__)

ENCRYPTED_MEMBER = "文件已加密（设有密码），无法解压"
EMPTY_ARCHIVE = "压缩包已损坏或是空的，没有可读取的文件"
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._)|(^|/)(\.DS_Store|Thumbs\.db|desktop\.ini)$", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:$")
_MAX_COMPONENTS = 6
MAX_PATH_CHARS = 240


@dataclass(frozen=True)
class Unpacked:
    name: str  # display path: "材料.zip/照片1.jpg"; a plain attachment is just its safe name
    data: bytes  # b"" when refused
    refused: str = ""  # Chinese reason when the file (or, for an archive, part of it) was not read
    archive: str = ""  # "zip" | "7z" | "rar" | "tnef" | "eml" (an attached mail) when this item is an archive
    sha256: str = ""  # of ``data``, once ``unpack_all`` has hashed it (every file is hashed once)


@dataclass
class _Budget:
    """What one attachment may still unpack, nested archives included."""

    limits: Limits
    total: int = 0
    members: int = 0
    out: list[Unpacked] = field(default_factory=list)


_OPENERS: dict[str, Callable[[bytes, Path], AbstractContextManager[tuple[list[Entry], Reader]]]] = {
    **OPENERS, MAIL: open_mail}


def container_format(name: str, data: bytes) -> str:
    """The archive kind of ``data``, or "eml" for an attached mail; "" for a plain file."""
    return archive_format(data) or (MAIL if is_mail(name, data) else "")


def member_path(name: str) -> str:
    """An archive member's path made safe: components sanitised, ``..``/``.``/drives dropped."""
    parts = [p for p in re.split(r"[/\\]+", name) if p and p not in (".", "..") and not _DRIVE.match(p)]
    safe = [safe_filename(p, fallback="_") for p in parts[-_MAX_COMPONENTS:]]
    return "/".join(safe) if safe else "附件"


def _accept(entries: list[Entry], budget: _Budget) -> tuple[list[Entry], dict[str, str], str]:
    """(entries to unpack, refused name -> reason, the archive's own reason when it was cut short).

    Every listed member counts against the member limit; once the member count or the total
    size is exceeded the rest is not even listed, so a million-entry archive costs nothing.
    """
    limits = budget.limits
    accepted: list[Entry] = []
    refused: dict[str, str] = {}
    for entry in entries:
        if _JUNK.search(entry.name.replace("\\", "/")):
            continue
        cut = members_refusal(budget.members + 1, limits) or total_refusal(budget.total + entry.size, limits)
        if cut:
            return accepted, refused, cut
        budget.members += 1
        reason = ENCRYPTED_MEMBER if entry.encrypted else (
            attachment_refusal(entry.size, limits) or ratio_refusal(entry.packed, entry.size, limits))
        if reason:
            refused[entry.name] = reason
            continue
        budget.total += entry.size
        accepted.append(entry)
    return accepted, refused, ""


def _unpack_archive(name: str, data: bytes, kind: str, depth: int, budget: _Budget, workdir: Path) -> None:
    """Append the archive's item, then its members (recursively), to ``budget.out``."""
    index = len(budget.out)
    budget.out.append(Unpacked(name, data, archive=kind))
    reason = depth_refusal(depth, budget.limits)
    if not reason:
        try:
            reason = _unpack_members(name, data, kind, depth, budget, workdir)
        except ArchiveError as exc:
            reason = str(exc)
        except Exception:  # noqa: BLE001 - hostile archives may break a parser in any way; record it
            log.info("archive %r could not be unpacked", name, exc_info=True)
            reason = "压缩包已损坏，无法解压"
    if reason:
        budget.out[index] = Unpacked(name, data, refused=reason, archive=kind)


def _unpack_members(name: str, data: bytes, kind: str, depth: int, budget: _Budget, workdir: Path) -> str:
    opener = _OPENERS[kind]
    with tempfile.TemporaryDirectory(dir=workdir, prefix="unpack-") as scratch, \
            opener(data, Path(scratch)) as (entries, read):
        if not entries and kind not in ("tnef", MAIL):  # a winmail.dat or a forwarded note may carry only a body
            return EMPTY_ARCHIVE
        accepted, refused, cut = _accept(entries, budget)
        if entries and not accepted and len(refused) == len(entries) and \
                all(r == ENCRYPTED_MEMBER for r in refused.values()):
            return ENCRYPTED
        contents = read(accepted, budget.limits.max_attachment_bytes) if accepted else {}
        folder = folder_of(name) if kind == MAIL else name
        for entry in entries:
            display = f"{folder}/{member_path(entry.name)}"
            if entry.name in refused:
                budget.out.append(Unpacked(display, b"", refused=refused[entry.name]))
            elif entry.name in contents:
                _add_member(display, contents[entry.name], entry, depth, budget, workdir)
    return cut


def _add_member(display: str, content: bytes | str, entry: Entry, depth: int, budget: _Budget, workdir: Path) -> None:
    if isinstance(content, str):
        budget.out.append(Unpacked(display, b"", refused=content))
        return
    if len(content) > budget.limits.max_attachment_bytes:
        budget.out.append(Unpacked(display, b"", refused=attachment_refusal(len(content), budget.limits)))
        return
    inner = container_format(display, content)
    if inner:
        _unpack_archive(display, content, inner, depth + 1, budget, workdir)
    else:
        budget.out.append(Unpacked(display, content))


def unpack(name: str, data: bytes, limits: Limits, workdir: Path, sha256: str = "") -> list[Unpacked]:
    """One attachment as items: itself, then (for an archive) everything inside it."""
    safe = safe_filename(name)
    reason = attachment_refusal(len(data), limits)
    if reason:
        return [Unpacked(safe, b"", refused=reason)]
    kind = container_format(safe, data)
    if not kind:
        return [Unpacked(safe, data, sha256=sha256)]
    budget = _Budget(limits)
    _unpack_archive(safe, data, kind, 1, budget, workdir)
    return budget.out


def _dedupe(items: list[Unpacked]) -> list[Unpacked]:
    seen: set[str] = set()
    taken: set[str] = set()
    out: list[Unpacked] = []
    for item in items:
        if item.data and not item.archive:
            digest = item.sha256 or hashlib.sha256(item.data).hexdigest()
            if digest in seen:
                log.info("dropped %r: the same bytes came earlier in this mail", item.name)
                continue
            seen.add(digest)
            item = replace(item, sha256=digest)
        name = unique_name(item.name[:MAX_PATH_CHARS], taken)
        taken.add(name)
        out.append(item if name == item.name else replace(item, name=name))
    return out


# unpack's signature: (attachment name, bytes, limits, workdir, sha256) -> items
Unpacker = Callable[[str, bytes, Limits, Path, str], list[Unpacked]]


def unpack_all(attachments: list[tuple[str, bytes]], limits: Limits, workdir: Path,
               unpacker: Unpacker = unpack, digests: Sequence[str] = ()) -> list[Unpacked]:
    """Every attachment of one mail, archives unpacked, duplicates dropped, names made unique.

    ``workdir`` (a scratch directory under data_dir, removed by the caller) holds any file an
    unpacker needs. The same attachment twice (same bytes) is unpacked once. ``unpacker``
    unpacks one attachment (ingest.files: in a worker, under the time budget). ``digests``: the
    attachments' SHA-256 when the caller has them already (in order), so nothing is hashed twice.
    """
    items: list[Unpacked] = []
    seen: set[str] = set()
    for index, (name, data) in enumerate(attachments):
        if len(items) >= limits.max_files_per_mail:  # 10 000 attachments: the rest are counted, not read
            return _dedupe(_capped(items, len(items) + len(attachments) - index, limits))
        digest = digests[index] if index < len(digests) else hashlib.sha256(data).hexdigest()
        if data and digest in seen:
            continue
        seen.add(digest)
        items.extend(unpacker(name, data, limits, workdir, digest))
    return _dedupe(_capped(items, len(items), limits))


def _capped(items: list[Unpacked], total: int, limits: Limits) -> list[Unpacked]:
    """At most ``max_files_per_mail`` of the ``total`` files, then one refused item saying how many were left."""
    cap = limits.max_files_per_mail
    reason = files_refusal(total, cap, limits)
    return items[:cap] + [Unpacked(f"其余{total - cap}个文件", b"", reason)] if reason else items
