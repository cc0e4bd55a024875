"""Who is using the web view, what they may do, and the token every form carries (CSRF).

Logins come from ``[web] username``/``password`` (an editor, as before roles existed) and
``[[web.users]]`` (``role = "editor"`` or ``"viewer"``), checked over HTTP Basic in constant
time. Served on loopback with no password at all, nobody logs in and the visitor is an editor
named after ``[web] username``.

Every form carries a token: an HMAC of the login name under a key made when the server starts
(so a page from before a restart asks to be reloaded). A page on another site cannot read it, so
it cannot make a signed-in browser post a decision; a request whose ``Origin`` is another site
is refused as well.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from shenbao.config import Config
from shenbao.errors import UsageError

EDITOR, VIEWER = "editor", "viewer"


@dataclass(frozen=True)
class Login:
    name: str
    password: str  # "" only for the no-login loopback visitor
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR


def logins(config: Config) -> list[Login]:
    """Every configured login with its password read now. A ``[[web.users]]`` variable that is unset
    is refused by name; the single ``[web] password_env`` unset means no login, as before roles."""
    web = config.web
    found = [Login(web.username, web.secret(), EDITOR)] if web.secret() else []
    for user in web.users:
        secret = user.secret()
        if not secret:
            raise UsageError(f"web.users ({user.name}): the environment variable {user.password_env} is not set "
                             "or is empty; set it before starting the web view")
        found.append(Login(user.name, secret, user.role))
    return found


class Auth:
    """Checks logins and form tokens for one running server."""

    def __init__(self, config: Config, known: list[Login]) -> None:
        self.known = known
        self.anonymous = Login(config.web.username, "", EDITOR)
        self._key = secrets.token_bytes(32)

    @property
    def required(self) -> bool:
        return bool(self.known)

    def who(self, header: str) -> Login | None:
        """The login an ``Authorization`` header proves; the loopback visitor when no login is configured."""
        if not self.known:
            return self.anonymous
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, given = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        match = None
        for login in self.known:  # every login compared, in constant time: no early exit
            user_ok = hmac.compare_digest(user.encode(), login.name.encode())
            password_ok = hmac.compare_digest(given.encode(), login.password.encode())
            if user_ok and password_ok:
                match = login
        return match

    def token(self, login: Login) -> str:
        return hmac.new(self._key, login.name.encode(), sha256).hexdigest()

    def token_ok(self, login: Login, given: str) -> bool:
        return hmac.compare_digest(self.token(login).encode(), given.encode())


def same_origin(environ: dict[str, Any]) -> bool:
    """False when the browser says the request comes from another site. ``Sec-Fetch-Site`` first
    (every current browser sends it; our pages' ``no-referrer`` policy makes their ``Origin`` "null"),
    else ``Origin`` must name this host; a request with neither rests on the token alone."""
    site = environ.get("HTTP_SEC_FETCH_SITE", "")
    if site:
        return site in ("same-origin", "none")
    origin = environ.get("HTTP_ORIGIN", "")
    return not origin or origin.split("://", 1)[-1] == environ.get("HTTP_HOST", "")
