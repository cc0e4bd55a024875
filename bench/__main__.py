"""``python -m bench``: the benchmark of issue 8, one table on stdout (see README, "Performance").

Starts its own loopback Dovecot and aiosmtpd (tests/servers_imap.py, tests/servers_smtp.py), fills a mailbox with N
generated nominations (cached under --cache), then measures side by side, median of --runs:
mbsync and a minimal imapclient loop (the plain copy), ``shenbao run --once`` on a fresh store,
an idle ``run --once`` and the daemon's idle cycle, ``export --format xlsx`` and ``digest
--print`` over that register and over a synthetic one of --register nominations.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime
from functools import partial
from pathlib import Path

from bench import corpus, references, synthetic
from bench.measure import TIME, Result, Sample, load_average, repeat
from bench.report import render
from bench.service import Service
from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_smtp import SmtpServer

NEEDS = {"mbsync": "isync", "dovecot": "dovecot-imapd", TIME: "time"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=300, help="nominations in the mailbox (default 300)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; the median is shown")
    parser.add_argument("--register", type=int, default=10_000, help="nominations of the synthetic register")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "shenbao-bench-cache",
                        help="where generated mails are kept between runs")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a new one under the cache's parent)")
    parser.add_argument("--skip-imaplib-debug", action="store_true",
                        help="skip the imapclient loop with imaplib debug 5 (imapclient's default; slow)")
    return parser.parse_args()


def _check_tools() -> None:
    missing = [package for tool, package in NEEDS.items() if shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench: missing {', '.join(missing)}: run scripts/install-bench-deps.sh (as root)")


def _fill(dovecot: DovecotServer, account: ImapAccount, paths: list[Path]) -> float:
    """Deliver every mail into the account's Maildir (hard links to the cache), each with its
    arrival time, then let Dovecot index them; returns the megabytes in the mailbox."""
    with account.client() as client:
        client.select_folder("INBOX", readonly=True)  # makes Dovecot create the Maildir
    new = dovecot.dir / "mail" / account.user / "Maildir" / "new"
    owner = new.stat()
    total = 0
    for n, path in enumerate(paths):
        target = new / f"{corpus.sent_at(n).timestamp():.0f}.M{n}P1.bench"
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        os.chown(target, owner.st_uid, owner.st_gid)
        arrived = corpus.sent_at(n).timestamp() + 21
        os.utime(target, (arrived, arrived))
        total += target.stat().st_size
    with account.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
    if len(uids) != len(paths):
        raise RuntimeError(f"Dovecot sees {len(uids)} mails, {len(paths)} were delivered")
    return total / 1e6


def _rounds(args: argparse.Namespace, account: ImapAccount, service: Service, work: Path, megabytes: float,
            store: Path) -> list[Result]:
    """mbsync, the imapclient loop and a fresh ``run --once`` in turn, each round, so load hits all alike."""
    names = ("mbsync copy to a Maildir", "imapclient loop, BODY.PEEK[] ×10, debug 0, writing .eml",
             "shenbao run --once, fresh store")
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    for index in range(args.runs):
        steps = (partial(references.mbsync_once, account, work, index),
                 partial(references.imap_loop_once, account, work, index),
                 partial(service.fresh_run, index, store))
        for name, step in zip(names, steps, strict=True):
            sample = step()
            print(f"bench:   {name}: run {index + 1}/{args.runs}: {sample.wall:.2f} s, {sample.rss_mb:.0f} MB",
                  flush=True)
            if sample.output.strip():
                print(f"bench:     {sample.output.strip()}", flush=True)
            samples[name].append(sample)
    return [Result(name, tuple(samples[name]), megabytes, args.mails) for name in names]


def _register_steps(args: argparse.Namespace, service: Service, store: Path, label: str, count: int) -> list[Result]:
    results = [repeat(f"export --format xlsx, {label}", args.runs, lambda _i: service.export_xlsx(store),
                      mails=count)]
    if service.has_command(store, "digest"):
        results.append(repeat(f"digest --print, {label}", args.runs, lambda _i: service.digest_print(store),
                              mails=count))
    else:
        results.append(Result(f"digest --print, {label}", (), note="no `digest` command yet"))
    return results


def main() -> None:
    args = _arguments()
    _check_tools()
    started = time.monotonic()
    paths = corpus.mailbox(args.cache, args.mails)
    work = args.work or Path(tempfile.mkdtemp(prefix="shenbao-bench-", dir=args.cache.parent))
    work.mkdir(parents=True, exist_ok=True)
    dovecot, smtp = DovecotServer().start(), SmtpServer().up()
    try:
        account = dovecot.add_user()
        print(f"bench: loading {args.mails} mails into Dovecot on 127.0.0.1:{account.port}", flush=True)
        megabytes = _fill(dovecot, account, paths)
        service, store = Service(work, account, smtp), work / "store"
        results = _rounds(args, account, service, work, megabytes, store)
        if not args.skip_imaplib_debug:
            results.append(repeat("imapclient loop as above, imaplib debug 5 (imapclient's default)", 1,
                                  lambda i: references.imap_loop_once(account, work, i, keep_debug=True),
                                  megabytes=megabytes, mails=args.mails))
        results.append(repeat("idle run --once, whole process", args.runs, lambda _i: service.idle_run(store)))
        cycle = service.idle_in_process(store, 20)
        median, worst = (float(x) for x in cycle.output.split())
        results.append(Result("idle cycle inside the daemon (median of 20)", (Sample(median, cycle.rss_mb),),
                              note=f"slowest {worst * 1000:.0f} ms"))
        results += _register_steps(args, service, store, f"{args.mails} nominations", args.mails)
        big = work / "store-synthetic"
        (big / "data").mkdir(parents=True, exist_ok=True)
        count = synthetic.grow(store / "shenbao.db", big / "shenbao.db", args.register)
        results += _register_steps(args, service, big, f"{count} nominations (synthetic)", count)
    finally:
        smtp.down()
        dovecot.stop()
    header = (f"{datetime.now().astimezone().date().isoformat()} · {platform.node()} · {platform.processor() or platform.machine()} · "
              f"{_cpus()} · load {load_average()} · {args.mails} mails, {megabytes:.0f} MB · "
              f"median of {args.runs} · bench took {time.monotonic() - started:.0f} s")
    text = render(header, results)
    (work / "results.md").write_text(text, encoding="utf-8")
    print(text)
    shutil.rmtree(work / "store-synthetic", ignore_errors=True)
    print(f"bench: stores kept in {work} (delete when done); results in {work / 'results.md'}")


def _cpus() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    return f"{os.cpu_count()} cores {model}".strip()


if __name__ == "__main__":
    main()
