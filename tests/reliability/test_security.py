"""Security promises, end to end in real processes: credentials only from the environment or a
file the service user can read, never logged (not even with --debug, not even base64-encoded as
AUTH sends them); check-config warns about passwords others can read; TLS is verified by default;
no URL found in a mail is ever fetched; the web view of a hostile register escapes what it shows.
"""

from __future__ import annotations

import base64
import http.server
import re
import signal
import threading
import urllib.request
from typing import ClassVar
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from shenbao.samples.build import CST, build_email, form_docx, screenshot_png
from tests.reliability.harness import Installation, captured_ids, deliver_folder, deliver_imap, finish, imap_table, \
    install, smtp_table
from tests.reliability.mixed import PlannedMail, small_photo
from tests.servers_imap import PASSWORD, DovecotServer, ImapAccount
from tests.servers_smtp import SmtpServer

SMTP_USER, SMTP_PASSWORD = "jzghxjb@163.com", "Smtp-Auth-Code-77"
SENT = datetime(2021, 4, 27, 9, 0, tzinfo=CST)


def _secret_forms(*secrets: str) -> set[str]:
    """A password as it could leak: itself, and base64 of it or of an AUTH PLAIN / LOGIN exchange."""
    forms = set(secrets)
    for secret in secrets:
        forms.add(base64.b64encode(secret.encode()).decode())
        forms.add(base64.b64encode(f"\0{SMTP_USER}\0{secret}".encode()).decode())
    return forms


def _everything_written(installation: Installation, *outputs: str) -> str:
    """Process output, the service's own log files and the register, as one searchable text."""
    logs = [p.read_text(errors="replace") for p in (installation.data_dir / "logs").glob("*")] \
        if (installation.data_dir / "logs").exists() else []
    register = installation.db_path.read_bytes().decode("latin-1") if installation.db_path.exists() else ""
    return "\n".join([*outputs, *logs, register])


@pytest.fixture
def authenticating_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(credentials=(SMTP_USER, SMTP_PASSWORD)).up()
    yield server
    server.down()


def test_passwords_from_a_file_and_the_environment_log_in_and_never_appear_anywhere_even_with_debug(
        tmp_path: Path, dovecot: DovecotServer, authenticating_smtp: SmtpServer,
        mixed_imap: tuple[ImapAccount, list[PlannedMail]]) -> None:
    account, mails = dovecot.add_user(), mixed_imap[1][:3]
    deliver_imap(account, mails)
    installation = Installation(tmp_path, env={"SHENBAO_TEST_SMTP_PASSWORD": SMTP_PASSWORD})
    secret = tmp_path / "secrets" / "imap-password.txt"
    secret.parent.mkdir()
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    mailbox = {k: v for k, v in imap_table(account).items() if k != "password_env"}
    installation.configure({**mailbox, "password_file": "secrets/imap-password.txt"},
                           smtp_table(authenticating_smtp, username=SMTP_USER, password_env="SHENBAO_TEST_SMTP_PASSWORD"))
    finished = installation.run("run", "--once", debug=True)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.startswith("fetched 3,")
    assert len(authenticating_smtp.messages) == sum(m.replied for m in mails)
    assert all(m.authenticated for m in authenticating_smtp.messages)
    checked = installation.run("check-config")
    doctor = installation.run("doctor", debug=True)
    written = _everything_written(installation, finished.stdout, finished.stderr, checked.stdout, checked.stderr,
                                  doctor.stdout, doctor.stderr)
    assert "level=debug logger=imapclient" in finished.stderr  # the debug log was on, the IMAP dialogue in it
    assert [form for form in _secret_forms(PASSWORD, SMTP_PASSWORD) if form in written] == []


def test_a_refused_login_names_the_user_and_the_fix_but_not_the_password(tmp_path: Path,
                                                                        imap_account: ImapAccount,
                                                                        smtp_server: SmtpServer) -> None:
    wrong = "Wrong-Secret-123"
    installation = Installation(tmp_path, env={"SHENBAO_TEST_IMAP_PASSWORD": wrong})
    installation.configure(imap_table(imap_account), smtp_table(smtp_server))
    finished = installation.run("run", "--once", debug=True)
    assert finished.returncode == 1 and "login refused for " + imap_account.user in finished.stderr
    assert "授权码" in finished.stderr
    assert [form for form in _secret_forms(wrong) if form in _everything_written(installation, finished.stderr)] == []


