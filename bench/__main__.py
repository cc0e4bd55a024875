"""``python -m bench``: the benchmark of issues 8 and 13, one table on stdout (see README, "Performance").

Starts its own loopback Dovecot and aiosmtpd (tests/servers_imap.py, tests/servers_smtp.py), fills
mailboxes with N generated nominations (photos without EXIF, and camera JPEGs with it; cached
under --cache), then measures, median of --runs: the CPU comparison on tmpfs (mbsync with
``FSync no`` into a Maildir on tmpfs, ``shenbao run --once`` with data_dir and register on the same
tmpfs), issue 8's disk comparison (mbsync with fsync, the imapclient loop, ``run --once`` on disk,
one run), reply latency under ``shenbao run`` with IDLE, an idle ``run --once`` and the daemon's idle
cycle, ``export --format xlsx`` and ``digest --print`` over that register and over a synthetic one of
--register nominations. ``--quick`` is a small run of everything (about a minute).
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
from pathlib import Path

from bench import corpus, references, synthetic, variants
from bench.measure import Result, Sample, load_average, repeat
from bench.report import render
from bench.service import Service
from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_postgres import PostgresServer
from tests.servers_smtp import SmtpServer

NEEDS = {"mbsync": "isync", "dovecot": "dovecot-imapd"}
QUICK = {"mails": 20, "runs": 1, "register": 1000, "latency_mails": 8, "latency_interval": 1.0, "rss_mails": "30"}
RUN_TMPFS = "shenbao run --once, fresh store on the same tmpfs, photos without EXIF"
RUN_EXIF = "shenbao run --once as above, camera JPEGs with EXIF"
RUN_ONE = "shenbao run --once as above, [performance] workers = 1"
RUN_POSTGRES = ("shenbao run --once as above, register on PostgreSQL (loopback, temporary cluster, fsync off; "
                "peak RSS without the server)")
RUN_NO_OCR = "shenbao run --once as above, [ocr] enabled = false"
NO_OCR = "\n[ocr]\nenabled = false\n"
HAS_OCR = "[ocr]" in (Path(__file__).resolve().parents[1] / "config.example.toml").read_text(encoding="utf-8")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=300, help="nominations in the mailbox (default 300)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the tmpfs comparison; the median is shown")
    parser.add_argument("--register", type=int, default=10_000, help="nominations of the synthetic register")
    parser.add_argument("--latency-mails", type=int, default=50, help="mails of the reply-latency run (default 50)")
    parser.add_argument("--latency-interval", type=float, default=2.0, help="seconds between them (default 2)")
    parser.add_argument("--rss-mails", default="1000",
                        help="mailbox sizes (comma-separated) of one more run --once each, on disk, for its peak RSS "
                             "(default 1000: about 9 GB generated and cached, and stored once; 0 = none; the main "
                             "row gives --mails)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a small run of everything: {', '.join(f'{k}={v}' for k, v in QUICK.items())}")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "shenbao-bench-cache",
                        help="where generated mails are kept between runs")
    parser.add_argument("--work", type=Path, help="scratch directory on disk (default: a new one beside the cache)")
    parser.add_argument("--tmpfs", type=Path, default=Path("/dev/shm"), help="a tmpfs for the CPU comparison")
    parser.add_argument("--skip-disk", action="store_true", help="skip the comparison on disk")
    parser.add_argument("--skip-imaplib-debug", action="store_true",
                        help="skip the imapclient loop with imaplib debug 5 (imapclient's default; slow)")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value if isinstance(value, (str, float)) else min(getattr(args, key), value))
        args.skip_imaplib_debug = True
    return args


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


def _register_steps(args: argparse.Namespace, service: Service, store: Path, label: str, count: int) -> list[Result]:
    results = [repeat(f"export --format xlsx, {label}", args.runs, lambda _i: service.export_xlsx(store),
                      mails=count)]
    if service.has_command(store, "digest"):
        results.append(repeat(f"digest --print, {label}", args.runs, lambda _i: service.digest_print(store),
                              mails=count))
    else:
        results.append(Result(f"digest --print, {label}", (), note="no `digest` command yet"))
    return results


def _fs_type(path: Path) -> str:
    """The file system type of the mount holding ``path`` (from /proc/mounts; "" when unknown)."""
    best, kind = "", ""
    mounts = Path("/proc/mounts")
    for line in mounts.read_text().splitlines() if mounts.exists() else ():
        fields = line.split()
        if len(fields) > 2 and str(path.resolve()).startswith(fields[1]) and len(fields[1]) > len(best):
            best, kind = fields[1], fields[2]
    return kind


def _measure(args: argparse.Namespace, dovecot: DovecotServer, smtp: SmtpServer, work: Path, tmpfs: Path) -> list[Result]:
    plain, exif = dovecot.add_user(), dovecot.add_user()
    print(f"bench: loading {args.mails} mails (and {args.mails} with EXIF) into Dovecot on 127.0.0.1:{plain.port}",
          flush=True)
    megabytes = _fill(dovecot, plain, corpus.mailbox(args.cache, args.mails))
    exif_megabytes = _fill(dovecot, exif, corpus.mailbox(args.cache, args.mails, exif=True))
    service, store = Service(tmpfs, plain, smtp), tmpfs / "store"
    exif_service = Service(tmpfs / "exif", exif, smtp)
    (tmpfs / "exif").mkdir()
    print(f"bench: the CPU comparison on tmpfs ({tmpfs}), {args.runs} round(s)", flush=True)
    results = variants.rounds(variants.cpu_steps(plain, tmpfs, {RUN_TMPFS: (service, store)}), args.runs,
                              megabytes, args.mails)
    results += _once(RUN_ONE, plain, smtp, tmpfs / "one", "\n[performance]\nworkers = 1\n", megabytes, args.mails)
    results += _on_postgres(plain, smtp, tmpfs / "postgres", megabytes, args.mails)
    if HAS_OCR:  # issue 12's OCR runs by default: the run above includes it, this one does not
        results += _once(RUN_NO_OCR, plain, smtp, tmpfs / "no-ocr", NO_OCR, megabytes, args.mails)
    results += variants.rounds(variants.cpu_steps(exif, tmpfs / "exif", {RUN_EXIF: (exif_service, tmpfs / "exif" / "store")})[1:],
                               1, exif_megabytes, args.mails)
    shutil.rmtree(tmpfs / "exif", ignore_errors=True)
    if not args.skip_disk:
        print(f"bench: issue 8's comparison on disk ({work}), one round", flush=True)
        disk_service = Service(work, plain, smtp)
        results += variants.rounds(variants.disk_steps(plain, work, disk_service, work / "store"), 1, megabytes,
                                   args.mails)
        shutil.rmtree(work / "store", ignore_errors=True)
    if not args.skip_imaplib_debug:
        results.append(repeat("imapclient loop as above, imaplib debug 5 (imapclient's default)", 1,
                              lambda i: references.imap_loop_once(plain, work, i, keep_debug=True),
                              megabytes=megabytes, mails=args.mails, reference=variants.MBSYNC_DISK))
    for label, extra in (("", ""), *((", [ocr] enabled = false", NO_OCR),) * HAS_OCR):
        waiting = dovecot.add_user()
        results.append(variants.reply_latency(f"reply latency under shenbao run (IDLE), APPEND to reply taken, tmpfs{label}",
                                              Service(tmpfs, waiting, smtp, extra), waiting, tmpfs / "store-latency",
                                              corpus.mailbox(args.cache, args.latency_mails), args.latency_interval))
        shutil.rmtree(tmpfs / "store-latency", ignore_errors=True)
    results += _rss_runs(args, dovecot, smtp, work)
    results.append(repeat("idle run --once, whole process", args.runs, lambda _i: service.idle_run(store)))
    cycle = service.idle_in_process(store, 20)
    median, worst = (float(x) for x in cycle.output.split())
    results.append(Result("idle cycle inside the daemon (median of 20)", (Sample(median, cycle.rss_mb),),
                          note=f"slowest {worst * 1000:.0f} ms"))
    results += _register_steps(args, service, store, f"{args.mails} nominations", args.mails)
    big = tmpfs / "store-synthetic"
    (big / "data").mkdir(parents=True, exist_ok=True)
    count = synthetic.grow(store / "shenbao.db", big / "shenbao.db", args.register)
    results += _register_steps(args, service, big, f"{count} nominations (synthetic)", count)
    return results


def _once(name: str, account: ImapAccount, smtp: SmtpServer, root: Path, extra: str, megabytes: float,
          mails: int, database_url: str = "", reference: str = variants.MBSYNC_TMPFS) -> list[Result]:
    """One ``run --once`` on a fresh store under ``root`` with ``extra`` config, against ``reference``
    (the tmpfs mbsync row; "" none)."""
    root.mkdir()
    service = Service(root, account, smtp, extra=extra, database_url=database_url)
    step = variants.Step(name, lambda i: service.fresh_run(i, root / "store"), reference)
    try:
        return variants.rounds([step], 1, megabytes, mails)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _rss_runs(args: argparse.Namespace, dovecot: DovecotServer, smtp: SmtpServer, work: Path) -> list[Result]:
    """Peak RSS over bigger mailboxes (``--rss-mails``): one ``run --once`` each, store on disk (a
    tmpfs would hold every stored mail in memory), default config (workers, OCR as configured)."""
    results = []
    for count in sorted({int(n) for n in args.rss_mails.split(",") if n.strip() and int(n) > 0} - {args.mails}):
        account = dovecot.add_user()
        print(f"bench: peak RSS over {count} mails (run --once, store on disk)", flush=True)
        megabytes = _fill(dovecot, account, corpus.mailbox(args.cache, count))
        try:
            results += _once(f"shenbao run --once over {count} mails, fresh store on disk, photos without EXIF "
                             f"(for its peak RSS)", account, smtp, work / f"rss-{count}", "", megabytes, count,
                             reference="")
        finally:
            _empty(dovecot, account)
    return results


def _empty(dovecot: DovecotServer, account: ImapAccount) -> None:
    """Remove an account's Maildir (hard links to the cache: the cache stays)."""
    shutil.rmtree(dovecot.dir / "mail" / account.user / "Maildir", ignore_errors=True)


