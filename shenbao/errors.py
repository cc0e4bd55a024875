"""The one exception tree of shenbao. Every message names the file, key or UID and the fix.

ShenbaoError
├── ConfigError        the config file is missing, unreadable or invalid (exit code 2)
├── StoreError         the database or data_dir cannot be used
├── UsageError         a command was asked for something it cannot do as given (exit code 2)
├── MailboxError       the mailbox cannot be reached or read
│   └── AuthError      the server refused the login
└── SendError          a reply could not be handed to the mail server
    └── PermanentSendError   the server refused it for good (5xx): never retried
"""

from __future__ import annotations


class ShenbaoError(Exception):
    """Base of every error shenbao raises on purpose; its message is one clear line."""

    exit_code = 1


class ConfigError(ShenbaoError):
    exit_code = 2

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class StoreError(ShenbaoError):
    pass


class UsageError(ShenbaoError):
    exit_code = 2


class MailboxError(ShenbaoError):
    pass


class AuthError(MailboxError):
    pass


class SendError(ShenbaoError):
    pass


class PermanentSendError(SendError):
    pass
