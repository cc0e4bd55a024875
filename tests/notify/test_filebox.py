"""FileSender writes each reply as a complete, parseable .eml file, atomically."""

from __future__ import annotations

import email
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from notify.filebox import FileSender, eml_name
from shenbao.store.fsutil import atomic_write
from notify.render import RenderedReply, build_reply_message
from notify.send import Sender
from shenbao.errors import SendError

CST = timezone(timedelta(hours=8))


def reply(message_id_domain: str = "163.com") -> EmailMessage:
    rendered = RenderedReply("回复：推荐材料-沈桂兰 [JZ2021-007]", "您好！材料已收到。\n", "<p>您好！材料已收到。</p>")
    return build_reply_message(
        rendered, to_addr="sfqgh@163.com", to_name="城乡一体化示范区工会", from_addr="jzghxjb@163.com",
        from_name="焦作市总工会宣教网络部", in_reply_to="a1@163.com", references=(),
        message_id_domain=message_id_domain, now=datetime(2021, 4, 28, 9, 40, 12, tzinfo=CST),
    )


def test_reply_is_written_as_a_crlf_eml_that_parses_back(tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "replies"
    sender: Sender = FileSender(outbox, atomic_write)
    message = reply()
    sender.send(message)
    (written,) = outbox.iterdir()
    mid = str(message["Message-ID"]).strip("<>")
    assert written.name == f"20210428T094012_{mid}.eml"
    raw = written.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    back = email.message_from_bytes(raw, policy=default)
    assert back["Subject"] == "回复：推荐材料-沈桂兰 [JZ2021-007]"
    assert back["Auto-Submitted"] == "auto-replied"
    plain = back.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n") == "您好！材料已收到。\n"


def test_sending_the_same_message_again_rewrites_one_file(tmp_path: Path) -> None:
    sender = FileSender(tmp_path, atomic_write)
    message = reply()
    sender.send(message)
    sender.send(message)
    sender.send(reply())
    assert len(list(tmp_path.glob("*.eml"))) == 2
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".eml"]


@pytest.mark.parametrize(
    "message_id", ["<../../etc/passwd@x>", "<a/b\\c:d*?|@例子.中国>", "<" + "x" * 500 + "@y>", None]
)
def test_hostile_or_missing_message_ids_stay_inside_the_folder(tmp_path: Path, message_id: str | None) -> None:
    message = reply()
    del message["Message-ID"]
    if message_id is not None:
        message["Message-ID"] = message_id
    name = eml_name(message)
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert name.endswith(".eml") and len(name) < 200
    FileSender(tmp_path / "out", atomic_write).send(message)
    assert [p.parent for p in (tmp_path / "out").iterdir()] == [tmp_path / "out"]


def test_a_message_without_date_is_named_by_the_current_time(tmp_path: Path) -> None:
    message = reply()
    del message["Date"]
    stamp = datetime.strptime(eml_name(message)[:15], "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - stamp) < timedelta(minutes=1)


def test_an_unwritable_folder_is_a_send_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "replies"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(SendError, match="replies"):
        FileSender(blocker, atomic_write).send(reply())
    assert blocker.read_text(encoding="utf-8") == "a file where the folder should be"
