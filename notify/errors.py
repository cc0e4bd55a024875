"""The errors notify raises on purpose; each message names the server or address and the fix.

NotifyError
└── SendError                a reply could not be handed to the mail server (retried later)
    └── PermanentSendError   the server refused it for good (5xx): never retried

shenbao.errors maps them to exit codes with the rest of the service's errors.
"""

from __future__ import annotations


class NotifyError(Exception):
    """Base of every error notify raises on purpose; its message is one clear line."""


class SendError(NotifyError):
    pass


class PermanentSendError(SendError):
    pass