@pytest.mark.parametrize(("setting", "message"), [
    ({"password_file": "missing.txt"}, "mailbox.password_file: cannot read"),
    ({"password_file": "empty.txt"}, "mailbox.password_file:"),
    ({"password_file": "secret.txt", "password": "x"}, "mailbox.password_file: set only one of"),
], ids=["missing", "empty", "two-sources"])
def test_a_bad_password_file_is_a_config_error_naming_the_key(tmp_path: Path, smtp_server: SmtpServer,
                                                              setting: dict[str, str], message: str) -> None:
    (tmp_path / "empty.txt").write_text("\n")
    (tmp_path / "secret.txt").write_text("s")
    installation = Installation(tmp_path)
    installation.configure({"kind": "imap", "host": "127.0.0.1", "username": "u@163.com", **setting},
                           smtp_table(smtp_server))
    finished = installation.run("check-config")
    assert finished.returncode == 2 and message in finished.stderr, finished.stderr


WARNINGS = [  # (mailbox settings, config file mode, password file mode, the warning or None)
    ({"password": "literal"}, 0o644, None, "readable by every user"),
    ({"password": "literal"}, 0o640, None, "readable by its group"),
    ({"password": "literal"}, 0o600, None, None),
    ({"password_env": "SOME_ENV"}, 0o644, None, None),
    ({"password_file": "pw.txt"}, 0o644, 0o644, "password_file"),
    ({"password_file": "pw.txt"}, 0o644, 0o600, None),
    ({"password_env": "SOME_ENV", "ssl_verify": False}, 0o600, None, "ssl_verify = false"),
    ({"password_env": "SOME_ENV", "ssl": False, "host": "imap.163.com"}, 0o600, None, "unencrypted"),
]


@pytest.mark.parametrize(("mailbox", "mode", "file_mode", "warning"), WARNINGS)
def test_check_config_warns_about_passwords_others_can_read_and_tls_that_is_off(
        tmp_path: Path, mailbox: dict[str, object], mode: int, file_mode: int | None, warning: str | None) -> None:
    if file_mode is not None:
        (tmp_path / "pw.txt").write_text("secret")
        (tmp_path / "pw.txt").chmod(file_mode)
    installation = Installation(tmp_path, env={"SOME_ENV": "auth-code"})
    installation.configure({"kind": "imap", "host": "imap.163.com", "username": "u@163.com", **mailbox},
                           {"kind": "file", "path": "replies"})
    installation.config_path.chmod(mode)
    finished = installation.run("check-config")
    assert finished.returncode == 0 and ": OK (" in finished.stdout
    warnings = [line for line in finished.stderr.splitlines()
                if line.startswith("warning:") and not line.startswith("warning: campaign.deadline")]  # 2021: past
    assert warnings == [] if warning is None else (len(warnings) == 1 and warning in warnings[0]), warnings
    assert "literal" not in finished.stderr and "secret" not in finished.stderr


@pytest.mark.parametrize("trusted", [False, True], ids=["default-verification-refuses", "ca_file-trusts"])
def test_tls_is_verified_by_default_for_imap_and_smtp(tmp_path: Path, imap_account: ImapAccount,
                                                      tls_certificate: tuple[Path, Path], trusted: bool) -> None:
    imap_account.append(build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料",
                                    text="请查收。", attachments=[], date=SENT), SENT)
    smtp = SmtpServer(tls=tls_certificate, implicit_tls=True).up()
    try:
        installation = install(tmp_path, imap_account, smtp)
        installation.configure(imap_table(imap_account, port=imap_account.imaps_port, ssl=True, host="localhost",
                                          ca_file=str(imap_account.cert) if trusted else ""),
                               smtp_table(smtp, ssl=True, host="localhost", ca_file=str(tls_certificate[0]) if trusted else ""))
        finished = installation.run("run", "--once")
    finally:
        smtp.down()
    if trusted:
        assert finished.returncode == 0 and finished.stdout.startswith("fetched 1,") and len(smtp.messages) == 1
    else:
        assert finished.returncode == 1 and "TLS certificate not trusted" in finished.stderr
        assert smtp.messages == [] and not installation.db("select count(*) from emails")[0][0]


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []  # shared by the handler instances, one per request

    def do_GET(self) -> None:  # the http.server API
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_HEAD = do_POST = do_GET  # noqa: N815

    def log_message(self, *_: object) -> None:
        return None


