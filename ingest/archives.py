"""Listing and reading the members of one archive: zip, 7z, rar and Outlook's winmail.dat (TNEF).

Every reader lists the members with their declared sizes first (``Entry``), so the caller can
apply its limits before a byte is unpacked, then reads each accepted member into memory with
a hard cap. Nothing here writes a member to disk: zip, 7z and TNEF are read in memory; RAR is
handed to ``unar`` through rarfile, which needs the archive as a file in the caller's work dir.
"""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import py7zr
import rarfile
from py7zr.io import Py7zIO, WriterFactory
from tnefparse import TNEF

from ingest.names import unique_name

log = logging.getLogger(__name__)
_T = TypeVar("_T")

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
RAR_MAGIC = (b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")
TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_EXTRA = 0x7075
# Office documents are zips too; these members make a zip a document, not an archive.
_DOCUMENT_MEMBERS = ("[Content_Types].xml", "mimetype")


class ArchiveError(Exception):
    """The archive cannot be listed or read; the message is the Chinese reason."""


@dataclass(frozen=True)
class Entry:
    name: str  # as stored in the archive, decoded (not yet sanitised)
    size: int  # declared unpacked size
    packed: int  # declared packed size
    encrypted: bool = False


# (accepted entries, cap per member) -> name -> at most cap + 1 bytes, or a Chinese reason
Reader = Callable[[list[Entry], int], dict[str, "bytes | str"]]
BROKEN_MEMBER = "文件在压缩包中已损坏，无法解压"
ENCRYPTED = "压缩包已加密（设有密码），无法解压"


def archive_format(data: bytes) -> str:
    """"zip" | "7z" | "rar" | "tnef" from the magic bytes, "" for anything else (documents included)."""
    if data.startswith(SEVENZIP_MAGIC):
        return "7z"
    if data.startswith(RAR_MAGIC):
        return "rar"
    if data.startswith(TNEF_MAGIC):
        return "tnef"
    if data.startswith(ZIP_MAGIC):
        return "zip" if not _is_document_zip(data) else ""
    return ""


def _is_document_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False  # a broken zip: reported by the archive reader
    return any(name in names for name in _DOCUMENT_MEMBERS) or "word/document.xml" in names


def distinct(named: Iterable[tuple[str, _T]]) -> dict[str, _T]:
    """Members by name; a name stored twice (zip and rar allow it) becomes ``照片(2).jpg`` instead
    of hiding the first member."""
    out: dict[str, _T] = {}
    for name, item in named:
        out[unique_name(name, out)] = item
    return out


# --- zip -------------------------------------------------------------------------------------


def _unicode_path(extra: bytes, raw_name: bytes) -> str:
    """The Info-ZIP Unicode Path (0x7075) extra field's name, when it matches the raw name's CRC."""
    position = 0
    while position + 4 <= len(extra):
        kind = int.from_bytes(extra[position:position + 2], "little")
        length = int.from_bytes(extra[position + 2:position + 4], "little")
        body = extra[position + 4:position + 4 + length]
        if kind == _UNICODE_PATH_EXTRA and len(body) > 5 and body[0] == 1:
            if int.from_bytes(body[1:5], "little") == zlib.crc32(raw_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return ""
        position += 4 + length
    return ""


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A member's real name. Without the UTF-8 flag, zipfile decoded the bytes as cp437; Chinese
    Windows tools (WinRAR, 7-Zip, Explorer) write them in the GBK code page, macOS in UTF-8."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    named = _unicode_path(info.extra, raw)
    if named:
        return named
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


@contextmanager
def open_zip(data: bytes, workdir: Path) -> Iterator[tuple[list[Entry], Reader]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError("压缩包已损坏，无法打开") from exc
    with archive:
        infos = distinct((zip_member_name(i), i) for i in archive.infolist() if not i.is_dir())
        entries = [Entry(name, i.file_size, i.compress_size, bool(i.flag_bits & _ENCRYPTED_FLAG))
                   for name, i in infos.items()]

        def read(accepted: list[Entry], cap: int) -> dict[str, bytes | str]:
            out: dict[str, bytes | str] = {}
            for entry in accepted:
                try:
                    with archive.open(infos[entry.name]) as stream:  # zipfile stops at the declared size
                        out[entry.name] = stream.read(cap + 1)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError):
                    out[entry.name] = BROKEN_MEMBER
            return out

        yield entries, read


# --- 7z --------------------------------------------------------------------------------------


class _CappedBuffer(Py7zIO):
    """Keeps at most ``cap + 1`` bytes of one 7z member; the rest is counted and dropped."""

    def __init__(self, cap: int) -> None:
        self.cap, self.buffer, self.seen = cap, io.BytesIO(), 0

    def write(self, s: bytes | bytearray) -> int:
        room = self.cap + 1 - self.buffer.tell()
        if room > 0:
            self.buffer.write(bytes(s[:room]))
        self.seen += len(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return self.buffer.getvalue()

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self.seen


class _CappedFactory(WriterFactory):
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.products: dict[str, _CappedBuffer] = {}

    def create(self, filename: str) -> Py7zIO:
        product = _CappedBuffer(self.cap)
        self.products[filename] = product
        return product


@contextmanager
def open_7z(data: bytes, workdir: Path) -> Iterator[tuple[list[Entry], Reader]]:
    try:
        archive = py7zr.SevenZipFile(io.BytesIO(data), mode="r")
    except py7zr.exceptions.PasswordRequired as exc:
        raise ArchiveError(ENCRYPTED) from exc
    except Exception as exc:  # hostile headers may break the parser in any way
        raise ArchiveError("压缩包已损坏，无法打开") from exc
    with archive:
        encrypted = archive.needs_password()
        members = list(archive.files)  # in stream order, folders and symbolic links included
        index_of = distinct((m.filename, i) for i, m in enumerate(members)
                            if not (m.is_directory or m.is_symlink or m.is_socket))
        # A solid block's packed size belongs to no single member: share the archive's size out.
        total = max(sum(members[i].uncompressed or 0 for i in index_of.values()), 1)
        entries = [Entry(name, members[i].uncompressed or 0, len(data) * (members[i].uncompressed or 0) // total,
                         encrypted) for name, i in index_of.items()]

        def read(accepted: list[Entry], cap: int) -> dict[str, bytes | str]:
            # A solid block is decoded from its start: members stored before the last accepted one
            # (links and unwanted files too) are decoded and dropped. Decoding stops past them.
            wanted = {index_of[e.name] for e in accepted}
            for index, member in enumerate(members):
                # py7zr refuses a name like "../x" even for an in-memory write and writes two members
                # of one name as "x" and "x_0": each member is asked for by its place instead.
                member._file_info["filename"] = str(index)
            factory = _CappedFactory(cap)
            archive.max_extract_size = sum(m.uncompressed or 0 for m in members[: max(wanted) + 1]) + 1
            try:
                archive.extract(targets=sorted(str(i) for i in wanted), factory=factory)
            except py7zr.exceptions.DecompressionBombError:
                log.info("7z decoding stopped at the declared size of the members wanted")
            except Exception:  # a hostile stream may break the decoder in any way
                log.info("7z members could not be unpacked", exc_info=True)
                return {e.name: BROKEN_MEMBER for e in accepted}
            products = factory.products
            return {e.name: products[str(index_of[e.name])].read() if str(index_of[e.name]) in products
                    else BROKEN_MEMBER for e in accepted}

        yield entries, read


# --- rar -------------------------------------------------------------------------------------


@contextmanager
def open_rar(data: bytes, workdir: Path) -> Iterator[tuple[list[Entry], Reader]]:
    path = workdir / "archive.rar"
    path.write_bytes(data)
    rarfile.HACK_TMP_DIR = str(workdir)  # rarfile's own temp files stay in the work dir too
    try:
        archive = rarfile.RarFile(str(path), charset="gb18030")
    except rarfile.PasswordRequired as exc:
        raise ArchiveError(ENCRYPTED) from exc
    except (rarfile.Error, OSError, ValueError, EOFError) as exc:
        raise ArchiveError("压缩包已损坏，无法打开") from exc
    with archive:
        if archive.needs_password() and not archive.infolist():
            raise ArchiveError(ENCRYPTED)
        infos = distinct((i.filename, i) for i in archive.infolist() if not i.is_dir())
        entries = [Entry(name, i.file_size, i.compress_size, i.needs_password()) for name, i in infos.items()]

        def read(accepted: list[Entry], cap: int) -> dict[str, bytes | str]:
            out: dict[str, bytes | str] = {}
            for entry in accepted:
                try:
                    with archive.open(infos[entry.name]) as stream:
                        out[entry.name] = stream.read(cap + 1)
                except rarfile.RarCannotExec:
                    out[entry.name] = "服务器缺少解压 RAR 的组件（unar），暂无法解压"
                except (rarfile.Error, OSError, ValueError, EOFError):
                    out[entry.name] = BROKEN_MEMBER
            return out

        yield entries, read


# --- TNEF (winmail.dat) ----------------------------------------------------------------------


def _tnef_name(attachment: object, index: int) -> str:
    """The MAPI long name; else the title's raw bytes (tnefparse decodes those as UTF-8 only)."""
    name: object = ""
    try:
        name = attachment.long_filename()  # type: ignore[attr-defined]  # tnefparse has no types; caught below
    except (AttributeError, UnicodeDecodeError, ValueError):
        name = getattr(attachment, "_name", b"")
    if isinstance(name, bytes):
        for encoding in ("utf-8", "gb18030"):
            try:
                return name.decode(encoding).rstrip("\x00")
            except UnicodeDecodeError:
                continue
        return name.decode("latin-1").rstrip("\x00")
    return str(name or f"附件{index}").rstrip("\x00")


@contextmanager
def open_tnef(data: bytes, workdir: Path) -> Iterator[tuple[list[Entry], Reader]]:
    try:
        parsed = TNEF(data, do_checksum=False)
    except Exception as exc:  # hostile TNEF may break the parser in any way
        raise ArchiveError("winmail.dat 已损坏，无法读取其中的附件") from exc
    payloads: dict[str, bytes] = {}
    for index, attachment in enumerate(parsed.attachments, 1):
        payload = attachment.data if isinstance(attachment.data, bytes) else b""
        name = _tnef_name(attachment, index)
        payloads[name if name not in payloads else f"{index}-{name}"] = payload
    entries = [Entry(name, len(payload), len(payload)) for name, payload in payloads.items()]

    def read(accepted: list[Entry], cap: int) -> dict[str, bytes | str]:
        return {e.name: payloads[e.name][: cap + 1] for e in accepted}

    yield entries, read


OPENERS = {"zip": open_zip, "7z": open_7z, "rar": open_rar, "tnef": open_tnef}
