"""Who may change a nomination: attacked as an outsider would (issue 18).

The reference tag ``[JZ2021-001]`` is sequential: anyone can write it. A follow-up changes a
nomination only from its sender, an address of its roster unit, or as a reply in the thread of a
mail we sent about it (our Message-IDs are random). Anything else is ``held:sender``: kept, shown
to the office, the nomination untouched, and the sender told only that the mail was received.
The mails go through the real CLI over a folder mailbox and a file outbox.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import figures
from tests.shenbao.conftest import FOLDER_CONFIG, Service
from tests.shenbao.unitmail import ROSTER, Desk, form, package, photos

UNIT, NAME = "解放区总工会", "王建国"
OTHER_UNIT, OTHER_ADDRESS = "山阳区总工会", "syqzgh@163.com"
SECOND_ADDRESS = "jfqzgh_office@126.com"  # the unit's second address on the roster
OUTSIDER = "stranger@qq.com"


def _roster() -> str:
    lines = []
    for name, address, kind, _ in ROSTER:
        emails = [address, SECOND_ADDRESS] if name == UNIT else [address]
        lines += ["", "[[units]]", f'name = "{name}"', "emails = [" + ", ".join(f'"{e}"' for e in emails) + "]",
                  f'type = "{kind}"']
    return "\n".join(lines) + "\n"


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    (tmp_path / "mailbox").mkdir()
    (tmp_path / "config.toml").write_text(FOLDER_CONFIG + _roster(), encoding="utf-8")
    return Desk(Service(tmp_path))


def _forged_parent(message_id: str, references: str = "") -> EmailMessage:
    parent = EmailMessage()
    parent["Message-ID"] = message_id
    if references:
        parent["References"] = references
    return parent


def _first(desk: Desk) -> tuple[str, str]:
    """The unit's nomination: everything but the photos. (its Message-ID, its reference)"""
    first = desk.send(UNIT, f"推荐材料-{UNIT}-{NAME}", package(NAME, UNIT, with_photos=False))
    return first, desk.by_candidate(NAME)["id"]


def _email(desk: Desk, message_id: str) -> dict[str, Any]:
    [row] = [e for e in desk.service.export()["emails"] if e["message_id"] == f"<{message_id}>"]
    return row


# A follow-up bringing photos and a new 推荐表 for the candidate, as each attacker (or friend) sends it.
def _follow_up(desk: Desk, who: str, first: str, ref: str) -> str:
    files = [form(NAME, UNIT, phone="13900000000"), *photos(["IMG_1.jpg", "IMG_2.jpg"], seed=31)]
    files[0] = ("推荐表（更正）.docx", files[0][1])
    if who == "outsider with a guessed tag":
        return desk.send("张先生", f"补充材料 [{ref}]", files, sender=OUTSIDER)
    if who == "outsider quoting our reply under a new Message-ID":
        ours = desk.reply_to(first)
        quoted = "\n".join("> " + line for line in desk.text_of(first).splitlines())
        guessed = _forged_parent("<shenbao.00000000000000000000000000000001@163.com>", f"<{first}>")
        return desk.send("张先生", f"回复：{ours['Subject']}", files, text=f"补充照片。\n\n{quoted}",
                         sender=OUTSIDER, answering=guessed)
    if who == "another roster unit naming this unit's nomination":
        return desk.send(OTHER_UNIT, f"补充材料 [{ref}]", files)
    if who == "the unit's second address":
        return desk.send(UNIT, f"补充材料 [{ref}]", files, sender=SECOND_ADDRESS)
    if who == "a forged From equal to the unit's address":
        return desk.send("张先生", f"补充材料 [{ref}]", files, sender="jfqzgh@163.com")
    assert who == "a colleague replying in the thread of our reply"
    return desk.send("李干事", "回复：推荐材料", files, sender="colleague@163.com", answering=desk.reply_to(first))


HELD = ["outsider with a guessed tag", "outsider quoting our reply under a new Message-ID",
        "another roster unit naming this unit's nomination"]
ACCEPTED = ["the unit's second address", "a forged From equal to the unit's address",
            "a colleague replying in the thread of our reply"]


