"""Work on the stored register without fetching mail: re-checking under new rules.

``reevaluate_all`` re-runs the rules on every nomination (files already read are not read
again) and reports what changed. With ``notify`` it also queues an updated checklist for every
nomination whose sender was last told something else — whoever re-checked it (this run, an
earlier run without ``--notify``, a decision that moved quota places). Nominations the office
has decided are not re-notified, nor senders whose last reply bounced or failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from notify.office import label, verdict_words
from shenbao.config import Config
from shenbao.errors import StoredValueError
from shenbao.store.models import Submission
from shenbao.register.nominations import active, latest_decision, replies_about
from shenbao.register.verdict import reevaluate
from shenbao.replies.compose import last_told, queue_notice
from shenbao.store.db import Store
from shenbao.store.verdicts import summary, verdict_of

log = logging.getLogger(__name__)
UNDELIVERABLE = ("bounced", "failed")
UNREADABLE = "（原记录无法读取）"


def _stored(sub: Submission) -> tuple[str, str]:
    """A nomination's automatic verdict as a sender is told it and, for the office, in words
    ("待补充（事迹材料字数不足）"); a stored verdict that does not decode is logged and shown as such."""
    try:
        verdict = verdict_of(sub)
    except StoredValueError as exc:
        log.warning("%s: doing so now", exc)
        return UNREADABLE, UNREADABLE
    return summary(verdict), verdict_words(verdict.status, sorted(verdict.codes))


@dataclass
class RecheckReport:
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (ref, before, after) in words
    notified: list[tuple[str, str]] = field(default_factory=list)  # (ref, to address)
    suppressed: list[tuple[str, str]] = field(default_factory=list)  # (ref, why no notice went out)


def reevaluate_all(store: Store, config: Config, now: datetime, notify: bool = False) -> RecheckReport:
    """Re-run the rules on every nomination; with ``notify``, queue the updated checklists."""
    report = RecheckReport()
    with store.session() as s:
        subs = active(s)
        for sub in subs:
            before, words_before = _stored(sub)
            reevaluate(s, config, sub, now)
            after, words_after = _stored(sub)
            if after != before:
                report.changes.append((f"{sub.ref} {sub.candidate or '（候选人未识别）'}", words_before, words_after))
        s.flush()
        for sub in subs if notify else []:
            replies = replies_about(s, sub)
            if last_told(replies, sub.ref) == summary(verdict_of(sub)):
                continue
            if latest_decision(s, sub.id) is not None:
                report.suppressed.append((sub.ref, "办公室已作决定"))
            elif replies and replies[-1].state in UNDELIVERABLE:
                report.suppressed.append((sub.ref, f"上一封回复{label('reply_state', replies[-1].state)}"))
            elif (reply := queue_notice(s, config, sub, now)) is None:
                report.suppressed.append((sub.ref, "已关闭自动回复"))
            elif reply.state == "suppressed":
                report.suppressed.append((sub.ref, "已达到对该发件人的回复次数上限"))
            else:
                report.notified.append((sub.ref, reply.to_addr))
        s.commit()
    return report


def recheck_command(store: Store, config: Config, now: datetime, notify: bool) -> str:
    """``shenbao reevaluate [--notify]``: re-check, then send the notices now (the outbox's claim
    keeps a running service from sending them twice; what cannot go now is retried by it)."""
    report = reevaluate_all(store, config, now, notify)
    lines = [f"{ref}：{before} → {after}" for ref, before, after in report.changes]
    lines.append(f"共 {len(report.changes)} 名推荐人选的核对结果有变化" if report.changes else "核对结果均无变化")
    if notify:
        from shenbao.replies.outbox import send_due
        from shenbao.service.wiring import open_sender

        lines += [f"{ref}：已将最新核对结果发给 {to}" for ref, to in report.notified]
        lines += [f"{ref}：未发通知（{why}）" for ref, why in report.suppressed]
        sent, failed = send_due(store, config, open_sender(config), now) if report.notified else (0, 0)
        lines.append(f"待发通知 {len(report.notified)} 封：已发送 {sent} 封，发送失败 {failed} 封")
    return "\n".join(lines) + "\n"
