"""What an OLE2 (compound file) or RTF document is, before anything converts it.

OLE2 holds old Word (.doc) and WPS Office (.wps) documents, old Excel/PowerPoint files, and
also password-protected Office 2007+ documents (an "EncryptedPackage" stream): the last are
refused with a reason that says "加密" rather than sent to a converter.
"""

from __future__ import annotations

import io
import logging

import olefile

log = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
_FIB_FLAGS = 0x0A
_F_ENCRYPTED = 0x0100

ENCRYPTED_OFFICE = "文档已加密（设有打开密码），无法读取，请取消密码后重新发送"
OTHER_OFFICE = "暂无法读取此类 Office 文件（如为推荐表或事迹材料，请另存为 Word 文档 .docx 后发送）"
BROKEN_OFFICE = "旧版 Office 文档已损坏，无法打开"


def ole_kind(data: bytes) -> tuple[str, str]:
    """("doc", "") for a Word/WPS document to convert, or ("unknown", Chinese reason) otherwise."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
            if "encryptedpackage" in streams or "encryptioninfo" in streams:
                return "unknown", ENCRYPTED_OFFICE
            if "worddocument" in streams:
                header = ole.openstream("WordDocument").read(_FIB_FLAGS + 2)
                flags = int.from_bytes(header[_FIB_FLAGS:_FIB_FLAGS + 2], "little") if len(header) >= 12 else 0
                return ("unknown", ENCRYPTED_OFFICE) if flags & _F_ENCRYPTED else ("doc", "")
            if "contents" in streams:  # Microsoft Works / early WPS word processor files
                return "doc", ""
    except (OSError, ValueError, IndexError, EOFError) as exc:
        log.info("not a readable OLE2 file: %s", exc)
        return "unknown", BROKEN_OFFICE
    return "unknown", OTHER_OFFICE
