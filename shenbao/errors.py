"""The one exception tree of shenbao, and the exit code of each expected error in one place.

Every message names the file, key or UID and the fix.

ShenbaoError
├── ConfigError        the config file is missing, unreadable or invalid (exit code 2)
├── StoreError         the database or data_dir cannot be used
│   └── StoredValueError   a value in the register is not what it must be (damaged by hand or by a bug)
└── UsageError         a command was asked for something it cannot do as given (exit code 2)
ingest.errors.IngestError
└── MailboxError       the mailbox cannot be reached or read
    └── AuthError      the server refused the login
notify.errors.NotifyError
└── SendError          a reply could not be handed to the mail server
    └── PermanentSendError   the server refused it for good (5xx): never retried

The lower packages own their errors (they never import shenbao); they are re-exported here so the
service names every expected error from one module. ``EXPECTED`` is what a command or the daemon
reports as one clear line; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.errors import AuthError, IngestError, MailboxError
from notify.errors import NotifyError, PermanentSendError, SendError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["EXPECTED", "AuthError", "ConfigError", "IngestError", "MailboxError", "NotifyError", "PermanentSendError",
           "SendError", "ShenbaoError", "StoreError", "StoredValueError", "UsageError", "exit_code"]


class ShenbaoError(Exception):
    """Base of every error the service itself raises on purpose; its message is one clear line."""


class ConfigError(ShenbaoError):
    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class StoreError(ShenbaoError):
    pass


class StoredValueError(StoreError):
    """Its message names the table, column and row, what is wrong and the fix."""

    @classmethod
    def of(cls, what: str, fault: ValidationError | str, fix: str) -> StoredValueError:
        """``what`` (e.g. "files.brief of file 7") failed its model's validation (or ``fault`` says why)."""
        if not isinstance(fault, str):
            fault = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in fault.errors())
        return cls(f"{what} is not valid ({fault}); {fix}")


class UsageError(ShenbaoError):
    pass


EXPECTED: tuple[type[Exception], ...] = (ShenbaoError, IngestError, NotifyError)

# the most specific class listed first wins; every other expected error is a runtime failure (1)
_EXIT_CODES: tuple[tuple[type[Exception], int], ...] = ((ConfigError, 2), (UsageError, 2))


def exit_code(exc: Exception) -> int:
    """The command's exit code for an expected error: 2 for usage or config, else 1."""
    return next((code for kind, code in _EXIT_CODES if isinstance(exc, kind)), 1)
