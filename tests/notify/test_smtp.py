"""SmtpSender against a real aiosmtpd server on loopback."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from notify.smtp import SmtpSender
from shenbao.errors import PermanentSendError, SendError
from tests.servers_loopback import HOST
from tests.servers_smtp import SmtpServer


def make_reply(to: str = "unit@example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "焦作市总工会宣教网络部 <office@elsewhere.test>"  # the envelope must not come from here
    message["To"] = to
    message["Subject"] = "回复：推荐材料已收到"
    message["Message-ID"] = "<reply-1@163.com>"
    message.set_content("您好，材料已收到，谢谢。\n")
    return message


@pytest.fixture
def tls_smtp(tls_certificate: tuple[Path, Path], request: pytest.FixtureRequest) -> SmtpServer:
    server = SmtpServer(tls=tls_certificate, implicit_tls=request.param == "implicit").up()
    request.addfinalizer(server.down)
    return server


def test_send_hands_the_message_over_with_the_configured_envelope_sender(smtp_server: SmtpServer) -> None:
    SmtpSender(smtp_server.config()).send(make_reply())
    (captured,) = smtp_server.messages
    assert captured.mail_from == "jzghxjb@163.com"
    assert captured.rcpt_tos == ("unit@example.org",)
    assert b"Message-ID: <reply-1@163.com>" in captured.data and not captured.authenticated


@pytest.mark.parametrize(("behaviour", "error", "code"), [
    ("reject", PermanentSendError, "550"),
    ("defer", SendError, "451"),
])
def test_refusals_are_told_apart(smtp_server: SmtpServer, behaviour: str, error: type[SendError], code: str) -> None:
    smtp_server.behaviour = behaviour
    with pytest.raises(error, match=code) as caught:
        SmtpSender(smtp_server.config()).send(make_reply())
    assert isinstance(caught.value, PermanentSendError) is (behaviour == "reject")
    assert f"{HOST}:{smtp_server.port}" in str(caught.value) and smtp_server.messages == []


def test_server_down_is_temporary_and_up_again_delivers_once(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_server.config())
    smtp_server.down()
    with pytest.raises(SendError, match=f"{HOST}:{smtp_server.port}: cannot connect") as caught:
        sender.send(make_reply())
    assert not isinstance(caught.value, PermanentSendError)
    smtp_server.up()
    sender.send(make_reply())
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("tls_smtp", ["starttls", "implicit"], indirect=True)
def test_tls_with_a_private_ca(tls_smtp: SmtpServer, tls_certificate: tuple[Path, Path]) -> None:
    mode = {"starttls": True} if tls_smtp.implicit_tls is False else {"ssl": True}
    sender = SmtpSender(tls_smtp.config(ca_file=str(tls_certificate[0]), **mode))
    sender.send(make_reply())
    assert len(tls_smtp.messages) == 1
    assert [step[:2] for step in sender.doctor()] == [("connect", True), ("TLS", True), ("auth", True)]


@pytest.mark.parametrize("tls_smtp", ["starttls"], indirect=True)
def test_untrusted_certificate_is_a_temporary_failure(tls_smtp: SmtpServer) -> None:
    with pytest.raises(SendError, match="certificate not trusted") as caught:
        SmtpSender(tls_smtp.config(starttls=True)).send(make_reply())
    assert "ca_file" in str(caught.value) and tls_smtp.messages == []


def test_auth_with_the_right_code_sends() -> None:
    server = SmtpServer(credentials=("jzghxjb@163.com", "ABCDEFGHIJKLMNOP")).up()
    try:
        SmtpSender(server.config(username="jzghxjb@163.com", password="ABCDEFGHIJKLMNOP")).send(make_reply())
        assert [m.authenticated for m in server.messages] == [True]
        with pytest.raises(SendError, match="客户端授权码") as caught:
            SmtpSender(server.config(username="jzghxjb@163.com", password="web-password")).send(make_reply())
        assert not isinstance(caught.value, PermanentSendError) and "jzghxjb@163.com" in str(caught.value)
        steps = SmtpSender(server.config(username="jzghxjb@163.com", password="web-password")).doctor()
        assert steps[-1][:2] == ("auth", False) and "授权码" in steps[-1][2]
    finally:
        server.down()


def test_doctor_reports_an_unreachable_server(smtp_server: SmtpServer) -> None:
    smtp_server.down()
    steps = SmtpSender(smtp_server.config()).doctor()
    assert [step[:2] for step in steps] == [("connect", False)]
    assert f"{HOST}:{smtp_server.port}" in steps[0][2]
