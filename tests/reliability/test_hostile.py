"""Hostile input end to end: each generated mail (tests/reliability/hostile.py) goes through a real
``run --once`` process and must come out bounded in time (a hard timeout) and memory (the
process's own peak RSS), with a disposition, a reply that carries nothing injected, and nothing
written outside data_dir (HOME, TMPDIR and the working directory are private and checked).
The archive, image and document refusals are issue 4's; this suite proves them whole-pipeline.
"""

from __future__ import annotations

import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.reliability import figures
from tests.reliability.harness import Finished, Installation, Table, deliver_folder, install
from tests.reliability.hostile import HEAVY, LIGHT, SENDER, SENT, SINGLE_LIGHT, huge_attachment
from tests.reliability.mixed import PlannedMail
from tests.servers_smtp import SmtpServer

SECONDS = 120  # per run; a run over it is killed and the test fails
PEAK_MB = 320  # peak resident memory of one run over one hostile mail, default limits
MAX_REPLY_BYTES = 64_000

# What the register must say about the hostile part (a substring of one file's recorded reason).
REASONS = {
    "zip-bomb": "压缩炸弹", "nested-zip-bomb": "压缩包", "xml-bomb-docx": "无法打开",
    "png-decompression-bomb": "像素过多", "jpeg-decompression-bomb": "像素过多", "10000-attachments": "文件过多",
    "empty-and-truncated": "0 字节", "hostile-names": "",
}


def _run(tmp_path: Path, smtp: SmtpServer, raws: list[bytes], **tables: Table) -> tuple[Installation, Finished]:
    folder = tmp_path / "mailbox"
    deliver_folder(folder, [PlannedMail(n, "hostile", SENDER, raw, SENT, "") for n, raw in enumerate(raws)])
    installation = install(tmp_path / "svc", folder, smtp, **tables)
    finished = installation.run("run", "--once", timeout=SECONDS)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return installation, finished


def assert_contained(installation: Installation, mail_bytes: int) -> None:
    """Every mail has a disposition, nothing was written outside data_dir, no bomb was unpacked to disk."""
    rows = installation.db("select disposition from emails")
    assert rows and all(d and d != "pending" for (d,) in rows)
    assert not [d for (d,) in rows if d.startswith("error:") and d != "error:oversize"], rows
    assert installation.strays() == []
    assert [p for sub in ("home", "tmp", "cwd") for p in (installation.root / sub).rglob("*")] == []
    stored = installation.stored_files()
    assert all(p.startswith(("raw/", "files/")) and (not p.startswith("files/") or p.count("/") == 3) for p in stored)
    on_disk = sum((installation.data_dir / p).stat().st_size for p in stored)
    assert on_disk <= 2 * mail_bytes + 5_000_000, f"{on_disk} bytes stored for {mail_bytes} bytes of mail"
    assert not Path("/etc/shenbao-evil.conf").exists()
    assert not [n for n in os.listdir("/tmp") if n.startswith("shenbao-evil")]


def assert_clean_replies(smtp: SmtpServer) -> None:
    """Each reply goes to the sender alone, one line of subject, no injected header, bounded size."""
    for captured in smtp.messages:
        assert captured.rcpt_tos == (SENDER,)
        assert len(captured.data) < MAX_REPLY_BYTES
        reply = message_from_bytes(captured.data, policy=policy.default)
        names = {name.lower() for name in reply.keys()}
        assert not names & {"bcc", "cc", "x-injected"}, names
        assert len(reply.get_all("To") or []) == 1 and len(reply["To"].addresses) == 1
        assert "\n" not in str(reply["Subject"]) and len(str(reply["Subject"])) < 200


def _reasons(installation: Installation) -> list[str]:
    return [reason for (reason,) in installation.db("select unreadable from files") if reason]


@pytest.mark.parametrize("name", list(HEAVY) + list(SINGLE_LIGHT))
def test_a_hostile_mail_is_bounded_recorded_and_contained(name: str, tmp_path: Path, smtp_server: SmtpServer) -> None:
    raw = {**HEAVY, **SINGLE_LIGHT}[name]()
    installation, finished = _run(tmp_path, smtp_server, [raw])
    assert finished.peak_rss_mb < PEAK_MB, f"{name}: peak {finished.peak_rss_mb:.0f} MB"
    assert_contained(installation, len(raw))
    assert_clean_replies(smtp_server)
    assert len(smtp_server.messages) == 1  # a person sent it: answered once
    assert any(REASONS[name] in reason for reason in _reasons(installation)) or not REASONS[name], _reasons(installation)
    _record(name, 1, finished)


