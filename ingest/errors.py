"""The errors ingest raises on purpose; each message names the mailbox, folder or UID and the fix.

IngestError
└── MailboxError       the mailbox cannot be reached or read
    └── AuthError      the server refused the login

shenbao.errors maps them to exit codes with the rest of the service's errors.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error ingest raises on purpose; its message is one clear line."""


class MailboxError(IngestError):
    pass


class AuthError(MailboxError):
    pass