def _on_postgres(account: ImapAccount, smtp: SmtpServer, root: Path, megabytes: float, mails: int) -> list[Result]:
    """``run --once`` as the tmpfs row, its register in an empty database of a temporary PostgreSQL
    cluster (tests/servers_postgres.py) started for this row alone."""
    try:
        server = PostgresServer().start()
    except RuntimeError as exc:  # not installed: the table says so
        return [Result(RUN_POSTGRES, (), note=str(exc))]
    try:
        return _once(RUN_POSTGRES, account, smtp, root, "", megabytes, mails, database_url=server.new_database())
    finally:
        server.stop()


def main() -> None:
    args = _arguments()
    _check_tools()
    started = time.monotonic()
    work = args.work or Path(tempfile.mkdtemp(prefix="shenbao-bench-", dir=args.cache.parent))
    work.mkdir(parents=True, exist_ok=True)
    if _fs_type(args.tmpfs) != "tmpfs":
        sys.exit(f"bench: {args.tmpfs} is not a tmpfs (give one with --tmpfs)")
    tmpfs = Path(tempfile.mkdtemp(prefix="shenbao-bench-", dir=args.tmpfs))
    dovecot, smtp = DovecotServer().start(), SmtpServer().up()
    try:
        results = _measure(args, dovecot, smtp, work, tmpfs)
    finally:
        smtp.down()
        dovecot.stop()
        shutil.rmtree(tmpfs, ignore_errors=True)
    header = (f"{datetime.now().astimezone().date().isoformat()} · {platform.node()} · {platform.processor() or platform.machine()} · "
              f"{_cpus()} · load {load_average()} · {args.mails} mails, {results[0].megabytes:.0f} MB · "
              f"tmpfs {args.tmpfs}, disk {_fs_type(work)} · median of {args.runs} · "
              f"bench took {time.monotonic() - started:.0f} s")
    text = render(header, results)
    (work / "results.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"bench: results in {work / 'results.md'}")


def _cpus() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    return f"{os.cpu_count()} cores {model}".strip()


if __name__ == "__main__":
    main()
