"""``shenbao doctor``: check the register, the configured mailbox, mail server and OCR engine step by step, in plain words."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from sqlalchemy import ColumnClause, Connection, column, create_engine, func, select, table
from sqlalchemy.exc import SQLAlchemyError

from ingest.ocr import engine_error
from ingest.types import Cursor
from shenbao.config import Config
from shenbao.errors import EXPECTED, StoreError
from shenbao.store.migrations import read_version
from shenbao.store.models import SCHEMA_VERSION
from shenbao.service.wiring import open_imap, open_mailbox, open_sender, open_smtp

Step = tuple[str, bool, str]


def _folder_steps(config: Config) -> list[Step]:
    path = config.resolve(config.mailbox.path)
    ok = path.is_dir()
    return [("folder", ok, f"{path}: {'可读取 / readable' if ok else '不存在或不是文件夹 / not a directory'}")]


def _outbox_steps(config: Config) -> list[Step]:
    path = config.resolve(config.smtp.path)
    ok = path.is_dir() or not path.exists()
    return [("outbox", ok, f"{path}: {'回信将写入此处 / replies are written here' if ok else '不是文件夹 / not a directory'}")]


def _password_step(variable: str) -> list[Step]:
    return [("password", False, (f"环境变量 {variable} 未设置或为空，无法登录 / the environment variable {variable} "
                                  "(password_env) is not set or is empty: set it to the password (the 163 授权码)"))]


def _ocr_steps(config: Config) -> list[Step]:
    """Whether the OCR engine loads (``[ocr] enabled``): without it screenshots are judged by presence only."""
    if not config.ocr.enabled:
        return [("engine", True, "已关闭（[ocr] enabled = false），截图只检查是否收到 / off: screenshots are only counted")]
    error = engine_error()
    if not error:
        return [("engine", True, "文字识别可用 / the OCR engine loads")]
    return [("engine", False, (f"文字识别组件无法加载（{error}）：请安装 libgl1 和 libglib2.0-0，或在配置中设 [ocr] "
                               "enabled = false / the OCR engine does not load: install libgl1 libglib2.0-0"))]


def _version_step(kind: str, version: int | None) -> Step:
    if version is None:
        return ("schema", True, f"{kind}: 空库，首次启动时建立 / empty; shenbao creates the register on first start")
    if version > SCHEMA_VERSION:
        return ("schema", False, (f"{kind}, schema {version}: 比本程序新（需要 {SCHEMA_VERSION}）/ newer than this "
                                  f"shenbao (needs {SCHEMA_VERSION}): upgrade shenbao"))
    if version < SCHEMA_VERSION:
        return ("schema", True, (f"{kind}, schema {version}: 启动或 shenbao migrate 时升级到 {SCHEMA_VERSION} / "
                                 f"upgraded to {SCHEMA_VERSION} on start or by shenbao migrate"))
    return ("schema", True, f"{kind}, schema {version}")


def _campaign_step(conn: Connection, config: Config) -> Step:
    """This config's campaign and the campaigns of the register with their nominations; a
    ``previous_winners_from`` that names none of them fails (it would find no winners)."""
    campaign: ColumnClause[str] = column("campaign")
    rows = conn.execute(select(campaign, func.count()).select_from(table("submissions", campaign))
                        .group_by(campaign).order_by(campaign)).all()
    held = {name or "（未归属 / not adopted yet）": count for name, count in rows}
    listed = "、".join(f"{name} {count}" for name, count in held.items()) or "无 / none"
    missing = [c for c in config.rules.eligibility.previous_winners_from if c not in held]
    text = f"{config.campaign.id}；登记簿中的活动及推荐数 / campaigns in the register: {listed}"
    if missing:
        return ("campaign", False, (f"{text}；[rules.eligibility] previous_winners_from 中的 {'、'.join(missing)} "
                                    "不在此登记簿中 / not a campaign of this register"))
    return ("campaign", True, text)


def register_section(config: Config) -> tuple[str, list[Step]]:
    """The register's database kind and schema version, read without changing anything (nor
    creating a SQLite file that is not there yet)."""
    engine = create_engine(config.database_url)
    shown, kind = engine.url.render_as_string(hide_password=True), engine.dialect.name
    database = engine.url.database or ""
    title = f"register {shown}"
    try:
        if kind == "sqlite" and database not in ("", ":memory:") and not Path(database).exists():
            return title, [("schema", True, f"{kind}: 尚未建立，首次启动时建立 / not there yet; created on first start")]
        with engine.connect() as conn:
            version = read_version(conn)
            steps = [_version_step(kind, version)]
            return title, steps + ([_campaign_step(conn, config)] if version and version >= 4 else [])
    except StoreError as exc:
        return title, [("schema", False, f"{kind}: {exc}")]
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return title, [("connect", False, f"{kind}: 无法连接 / cannot connect ({reason})")]
    finally:
        engine.dispose()


def check(config: Config) -> list[tuple[str, list[Step]]]:
    """(section, steps) for the register, the mailbox, the mail server and the OCR engine; a login
    whose password_env is unset is not tried."""
    if config.mailbox.kind == "folder":
        mailbox = _folder_steps(config)
    else:
        missing = config.mailbox.missing_secret()
        mailbox = _password_step(missing) if missing else open_imap(config).doctor()
    if config.smtp.kind == "file":
        sender = _outbox_steps(config)
    else:
        missing = config.smtp.missing_secret()
        sender = _password_step(missing) if missing else open_smtp(config).doctor()
    return [register_section(config),
            (f"IMAP {config.mailbox.host}" if config.mailbox.kind == "imap" else "mailbox", mailbox),
            (f"SMTP {config.smtp.host}" if config.smtp.kind == "smtp" else "outbox", sender),
            ("OCR", _ocr_steps(config))]


class _NothingKnown:
    """A probe looks at every message above the cursor, stored or not."""

    def uid_seen(self, mailbox: str, uidvalidity: int, uid: str) -> bool:
        return False


def probe(config: Config, cursor: Cursor, now: datetime, timeout: float = 120.0,
          sleep: Callable[[float], None] = time.sleep) -> Step:
    """Send a test mail to the mailbox and wait until a poll sees it (as helpdesks verify a channel)."""
    if config.mailbox.kind != "imap" or config.smtp.kind != "smtp":
        return ("probe", False, "--probe 需要 kind = \"imap\" 和 kind = \"smtp\" / needs IMAP and SMTP")
    message_id = f"shenbao.probe.{uuid.uuid4().hex}@{config.smtp.domain}"
    message = EmailMessage()
    message["From"] = formataddr((config.smtp.from_name, config.smtp.from_address))
    message["To"] = config.mailbox.username
    message["Subject"] = "shenbao 连通性测试 / connectivity probe"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{message_id}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("这是 shenbao doctor --probe 发出的测试邮件，可以删除。\n")
    started = time.monotonic()
    try:
        open_sender(config).send(message)
        with closing(open_mailbox(config)) as mailbox:
            while time.monotonic() - started < timeout:
                for mail in mailbox.fetch_new(cursor, _NothingKnown()):
                    if message_id.encode() in mail.raw[:20000]:
                        return ("probe", True, f"测试邮件 {time.monotonic() - started:.1f} 秒后到达收件箱 / arrived")
                sleep(3.0)
    except EXPECTED as exc:
        return ("probe", False, str(exc))
    return ("probe", False, f"{timeout:.0f} 秒内未在收件箱看到测试邮件 / not seen within {timeout:.0f}s")


def render(sections: list[tuple[str, list[Step]]]) -> tuple[str, bool]:
    lines, ok = [], True
    for title, steps in sections:
        lines.append(title)
        for name, passed, detail in steps:
            lines.append(f"  [{'OK' if passed else 'FAIL'}] {name}: {detail}")
            ok = ok and passed
    return "\n".join(lines), ok
