"""Work on the stored register without fetching mail: re-checking under new rules.

``reevaluate_all`` re-runs the rules on every nomination (files already read are not read
again) and reports what changed. With ``notify`` it also queues an updated checklist for every
nomination whose sender was last told something else — whoever re-checked it (this run, an
earlier run without ``--notify``, a decision that moved quota places). Nominations the office
has decided are not re-notified, nor senders whose last reply bounced or failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shenbao.config import Config
from shenbao.register.nominations import active, latest_decision, replies_about
from shenbao.register.verdict import reevaluate, verdict_summary
from shenbao.replies.compose import last_told, queue_notice
from shenbao.store.db import Store

UNDELIVERABLE = ("bounced", "failed")


@dataclass
class RecheckReport:
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (ref, before, after)
    notified: list[tuple[str, str]] = field(default_factory=list)  # (ref, to address)
    suppressed: list[tuple[str, str]] = field(default_factory=list)  # (ref, why no notice went out)


def reevaluate_all(store: Store, config: Config, now: datetime, notify: bool = False) -> RecheckReport:
    """Re-run the rules on every nomination; with ``notify``, queue the updated checklists."""
    report = RecheckReport()
    with store.session() as s:
        subs = active(s)
        for sub in subs:
            before = verdict_summary(sub.status, sub.problems)
            reevaluate(s, config, sub, now)
            after = verdict_summary(sub.status, sub.problems)
            if after != before:
                report.changes.append((sub.ref, before, after))
        s.flush()
        for sub in subs if notify else []:
            replies = replies_about(s, sub)
            if last_told(replies, sub.ref) == verdict_summary(sub.status, sub.problems):
                continue
            if latest_decision(s, sub.id) is not None:
                report.suppressed.append((sub.ref, "an office decision is in force"))
            elif replies and replies[-1].state in UNDELIVERABLE:
                report.suppressed.append((sub.ref, f"the last reply {replies[-1].state}"))
            elif (reply := queue_notice(s, config, sub, now)) is None:
                report.suppressed.append((sub.ref, "replies are disabled"))
            elif reply.state == "suppressed":
                report.suppressed.append((sub.ref, "per-sender reply cap reached"))
            else:
                report.notified.append((sub.ref, reply.to_addr))
        s.commit()
    return report


def recheck_command(store: Store, config: Config, now: datetime, notify: bool) -> str:
    """``shenbao reevaluate [--notify]``: re-check, then send the notices now (the outbox's claim
    keeps a running service from sending them twice; what cannot go now is retried by it)."""
    report = reevaluate_all(store, config, now, notify)
    lines = [f"{ref}: {before} -> {after}" for ref, before, after in report.changes]
    lines.append(f"{len(report.changes)} nomination(s) changed")
    if notify:
        from shenbao.replies.outbox import send_due
        from shenbao.service.wiring import open_sender

        lines += [f"{ref}: updated checklist to {to}" for ref, to in report.notified]
        lines += [f"{ref}: no notice ({why})" for ref, why in report.suppressed]
        sent, failed = send_due(store, config, open_sender(config), now) if report.notified else (0, 0)
        lines.append(f"{len(report.notified)} updated checklist(s) queued, {sent} sent now, {failed} failed")
    return "\n".join(lines) + "\n"
