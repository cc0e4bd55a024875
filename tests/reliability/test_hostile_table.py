"""The attack table (issue 19) end to end: one real ``run --once`` process over every input of
tests/reliability/hostile_table.py, then the office's commands over the register it made."""

from __future__ import annotations

import os
import re
from email import message_from_bytes, policy
from pathlib import Path

from tests.reliability.harness import deliver_folder, install
from tests.reliability.hostile_table import ROSTER, attack_mails
from tests.reliability.test_hostile import SECONDS, PEAK_MB, _record, assert_contained
from tests.servers_smtp import SmtpServer

TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_the_attack_table_is_recorded_answered_where_it_should_and_exported(tmp_path: Path,
                                                                            smtp_server: SmtpServer) -> None:
    attacks = attack_mails()
    folder = tmp_path / "mailbox"
    deliver_folder(folder, [])
    for name, raw, _, _ in attacks:
        (folder / name).write_bytes(raw)
    installation = install(tmp_path / "svc", folder, smtp_server, replies={"max_per_sender_per_3h": 10})
    installation.config_path.write_text(installation.config_path.read_text(encoding="utf-8") + ROSTER, encoding="utf-8")
    finished = installation.run("run", "--once", timeout=SECONDS)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.peak_rss_mb < PEAK_MB
    assert_contained(installation, sum(len(raw) for _, raw, _, _ in attacks))

    # every mail its own row (NFC and NFD names too) and the disposition the table expects
    dispositions = dict(installation.db("select uid, disposition from emails"))
    assert dispositions == {name: disposition for name, _, disposition, _ in attacks}
    # answered exactly where expected: the angle-addr, nobody for encoded-words, the office, copies; 10 for the capped mailbox
    expected = sorted(to for _, _, _, to in attacks if to)
    assert sorted(address for m in smtp_server.messages for address in m.rcpt_tos) == expected
    [phished] = [message_from_bytes(m.data, policy=policy.default) for m in smtp_server.messages
                 if m.rcpt_tos == ("phish@example.com",)]
    letter = phished.get_body(("plain",)).get_content()
    assert letter.startswith("您好！") and "evil.example" not in letter + str(phished["Subject"])

    # archive members: none lost, none "damaged"
    files = {name for (name,) in installation.db("select filename from files")}
    assert {"材料0.7z/照片/1.jpg", "材料1.7z/照片/2.jpg", "材料1.7z/evil.txt", "材料2.zip/照片.jpg", "材料2.zip/照片(2).jpg"} <= files
    assert installation.db("select count(*) from files where unreadable like '%损坏%'") == [(0,)]

    # the office's commands: no traceback, no name over 255 bytes, no terminal escape
    materials = tmp_path / "评审材料"
    exported = installation.run("export", "--materials", str(materials))
    assert exported.returncode == 0, exported.stderr[-2000:]
    paths = [p.relative_to(materials) for p in materials.rglob("*")]
    assert all(len(part.encode()) <= 255 for p in paths for part in p.parts)
    assert "CON_" in os.listdir(materials)
    refs = {s["candidate"]: s["id"] for s in installation.export()["submissions"]}
    for command in (("show", refs["陈晨"]), ("digest", "--print"), ("export", "--format", "csv")):
        shown = installation.run(*command)
        assert shown.returncode == 0 and TERMINAL.findall(shown.stdout.replace("\r\n", "\n").replace("\n", "")) == []
    _record("attack-table", len(attacks), finished)
