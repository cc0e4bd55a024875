"""What the web view hands out as files: originals, pictures shown inline, thumbnails, one
candidate's materials as a zip, the workbook, and raw mails.

Originals are downloads (``Content-Disposition: attachment``) typed from their content, never
from the sender; a picture opened from its thumbnail is shown inline only when it is a format
browsers draw (JPEG, PNG, GIF, WebP, BMP), under ``default-src 'none'`` and ``nosniff``. The
materials zip is built in memory (nothing is written anywhere), its names cut to a byte budget
so they unpack on any file system.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from ingest.names import cap_name, safe_filename
from shenbao.config import Config
from shenbao.store.derived import file_bytes
from shenbao.office.materials import nomination_materials
from shenbao.store.models import Email, Reply, StoredFile, Submission
from shenbao.register.nominations import by_ref, foreign, surviving
from shenbao.store.db import Store
from shenbao.office.thumbs import thumbnail
from shenbao.office.xlsx import register_xlsx, xlsx_filename

DOWNLOAD_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp",
                  "webp": "image/webp", "tiff": "image/tiff", "pdf": "application/pdf", "txt": "text/plain; charset=utf-8",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "doc": "application/msword", "zip": "application/zip"}
INLINE_KINDS = ("jpeg", "png", "gif", "webp", "bmp")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_NAME_BYTES = 150  # each name in the zip and the zip's own name


@dataclass(frozen=True)
class FileAnswer:
    """A file to send, or (``data`` None) what to say instead: a title and a line."""

    data: bytes | None
    content_type: str = ""
    filename: str = ""
    inline: bool = False
    title: str = ""
    text: str = ""
    cache: str = "no-store"
    extra: list[tuple[str, str]] = field(default_factory=list)


def _refuse(title: str, text: str) -> FileAnswer:
    return FileAnswer(None, title=title, text=text)


def content_disposition(filename: str, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII fallback name and the real (Chinese) name per RFC 6266 / 5987."""
    stem, dot, ext = filename.rpartition(".")
    ascii_stem = "".join(c for c in (stem if dot else filename) if c.isascii() and (c.isalnum() or c in "_-"))
    ascii_ext = "".join(c for c in ext if c.isascii() and c.isalnum())[:8] if dot else ""
    fallback = (ascii_stem if any(c.isalnum() for c in ascii_stem) else "file") + (f".{ascii_ext}" if ascii_ext else "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def stored_file(store: Store, config: Config, file_id: int, how: str) -> FileAnswer:
    """``how``: "file" (the original, a download), "view" (a picture inline) or "thumb"."""
    with store.session() as s:
        row = s.get(StoredFile, file_id)
        row = None if row is None or foreign(s, row.email_id, row.submission_id) else row  # another campaign's
    if row is None:
        return _refuse("找不到该文件", "文件编号不存在。")
    if how == "thumb":
        data = thumbnail(store, row)
        if data is None:
            return _refuse("无法预览", "该文件不能生成缩略图。")
        return FileAnswer(data, "image/jpeg", cache="private, max-age=86400")
    if how == "view" and row.kind not in INLINE_KINDS:
        return _refuse("无法在浏览器中显示", "该图片的格式浏览器无法直接显示，请返回上一页下载原文件查看。")
    data = file_bytes(store, row, config.limits.for_ingest())  # checked, made again if damaged
    if data is None:
        return _refuse("文件缺失", "该文件已不在数据目录中。")
    return FileAnswer(data, DOWNLOAD_TYPES.get(row.kind, "application/octet-stream"), row.filename, inline=how == "view")


def materials_zip(store: Store, ref: str) -> FileAnswer:
    """One candidate's materials, named as ``export --materials`` names them, in one zip."""
    with store.session() as s:
        sub = surviving(s, by_ref(s, ref))
        if sub is None:
            return _refuse("找不到该推荐人选", "请从首页重新进入。")
        missing: list[str] = []
        buffer = io.BytesIO()
        folder = cap_name(safe_filename(f"{sub.ref}_{sub.unit}_{sub.candidate or '未识别候选人'}"), ZIP_NAME_BYTES)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in nomination_materials(store, s, sub, missing):
                parts = [cap_name(part, ZIP_NAME_BYTES) for part in name.split("/")]
                archive.writestr(f"{folder}/{'/'.join(parts)}", data)
            if missing:
                archive.writestr(f"{folder}/缺失文件说明.txt", "以下文件已不在数据目录中，未能放入压缩包：\n"
                                 + "\n".join(missing) + "\n")
    return FileAnswer(buffer.getvalue(), "application/zip", f"{folder}.zip")


def workbook(store: Store, config: Config, now: datetime) -> FileAnswer:
    return FileAnswer(register_xlsx(store, config), XLSX_TYPE, xlsx_filename(config, now))


def raw_mail(store: Store, kind: str, row_id: int) -> FileAnswer:
    """An incoming mail (``kind`` "email") or a reply ("reply") as it was received or sent, as .eml."""
    with store.session() as s:
        row: Email | Reply | None = s.get(Email, row_id) if kind == "email" else s.get(Reply, row_id)
        if row is not None and foreign(s, row.id if isinstance(row, Email) else row.email_id, row.submission_id):
            row = None  # another campaign's mail
        sub = s.get(Submission, row.submission_id) if row is not None and row.submission_id else None
    if row is None:
        return _refuse("找不到该邮件", "邮件编号不存在。")
    data = store.read_raw(row) if isinstance(row, Email) else row.raw
    if not data:
        return _refuse("邮件原文缺失", "这封邮件超过大小上限，只保存了信头。")
    name = f"{'来信' if kind == 'email' else '回信'}{row_id}{('_' + sub.ref) if sub else ''}.eml"
    return FileAnswer(data, "message/rfc822", name)