def _url_mail(base: str) -> bytes:
    rtf = ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 SimSun;}}"
           f"{{\\field{{\\*\\fldinst INCLUDEPICTURE \"{base}/rtf-picture.png\" \\\\d}}{{\\fldrslt }}}}"
           f"{{\\field{{\\*\\fldinst INCLUDETEXT \"{base}/rtf-text.txt\"}}{{\\fldrslt x}}}}"
           f"{{\\field{{\\*\\fldinst HYPERLINK \"{base}/rtf-link\"}}{{\\fldrslt link}}}}\\par 事迹材料\\par}}").encode()
    html = (f'<p>材料见 <a href="{base}/a">链接</a></p><img src="{base}/img.png">'
            f'<link rel="stylesheet" href="{base}/css"><div style="background:url({base}/bg.png)">照片</div>'
            f'<iframe src="{base}/frame"></iframe>')
    return build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject="推荐材料（网盘）",
                       text=f"材料太大，放在网盘：https://pan.baidu.com/s/1AbCdEf 提取码 8x8x，备用 {base}/text",
                       html=html, attachments=[("事迹材料.rtf", rtf), ("链接.html", html.encode()),
                                               ("推荐表.docx", form_docx("王五", "解放区总工会"))], date=SENT)


def test_no_url_found_in_a_mail_is_ever_fetched(tmp_path: Path, smtp_server: SmtpServer) -> None:
    canary = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    threading.Thread(target=canary.serve_forever, daemon=True).start()
    _Canary.hits = []
    try:
        base = f"http://127.0.0.1:{canary.server_address[1]}"
        deliver_folder(tmp_path / "mailbox", [PlannedMail(0, "urls", "jfqzgh@163.com", _url_mail(base), SENT, "")])
        installation = install(tmp_path / "svc", tmp_path / "mailbox", smtp_server)
        installation.run_once()
    finally:
        canary.shutdown()
        canary.server_close()
    assert _Canary.hits == []
    [(links,)] = installation.db("select cloud_links from emails")
    assert "pan.baidu.com" in links  # the link was seen (and reported), not followed
    assert len(captured_ids(smtp_server)) == 1


HOSTILE_MARKUP = "<script>alert(1)</script>"


def test_the_web_view_of_a_hostile_register_escapes_everything_and_serves_files_as_downloads(
        tmp_path: Path, smtp_server: SmtpServer) -> None:
    raw = build_email(from_addr="jfqzgh@163.com", from_name=f"{HOSTILE_MARKUP}工会", subject=f"推荐 {HOSTILE_MARKUP}",
                      text="见附件", attachments=[(f"{HOSTILE_MARKUP}推荐表.docx", form_docx(HOSTILE_MARKUP, "工会")),
                                                  ("<img src=x onerror=alert(2)>.jpg", small_photo(3)),
                                                  ("征信.html", b"<html><script>alert(3)</script></html>"),
                                                  ("截图.png", screenshot_png("信用中国", "王五", size=(200, 150)))],
                      date=SENT)
    deliver_folder(tmp_path / "mailbox", [PlannedMail(0, "markup", "jfqzgh@163.com", raw, SENT, "")])
    installation = install(tmp_path / "svc", tmp_path / "mailbox", smtp_server)
    installation.run_once()
    server = installation.start("serve", "--port", "0")
    try:
        url = _served_url(server)
        index = _get(url)
        links = sorted(set(re.findall(r'href="/(n/[^"]+)"', index[1].decode()))) + ["emails"]
        pages = [index] + [_get(url + link) for link in links]
        ids = sorted({link for _, body in pages for link in re.findall(r'href="/(file/\d+)"', body.decode())})
        files = [_get(url + link) for link in ids]
    finally:
        server.send_signal(signal.SIGTERM)
        finish(server, 30)
    assert len(pages) >= 2 and files
    assert not [body for _, body in pages if b"<script>" in body or b"<img src=x" in body]
    assert all("attachment" in headers.get("Content-Disposition", "") and headers.get("X-Content-Type-Options") == "nosniff"
               for headers, _ in files)
    assert not [h for h, _ in files if "html" in h.get("Content-Type", "")]


def _served_url(process: object) -> str:
    """The URL ``serve`` announces on stderr once it listens."""
    seen = []
    for _ in range(50):
        line = process.stderr.readline().decode()  # type: ignore[attr-defined]
        seen.append(line)
        found = re.search(r"serving the register at (http://\S+/)", line)
        if found:
            return found.group(1)
    raise AssertionError("serve never said where it listens: " + "".join(seen))


def _get(url: str) -> tuple[dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return dict(answer.headers), answer.read()
