"""A cycle fetches in a thread while it processes: mail stored before a break or a stop is never lost.

Over a real Dovecot (behind the fault proxy) and a folder mailbox; replies go to a file outbox.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from ingest.imap import ImapMailbox
from notify.filebox import FileSender
from shenbao.store.fsutil import atomic_write
from shenbao.config import Config, load_config
from shenbao.errors import MailboxError
from shenbao.service.pipeline import Pipeline
from shenbao.service.wiring import build_pipeline
from shenbao.samples.build import CST, build_email, form_docx
from shenbao.store.db import Store
from tests.servers_imap import ImapAccount
from tests.servers_imap_proxy import ImapProxy

WHEN = datetime(2021, 4, 26, 9, 0, tzinfo=CST)
CONFIG = """\
[mailbox]
kind = "folder"
path = "{root}/mailbox"

[smtp]
kind = "file"
path = "{root}/replies"
from_address = "jzghxjb@163.com"

[ocr]  # OCR is tested in tests/shenbao/test_ocr_intake.py
enabled = false

[storage]
database_url = "sqlite:///{root}/var/shenbao.db"
data_dir = "{root}/var/data"
"""


def mail(index: int) -> bytes:
    name = f"候选人{index:03d}"
    return build_email(from_addr=f"unit{index}@example.com", from_name=f"单位{index}", subject=f"推荐材料-{name}",
                       text="推荐表见附件", attachments=[(f"推荐表-{name}.docx", form_docx(name, f"单位{index}"))],
                       date=WHEN)


def config_in(root: Path) -> Config:
    (root / "mailbox").mkdir(exist_ok=True)
    path = root / "config.toml"
    path.write_text(CONFIG.format(root=root), encoding="utf-8")
    return load_config(path)


def states(root: Path) -> list[tuple[str, str, int]]:
    """(uid, state, replies queued for it) of every stored mail."""
    with sqlite3.connect(root / "var" / "shenbao.db") as db:
        return db.execute("SELECT uid, state, (SELECT count(*) FROM replies r WHERE r.email_id = e.id) "
                          "FROM emails e ORDER BY e.id").fetchall()


def test_mail_stored_before_the_connection_broke_is_processed_then_the_error_is_raised(
        tmp_path: Path, imap_account: ImapAccount, netease_proxy: ImapProxy) -> None:
    raws = [mail(index) for index in range(4)]
    for raw in raws:
        imap_account.append(raw, WHEN)
    config = config_in(tmp_path)
    store = Store(config.database_url, config.data_dir)
    box = ImapMailbox(imap_account.config(port=netease_proxy.port), retry_delays=())
    pipeline = Pipeline(config, store, box, FileSender(tmp_path / "replies", atomic_write), lambda: WHEN)
    netease_proxy.drop_after = len(raws[0]) * 5 // 2  # inside the third message
    with pytest.raises(MailboxError):
        pipeline.run_once()
    stored = states(tmp_path)
    assert 1 <= len(stored) < len(raws)
    assert all(state == "processed" and replies == 1 for _uid, state, replies in stored)
    report = pipeline.run_once()
    box.close()
    assert (report.fetched, report.processed, report.errors) == (len(raws) - len(stored),) * 2 + (0,)
    assert states(tmp_path) == [(str(uid), "processed", 1) for uid in range(1, len(raws) + 1)]


@pytest.mark.parametrize("stop_after", [1, 3])
def test_stop_request_ends_fetch_and_processing_and_the_next_cycle_goes_on(tmp_path: Path, stop_after: int) -> None:
    total = 8
    config = config_in(tmp_path)
    for index in range(total):
        (tmp_path / "mailbox" / f"{index:03d}.eml").write_bytes(mail(index))
    pipeline = build_pipeline(config, lambda: WHEN)
    processed: list[int] = []
    pipeline.progress = lambda stage, done, _total: processed.append(done)
    pipeline.stopping = lambda: len(processed) >= stop_after
    first = pipeline.run_once()
    assert first.processed == stop_after and first.errors == 0
    assert stop_after <= first.fetched <= total  # the fetch runs ahead, stored mail waits for the next cycle
    pipeline.stopping = lambda: False
    second = pipeline.run_once()
    assert first.processed + second.processed == total
    assert first.fetched + second.fetched == total
    assert [(state, replies) for _uid, state, replies in states(tmp_path)] == [("processed", 1)] * total
