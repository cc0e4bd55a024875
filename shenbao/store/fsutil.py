"""Small file-system helpers shared by the store and the file outbox."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(target: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``target`` all or nothing: a temp file beside it, fsync, rename.

    ``durable=False`` skips the fsync, for files that can be made again from one that was synced
    (a crash of the process loses nothing; a power cut may leave such a file empty or missing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
