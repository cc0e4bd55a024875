"""No file can stall the service (issue 18): files built to take a reader hours (tests/reliability/
stalls.py) go through one real ``run --once`` process, each in its own mail, followed by an
ordinary complete nomination. Each crafted file must end within its ``[limits] file_seconds``
with a recorded reason (or, for the merged-cell .docx now that its cells are read from the XML
once, simply be read), and the mail after them must be processed in the same cycle.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shenbao.samples.build import build_email
from tests.reliability import figures
from tests.reliability.harness import deliver_folder, install
from tests.reliability.mixed import PlannedMail, _material
from tests.reliability.stalls import PDFS, vmerge_docx
from tests.servers_smtp import SmtpServer
from tests.reliability.hostile import SENDER, SENT, UNIT

FILE_SECONDS = 2
OVERHEAD_SECONDS = 40  # starting the process and its reader worker, the ordinary mails, a loaded machine


def test_crafted_files_end_within_their_budget_and_the_mail_after_them_is_processed(
        tmp_path: Path, smtp_server: SmtpServer) -> None:
    crafted = {"vmerge-20000.docx": vmerge_docx(20_000), **{f"{name}.pdf": make() for name, make in PDFS.items()}}
    raws = [build_email(from_addr=SENDER, from_name=UNIT, subject=f"材料 {name}", text="请查收。",
                        attachments=[(name, data)], date=SENT + timedelta(minutes=n))
            for n, (name, data) in enumerate(crafted.items())]
    raws.append(build_email(from_addr="after@163.com", from_name="修武县总工会", subject="推荐材料-孙志强",
                            text="推荐材料请查收。", attachments=_material("孙志强", "修武县总工会", 3),
                            date=SENT + timedelta(hours=1)))
    folder = tmp_path / "mailbox"
    deliver_folder(folder, [PlannedMail(n, "stall", SENDER, raw, SENT, "") for n, raw in enumerate(raws)])
    installation = install(tmp_path / "svc", folder, smtp_server, limits={"file_seconds": FILE_SECONDS})
    budget = FILE_SECONDS * len(crafted) + OVERHEAD_SECONDS
    finished = installation.run("run", "--once", timeout=budget)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.startswith(f"fetched {len(raws)}, processed {len(raws)}")
    reasons = dict(installation.db("select filename, unreadable from files"))
    assert reasons["vmerge-20000.docx"] == ""  # read, and quickly: the O(N²) walk is gone
    unexplained = [name for name in crafted if name.endswith(".pdf") and not reasons[name]]
    assert unexplained == []
    timed_out = [name for name in crafted if reasons[name].startswith("处理超时")]
    assert {"shared-content-stream.pdf", "forms-drawing-each-other.pdf"} <= set(timed_out)
    [(after,)] = installation.db("select disposition from emails where from_addr = 'after@163.com'")
    [complete] = [s for s in installation.export()["submissions"] if s["candidate"] == "孙志强"]
    assert (after, complete["status"]) == ("submission", "complete"), complete["problems"]
    assert not [d for (d,) in installation.db("select disposition from emails") if d.startswith("error:")]
    figures.add("stalls", crafted_files=len(crafted), timed_out=len(timed_out),
                other_reasons=len(crafted) - 1 - len(timed_out), mails_after_processed=1)
    figures.most("stalls", run_seconds=round(finished.seconds, 1))
