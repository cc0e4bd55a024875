"""Structured logs: ``key=value`` lines on stderr (journald keeps them), JSON lines in a rotating file.

Every record carries ``ts`` (ISO with offset), ``level``, ``logger`` and ``msg``; values passed
as ``extra={"fields": {...}}`` are added as their own keys, so a log line can be filtered by
``uid=``, ``ref=`` or ``stage=`` without parsing prose.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

LOG_FILE = "shenbao.log"
MAX_BYTES = 5_000_000
BACKUPS = 5
_OWN = "shenbao-handler"  # marks the handlers installed here, so a second setup replaces them


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, timezone.utc).astimezone().isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    extra = getattr(record, "fields", None)
    if isinstance(extra, dict):
        out.update({str(k): v for k, v in extra.items()})
    if record.exc_info:
        out["exc"] = logging.Formatter().formatException(record.exc_info)
    return out


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if text and not any(c.isspace() or c in '"=' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """``ts=… level=info logger=shenbao.service.daemon msg="cycle" fetched=3``"""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        exc = fields.pop("exc", None)
        line = " ".join(f"{key}={_logfmt_value(value)}" for key, value in fields.items())
        return f"{line}\n{exc}" if exc else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


def _install(handler: logging.Handler | None, kind: str) -> None:
    """Put ``handler`` in place of the one of this ``kind`` installed before (None: just remove it)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OWN, None) == kind]:
        root.removeHandler(old)
        old.close()
    if handler is not None:
        setattr(handler, _OWN, kind)
        root.addHandler(handler)
    levels = [h.level for h in root.handlers if getattr(h, _OWN, None)]
    root.setLevel(min(levels) if levels else logging.WARNING)


def setup_logging(level: int) -> None:
    """Structured lines on stderr at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    handler.setLevel(level)
    _install(handler, "stderr")
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))


@contextmanager
def file_log(data_dir: Path, level: int = logging.INFO) -> Iterator[Path]:
    """While inside: also JSON lines in ``data_dir/logs/shenbao.log`` (5 MB x 5 files), INFO or finer."""
    directory = data_dir / "logs"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOG_FILE
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    _install(handler, "file")
    try:
        yield path
    finally:
        _install(None, "file")
