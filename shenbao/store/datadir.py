"""The content files under ``storage.data_dir``: where each lives, and atomic writes.

``Store`` is a ``DataDir`` with the register. The raw mail is the one stored copy of what came
in; an attachment (or archive member) has a content-addressed place under ``files/`` that is
filled from its raw mail the first time someone reads it (``shenbao.store.derived``), not at intake:
writing six megabytes of photos per mail a second time cost an eighth of the intake and
doubled the disk the store takes. Nothing is ever written outside data_dir.
"""

from __future__ import annotations

from pathlib import Path

from ingest.names import safe_filename
from shenbao.errors import StoreError
from shenbao.store.faults import disk_error, is_machine_failure
from shenbao.store.fsutil import atomic_write


class DataDir:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file; refuses anything that would leave data_dir."""
        target = (self.data_dir / relative).resolve()
        if not target.is_relative_to(self.data_dir):
            raise StoreError(f"refused path outside data_dir: {relative!r}")
        return target

    def write_file(self, relative: str, data: bytes, durable: bool = True) -> None:
        """Atomically write ``data`` to ``data_dir/relative`` (temp file, fsync unless not
        ``durable``, rename)."""
        target = self.path(relative)
        if target.exists() and target.stat().st_size == len(data):
            return
        try:
            atomic_write(target, data, durable)
        except OSError as exc:
            if is_machine_failure(exc):  # a full disk is not the mail's fault: stop the cycle, lose nothing
                raise disk_error(f"data_dir {self.data_dir}", exc, relative) from exc
            raise

    def attachment_path(self, sha256: str, filename: str) -> str:
        """Where an attachment with these bytes and this name lives under data_dir (relative);
        nothing is written here (see the module's note)."""
        relative = f"files/{sha256[:2]}/{sha256}/{safe_filename(filename)}"
        self.path(relative)  # refused now, at intake, if it could ever leave data_dir
        return relative