@pytest.mark.parametrize("who", HELD)
def test_a_follow_up_from_someone_the_nomination_does_not_trust_is_held_and_told_nothing(desk: Desk, who: str) -> None:
    """GIVEN a unit's nomination WHEN someone it does not trust sends photos and a new 推荐表 for it
    THEN the mail is held:sender with its files kept, the nomination is as it was, and the reply
    says only "received, the office will check it": no unit, candidate, reference or file."""
    first, ref = _first(desk)
    before = desk.nominations()[ref]
    later = _follow_up(desk, who, first, ref)
    after = desk.nominations()[ref]
    assert after == before
    assert _email(desk, later)["disposition"] == "held:sender"
    kept = desk.service.root / "var" / "data"
    assert len(list(kept.rglob("*.eml"))) == 2  # the held mail is stored like every mail
    text = desk.text_of(later)
    assert "已收到您于" in text and "活动办公室工作人员核实" in text
    disclosed = [word for word in (UNIT, NAME, ref, "推荐表-", "事迹材料", "征信截图") if word in text]
    assert disclosed == []
    subject, theirs = str(desk.reply_to(later)["Subject"]), _email(desk, later)["subject"]
    assert [word for word in (UNIT, NAME, ref) if word in subject and word not in theirs] == []  # theirs echoed only
    digest = desk.service.cli("digest", "--print").output
    assert "待核实的来信" in digest and f"shenbao attach {_email_id(desk, later)} " in digest
    figures.add("authority", held=1, nominations_changed=int(after != before), disclosed=len(disclosed))


@pytest.mark.parametrize("who", ACCEPTED)
def test_a_follow_up_from_the_unit_or_our_thread_changes_the_nomination(desk: Desk, who: str) -> None:
    """GIVEN a unit's nomination WHEN its second roster address, a forged From equal to its address
    (SPF/DKIM are the mail server's job) or a reply in our thread sends the photos and a new
    推荐表 THEN they join the nomination and replace its 推荐表."""
    first, ref = _first(desk)
    later = _follow_up(desk, who, first, ref)
    row = desk.nominations()[ref]
    assert _email(desk, later)["disposition"] == "submission"
    assert row["emails"] == [f"<{first}>", f"<{later}>"]
    assert row["items"]["form"]["file"] == "推荐表（更正）.docx" and len(row["items"]["photos"]) == 2
    assert ref in desk.text_of(later)
    figures.add("authority", accepted=1)


def _email_id(desk: Desk, message_id: str) -> int:
    import sqlite3

    with sqlite3.connect(desk.service.root / "var" / "shenbao.db") as conn:
        [(email_id,)] = conn.execute("select id from emails where message_id = ?", (message_id,)).fetchall()
    return int(email_id)


def test_the_office_attaches_a_held_mail_and_the_nomination_takes_its_files(desk: Desk) -> None:
    """GIVEN a held mail WHEN the office runs `shenbao attach MAIL NOMINATION` (by email id or by
    Message-ID) THEN its files join the nomination, which is re-checked; a wrong mail, a mail not
    held or an unknown nomination is refused with exit code 2."""
    first, ref = _first(desk)
    later = _follow_up(desk, "outsider with a guessed tag", first, ref)
    email_id = _email_id(desk, later)
    refused = {args: desk.service.cli("attach", *args) for args in
               [("999", ref), (first, ref), (str(email_id), "JZ2021-099")]}
    assert {args: r.exit_code for args, r in refused.items()} == dict.fromkeys(refused, 2)
    assert "is not a held mail (its disposition is submission)" in refused[(first, ref)].output
    done = desk.service.cli("attach", f"<{later}>", ref)
    assert (done.exit_code, done.output) == (0, (f"{ref}: attached email {email_id} from {OUTSIDER} (3 file(s)); "
                                                 f"{ref} is now complete\n"))
    row = desk.nominations()[ref]
    assert row["status"] == "complete" and row["emails"] == [f"<{first}>", f"<{later}>"]
    assert _email(desk, later)["disposition"] == "submission"
    again = desk.service.cli("attach", str(email_id), ref)
    assert again.exit_code == 2
    assert len(desk.service.replies()) == 2  # attaching sends nothing