@pytest.mark.parametrize("family", list(LIGHT))
def test_malformed_mime_charsets_and_headers_are_bounded_recorded_and_answered_cleanly(
        family: str, tmp_path: Path, smtp_server: SmtpServer) -> None:
    mails = [raw for _, raw in LIGHT[family]()]
    installation, finished = _run(tmp_path, smtp_server, mails)
    assert finished.peak_rss_mb < PEAK_MB
    assert_contained(installation, sum(map(len, mails)))
    assert_clean_replies(smtp_server)
    assert len(smtp_server.messages) == len(mails)
    _record(family, len(mails), finished)


@pytest.mark.parametrize(("limit", "disposition", "peak_mb"), [(None, "error:oversize", PEAK_MB),
                                                                (200_000_000, "unmatched", 1024)],
                         ids=["default-limit-not-downloaded", "limit-raised-attachment-refused"])
def test_a_100_mb_attachment_is_bounded(limit: int | None, disposition: str, peak_mb: int, tmp_path: Path,
                                        smtp_server: SmtpServer) -> None:
    """Default max_message_bytes (60 MB): the 137 MB mail is recorded from its header block and
    answered; raised to 200 MB, it is read and the attachment refused by max_attachment_bytes."""
    raw = huge_attachment()
    installation, finished = _run(tmp_path, smtp_server, [raw], **({"mailbox": {"max_message_bytes": limit}} if limit else {}))
    assert finished.peak_rss_mb < peak_mb, f"peak {finished.peak_rss_mb:.0f} MB"
    assert installation.db("select disposition from emails") == [(disposition,)]
    assert_contained(installation, len(raw))
    assert_clean_replies(smtp_server)
    if limit:
        assert any("文件过大" in reason for reason in _reasons(installation))
    _record("100mb-limit-raised" if limit else "100mb", 1, finished)


def _record(name: str, mails: int, finished: Finished) -> None:
    figures.add("hostile", inputs=mails, mails_lost=0, crashes=0, written_outside_data_dir=0)
    peak = "peak_rss_mb_message_limit_raised_to_200mb" if name == "100mb-limit-raised" else "peak_rss_mb"
    figures.most("hostile", **{peak: round(finished.peak_rss_mb)}, longest_run_seconds=round(finished.seconds, 1))


def _corpus() -> list[Path]:
    beside = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld"
    root = beside if beside.is_dir() else Path("/work/shared/corpus/realworld")
    return sorted(root.rglob("*.eml")) if root.is_dir() else []


CORPUS = _corpus()


@pytest.mark.parametrize("corpus", [CORPUS] if CORPUS else [], ids=["realworld"])
def test_the_realworld_corpus_in_one_run_is_bounded_and_contained(
        corpus: list[Path], tmp_path: Path, smtp_server: SmtpServer, request: pytest.FixtureRequest) -> None:
    """The largest 40 mails of shared/corpus/realworld (all 400 with --runslow) through one process."""
    chosen = corpus if request.config.getoption("--runslow") else sorted(corpus, key=lambda p: -p.stat().st_size)[:40]
    raws = [path.read_bytes() for path in chosen]
    installation, finished = _run(tmp_path, smtp_server, raws)
    assert finished.peak_rss_mb < PEAK_MB
    assert_contained(installation, sum(map(len, raws)))
    assert_clean_replies_to_their_senders(smtp_server)
    _record("realworld", len(raws), finished)


def assert_clean_replies_to_their_senders(smtp: SmtpServer) -> None:
    for captured in smtp.messages:
        reply = message_from_bytes(captured.data, policy=policy.default)
        assert len(captured.rcpt_tos) == 1 and not {n.lower() for n in reply.keys()} & {"bcc", "cc"}
        assert len(captured.data) < MAX_REPLY_BYTES
