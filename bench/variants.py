"""The measured variants: the copy references and ``run --once`` on tmpfs and on disk, reply latency.

A round runs its steps in turn (reference first), so load on a shared machine hits them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import latency, references
from bench.measure import Result, Sample
from bench.service import Service
from tests.servers_imap import ImapAccount

MBSYNC_TMPFS = "mbsync, FSync no, PipelineDepth 50, to a Maildir on tmpfs"
MBSYNC_DISK = "mbsync as shipped (fsync) to a Maildir on disk"


@dataclass(frozen=True)
class Step:
    name: str
    once: Callable[[int], Sample]
    reference: str = ""  # the row its ratio is taken against
    note: str = ""


def rounds(steps: list[Step], runs: int, megabytes: float, mails: int) -> list[Result]:
    """Each step once per round, ``runs`` rounds; a Result per step (median of its samples)."""
    samples: dict[str, list[Sample]] = {step.name: [] for step in steps}
    for index in range(runs):
        for step in steps:
            sample = step.once(index)
            print(f"bench:   {step.name}: run {index + 1}/{runs}: {sample.wall:.2f} s, {sample.rss_mb:.0f} MB",
                  flush=True)
            if sample.output.strip():
                print(f"bench:     {sample.output.strip()[-500:]}", flush=True)
            samples[step.name].append(sample)
    return [Result(step.name, tuple(samples[step.name]), megabytes, mails, step.note, step.reference)
            for step in steps]


def cpu_steps(account: ImapAccount, tmpfs: Path, runs: dict[str, tuple[Service, Path]]) -> list[Step]:
    """mbsync at its fastest into tmpfs, then each ``run --once`` variant (name -> service, kept store)."""
    steps = [Step(MBSYNC_TMPFS, lambda i: references.mbsync_once(account, tmpfs, i, fastest=True))]
    for name, (service, keep) in runs.items():
        steps.append(Step(name, _fresh(service, keep), MBSYNC_TMPFS))
    return steps


def _fresh(service: Service, keep: Path) -> Callable[[int], Sample]:
    return lambda index: service.fresh_run(index, keep)


def disk_steps(account: ImapAccount, disk: Path, service: Service, keep: Path) -> list[Step]:
    """Issue 8's comparison: mbsync with fsync, the imapclient loop and ``run --once``, all on disk."""
    return [Step(MBSYNC_DISK, lambda i: references.mbsync_once(account, disk, i)),
            Step("imapclient loop, BODY.PEEK[] ×10, debug 0, writing .eml to disk",
                 lambda i: references.imap_loop_once(account, disk, i), MBSYNC_DISK),
            Step("shenbao run --once, fresh store on disk, photos without EXIF",
                 lambda i: service.fresh_run(i, keep), MBSYNC_DISK)]


def reply_latency(name: str, service: Service, account: ImapAccount, store: Path, mails: list[Path],
                  interval: float) -> Result:
    """One daemon run over ``mails`` arriving every ``interval`` seconds: p50 in the wall column."""
    print(f"bench:   {name}: {len(mails)} mails, one every {interval:g} s", flush=True)
    measured = latency.measure(service, account, store, mails, interval)
    p50, p95 = measured.median, measured.percentile(0.95)
    print(f"bench:     p50 {p50:.2f} s, p95 {p95:.2f} s, {len(measured.seconds)}/{measured.sent} answered, "
          f"{measured.rss_mb:.0f} MB", flush=True)
    answered = "" if len(measured.seconds) == measured.sent else f" · only {len(measured.seconds)} answered"
    return Result(name, (Sample(p50, measured.rss_mb),),
                  note=f"{measured.sent} mails, one every {interval:g} s; slowest {max(measured.seconds, default=0):.2f} s"
                       f"{answered}",
                  shown=f"p50 {p50:.2f} s · p95 {p95:.2f} s")
