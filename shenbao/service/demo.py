"""``shenbao demo``: the whole intake on bundled sample mail, with no config and no network.

The register table speaks the office's words (statuses from ``templates/office.toml``, problems
from ``templates/problems.toml``). Without ``--keep`` everything is made in a temporary folder
that is removed afterwards; the last lines say how to run ``shenbao`` itself.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from notify.office import disposition_label, problem_name
from shenbao.config import load_config
from shenbao.office.export import register
from shenbao.office.overview import nomination_views
from shenbao.service.pipeline import Clock, CycleReport, Pipeline
from shenbao.service.wiring import build_pipeline
from shenbao.samples.build import demo_mailbox
from notify.table import render_table

def folder_config(*, database: str, data_dir: str, from_address: str = "", comment: str = "") -> str:
    """The config of an installation that needs no network: a folder of .eml files as its mailbox
    (``mailbox/``), replies written as .eml files (``replies/``); paths relative to the config file."""
    sender = f'from_address = "{from_address}"\n' if from_address else ""
    head = f"# {comment}\n" if comment else ""
    return (f'{head}[mailbox]\nkind = "folder"\npath = "mailbox"\n\n'
            f'[smtp]\nkind = "file"\npath = "replies"\n{sender}\n'
            f'[storage]\ndatabase_url = "sqlite:///{database}"\ndata_dir = "{data_dir}"\n')


DEMO_CONFIG = folder_config(database="shenbao-demo.db", data_dir="data",
                            comment="shenbao demo：本地文件夹当作邮箱，回复写成 .eml 文件，不连网络。")


def shenbao_command() -> str:
    """How to call shenbao from here: ``shenbao`` when it is on PATH, else the virtualenv's script."""
    script = Path(sys.executable).parent / "shenbao"
    found = shutil.which("shenbao")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return "shenbao"
    return str(script) if script.exists() else "shenbao"


def _how_to_go_on(keep: Path | None) -> list[str]:
    command = shenbao_command()
    on_path = [] if command == "shenbao" else \
        [f"  （shenbao 安装在 {Path(command).parent}；`source {Path(command).parent / 'activate'}` 后可直接输入 shenbao）"]
    if keep is None:
        return ["临时文件夹已删除。保留示例邮件、回复和登记册以便继续查看：",
                f"  {command} demo --keep shenbao-demo", *on_path]
    config = keep / "config.toml"
    return ["继续查看：",
            f"  {command} --config {config} show JZ2021-003",
            f"  {command} --config {config} export --format xlsx -o 推荐登记表.xlsx",
            f"  {command} --config {config} serve", *on_path]


def _report(base: Path, mails: int, pipeline: Pipeline, report: CycleReport, keep: Path | None) -> list[str]:
    config, store = pipeline.config, pipeline.store
    with store.session() as s:
        views = nomination_views(s, config)
    rows = [[v.ref, v.unit, v.candidate or "（未识别）", v.status_label, str(v.emails),
             "、".join(problem_name(line.code) for line in v.open_lines) or "-"] for v in views]
    unanswered = [f"  {e['from']}：{disposition_label(e['disposition'])}" for e in register(store, config)["emails"]
                  if e["disposition"] != "submission"]
    replies = sorted((base / "replies").glob("*.eml"))
    listed = [f"回复（{len(replies)} 封）已写入 {base / 'replies'}：", *[f"  {p.name}" for p in replies]] if keep \
        else [f"回复 {len(replies)} 封（写成 .eml 文件）。"]
    return [
        f"shenbao demo：{mails} 封示例邮件" + (f"（{base / 'mailbox'}）" if keep else "（在临时文件夹中处理，结束后删除）"),
        f"收到 {report.fetched} 封，处理 {report.processed} 封，写出回复 {report.sent} 封",
        "",
        render_table(["编号", "推荐单位", "候选人", "状态", "邮件", "问题"], rows),
        "",
        *(["未回复的邮件：", *unanswered, ""] if unanswered else []),
        *listed,
        "",
        *([f"登记册：{config.database_url}", ""] if keep else []),
        *_how_to_go_on(keep),
    ]


def run_demo(keep: Path | None, clock: Clock) -> str:
    base = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="shenbao-demo-"))
    try:
        base.mkdir(parents=True, exist_ok=True)
        mails = demo_mailbox(base / "mailbox")
        (base / "config.toml").write_text(DEMO_CONFIG, encoding="utf-8")
        pipeline = build_pipeline(load_config(base / "config.toml"), clock)
        try:
            return "\n".join(_report(base, len(mails), pipeline, pipeline.run_once(), keep.resolve() if keep else None))
        finally:
            pipeline.store.engine.dispose()
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)
