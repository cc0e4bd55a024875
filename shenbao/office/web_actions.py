"""What the web view's forms change: a decision on a nomination, its paper copies.

Only POST changes anything, and only for an editor whose form carries its token (see
``shenbao.office.web_auth``). A decision goes through ``shenbao.register.decisions.decide``, the same code as
``shenbao decide``; a paper mark through ``shenbao.office.paper.mark_paper``, as ``shenbao paper``.
Who is the logged-in name. After a change the browser is sent back to the nomination's page
(303), so reloading it posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import parse_qs, quote

from shenbao.config import Config
from shenbao.register.decisions import Action, decide
from shenbao.errors import UsageError
from shenbao.register.nominations import by_ref, latest_decision, surviving
from shenbao.office.paper import mark_paper
from shenbao.store.db import Store
from shenbao.office.web_auth import Auth, Login, same_origin

MAX_FORM_BYTES = 16_384
MAX_NOTE_CHARS = 500
ACTIONS = ("accept", "reject", "reopen")


@dataclass(frozen=True)
class Outcome:
    """A redirect (``location``) or a page saying what went wrong (``title``, ``text``)."""

    status: str
    location: str = ""
    title: str = ""
    text: str = ""
    back: str = ""  # where the message page links back to


def _form(environ: dict[str, Any]) -> dict[str, str] | None:
    """The posted form's fields (the first value of each); None when it is not a small urlencoded form."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > MAX_FORM_BYTES:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    return {key: values[0] for key, values in fields.items()}


def _decide(store: Store, config: Config, ref: str, form: dict[str, str], login: Login, now: datetime) -> Outcome:
    action, note = form.get("action", ""), form.get("note", "").strip()[:MAX_NOTE_CHARS]
    back = f"/n/{quote(ref)}"
    if action not in ACTIONS:
        return Outcome("400 Bad Request", title="请选择处理方式", text="请选择受理、不予受理或撤销决定。", back=back)
    if not note:
        return Outcome("400 Bad Request", title="请填写理由", text="决定需要写明理由，理由会与决定一起保存。", back=back)
    if action == "reopen":
        with store.session() as s:
            sub = surviving(s, by_ref(s, ref))
            if sub is not None and latest_decision(s, sub.id) is None:
                return Outcome("409 Conflict", title="没有可撤销的决定",
                               text="该推荐人选目前没有办公室的决定，状态就是自动核对的结果。", back=back)
    sub, _ = decide(store, config, ref, cast(Action, action), note, login.name, now)
    return Outcome("303 See Other", location=f"/n/{quote(sub.ref)}?done={action}#decision")


def _paper(store: Store, config: Config, ref: str, form: dict[str, str], login: Login, now: datetime) -> Outcome:
    received = form.get("received", "")
    if received not in ("1", "0"):
        return Outcome("400 Bad Request", title="请选择", text="请选择纸质推荐表已收到或未收到。", back=f"/n/{quote(ref)}")
    sub, _ = mark_paper(store, ref, received == "1", form.get("note", "")[:MAX_NOTE_CHARS], login.name, now)
    done = "paper_received" if received == "1" else "paper_missing"
    return Outcome("303 See Other", location=f"/n/{quote(sub.ref)}?done={done}#paper")


HANDLERS: dict[str, Callable[[Store, Config, str, dict[str, str], Login, datetime], Outcome]] = {
    "decide": _decide, "paper": _paper}


def post(store: Store, config: Config, auth: Auth, login: Login, environ: dict[str, Any], path: str,
         now: datetime) -> Outcome:
    """Handle a POST to ``/n/<ref>/decide`` or ``/n/<ref>/paper``."""
    head, _, rest = path.lstrip("/").partition("/")
    ref, _, what = rest.rpartition("/")
    handler = HANDLERS.get(what) if head == "n" and ref else None
    if handler is None:
        return Outcome("404 Not Found", title="找不到该页面", text="请从首页重新进入。", back="/")
    back = f"/n/{quote(ref)}"
    form = _form(environ)
    if form is None or not same_origin(environ) or not auth.token_ok(login, form.get("token", "")):
        return Outcome("403 Forbidden", title="未能保存", back=back,
                       text="页面已过期或请求来源无法确认，请刷新页面后重新提交。")
    if not login.can_edit:
        return Outcome("403 Forbidden", title="没有修改权限", back=back,
                       text="您的账号只能查看，不能作出决定或登记纸质材料。如需修改，请联系管理员。")
    try:
        return handler(store, config, ref, form, login, now)
    except UsageError:  # the nomination went away (absorbed or renumbered) between page and post
        return Outcome("404 Not Found", title="找不到该推荐人选", text="请从首页重新进入。", back="/")
