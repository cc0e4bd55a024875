"""``shenbao demo``: the whole intake on bundled sample mail, with no config and no network."""

from __future__ import annotations

import tempfile
from pathlib import Path

from shenbao.config import load_config
from shenbao.office.export import register
from shenbao.service.pipeline import Clock
from shenbao.service.wiring import build_pipeline
from shenbao.samples.build import demo_mailbox
from shenbao.office.table import render_table

STATUS_NAMES = {"complete": "齐全", "incomplete": "待补充", "late": "逾期"}


DEMO_CONFIG = """\
# shenbao demo：本地文件夹当作邮箱，回复写成 .eml 文件，不连网络。
[mailbox]
kind = "folder"
path = "mailbox"

[smtp]
kind = "file"
path = "replies"

[storage]
database_url = "sqlite:///shenbao-demo.db"
data_dir = "data"
"""


def run_demo(keep: Path | None, clock: Clock) -> str:
    base = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="shenbao-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    mails = demo_mailbox(base / "mailbox")
    (base / "config.toml").write_text(DEMO_CONFIG, encoding="utf-8")
    config = load_config(base / "config.toml")
    pipeline = build_pipeline(config, clock)
    report = pipeline.run_once()
    data = register(pipeline.store, config)
    rows = [[s["id"], s["unit"], s["candidate"] or "（未识别）", STATUS_NAMES.get(s["status"], s["status"]),
             str(len(s["emails"])), ", ".join(s["problems"]) or "-"] for s in data["submissions"]]
    ignored = [f"  {e['from']}: {e['disposition']}" for e in data["emails"] if e["disposition"] != "submission"]
    replies = sorted((base / "replies").glob("*.eml"))
    lines = [
        f"shenbao demo: {len(mails)} sample mails in {base / 'mailbox'}",
        f"fetched {report.fetched}, processed {report.processed}, replies written {report.sent}",
        "",
        render_table(["编号", "推荐单位", "候选人", "状态", "邮件", "问题"], rows),
        "",
        *(["Not answered:", *ignored, ""] if ignored else []),
        f"Replies ({len(replies)}) in {base / 'replies'}:",
        *[f"  {p.name}" for p in replies],
        "",
        f"Register: {config.database_url}   (try: shenbao --config {base / 'config.toml'} export --format json)",
    ]
    return "\n".join(lines)
