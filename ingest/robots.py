"""Which automatic mail a message is by its own shape: a bounce written in words, a complaint report.

Bounces that are not RFC 3464 reports (InterScan "Mail could not be delivered", qmail, Exim,
Exchange, Yahoo, GroupWise, AOL, Sina ...) are recognised by the detectors of **flufl.bounce**
(GNU Mailman's bounce library), not by a list of our own: each detector that finds a failed
recipient names the shape. One of them (LLNL: any body line with ``, x@y,``) would take a person's
list of addresses for a bounce and is left out. A detector that breaks on a hostile mail is
skipped; the library's own scan stops at the first one that raises.

Complaint reports (ARF, RFC 5965) are ``multipart/report; report-type=feedback-report`` or carry a
``message/feedback-report`` part; ``ingest.parse`` notes those while it walks the tree.
Pure: a parsed message in, a name out.
"""

from __future__ import annotations

import logging
from email.message import Message

from flufl.bounce import all_failures

try:  # the ordered detector list behind all_failures, so that one failing detector skips only itself
    from flufl.bounce._scan import _DETECTORS
except ImportError:  # a future layout: the public scan (which stops at a failing detector) is used
    _DETECTORS = []

# The library logs every detector failure with its traceback; hostile mail is expected here.
logging.getLogger("flufl.bounce").addHandler(logging.NullHandler())
logging.getLogger("flufl.bounce").propagate = False

_LOOSE = frozenset({"LLNL"})  # matches any ", someone@host," line: a person's list of addresses


def bounce_shape(message: Message) -> str:
    """The flufl.bounce detector that reads ``message`` as a delivery failure ("SimpleMatch",
    "Qmail" ...), "" when none does."""
    detectors = [d for d in _DETECTORS if d.__name__ not in _LOOSE]
    if not detectors:
        try:
            temporary, permanent = all_failures(message)
        except Exception:  # noqa: BLE001 - a detector broken by hostile input: no evidence either way
            return ""
        return "flufl.bounce" if temporary or permanent else ""
    for detector in detectors:
        try:
            temporary, permanent = detector().process(message)
        except Exception:  # noqa: BLE001 - one detector's failure on hostile input skips only that one
            continue
        if temporary or permanent:
            return str(detector.__name__)
    return ""
