"""Every public real-world mail of shared/corpus/realworld goes through one `run --once`: no crash,
every mail gets a disposition, and no bounce, auto-reply or list mail among them is answered."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from tests.shenbao.conftest import Service

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld"
INDEX = CORPUS / "index.tsv"
ROWS = [line.split("\t") for line in INDEX.read_text(encoding="utf-8").splitlines()[1:]] if INDEX.exists() else []
CATEGORY = {path.replace("/", "__"): category for path, _repo, _source, category in ROWS}
NEVER_ANSWERED = ("bounce", "autoreply", "list")  # automatic mail: delivery reports, auto-replies, list traffic
WHEN = datetime(2021, 4, 26, 10, 0).astimezone()


@pytest.mark.parametrize("corpus", [CORPUS] if ROWS else [], ids=["realworld"])
@pytest.mark.timeout(600)
def test_every_realworld_mail_gets_a_disposition_and_no_robot_is_answered(service: Service, corpus: Path) -> None:
    for path, *_ in ROWS:
        target = service.root / "mailbox" / path.replace("/", "__")
        shutil.copyfile(corpus / path, target)
    service.run_once()
    with sqlite3.connect(service.root / "var" / "shenbao.db") as db:
        emails = dict(db.execute("SELECT uid, disposition FROM emails WHERE state = 'processed'"))
        answered = {uid for (uid,) in db.execute(
            "SELECT e.uid FROM replies r JOIN emails e ON r.email_id = e.id WHERE r.state IN ('pending', 'sending', 'sent')")}
    assert set(emails) == set(CATEGORY)
    assert all(emails.values()), [uid for uid, d in emails.items() if not d]
    assert not [uid for uid, d in emails.items() if d.startswith("error:") and d != "error:oversize"]
    robots_answered = sorted(uid for uid in answered if CATEGORY[uid] in NEVER_ANSWERED)
    assert robots_answered == []
    assert answered  # the people among them are answered
