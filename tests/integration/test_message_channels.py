"""The message channels against real servers on loopback: an SMTP server (aiosmtpd, with STARTTLS,
implicit TLS and sign-in) and HTTP servers that check each SMS request the way the provider
documents it (Aliyun's and Tencent Cloud's signatures recomputed here by an implementation of
their own, Twilio's Basic auth and form), then answer as the provider does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from desk_app.db.engine import Database
from desk_app.messages.channels import (
    AliyunSms,
    FailCode,
    Outgoing,
    Secrets,
    SendFailed,
    SmtpChannel,
    TencentSms,
    TwilioSms,
    aliyun,
    build_channels,
    channel_ready,
    tencent,
)
from desk_app.messages.channels.secrets import SERVICE
from desk_app.settings import S, SettingsStore

SMTP_USER = "desk@lotus.example"
SMTP_PASSWORD = "mail-pässword-密码"  # UTF-8 on the wire, as RFC 4616 has it (smtplib alone cannot)
ASCII_USER, ASCII_PASSWORD = "front-desk", "plain-ascii-42"
SUBJECT = "预约确认：周五 15:00 剪发"
BODY = "王女士您好，\n您在莲花美发的预约已确认：12月11日（周五）15:00，剪发，设计师 Mia。\n如需改期请回复本邮件。\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_port() -> int:
    return free_port()  # bound a moment ago, nobody listens on it now


def outgoing(to: str, *, kind: str = "confirmation", message_id: int = 4711, subject: str = "",
             body: str = "", params: dict[str, str] | None = None) -> Outgoing:
    return Outgoing(
        message_id=message_id, to=to, subject=subject, body=body or "您的预约已确认", kind=kind,
        language="zh_CN", params=params if params is not None else {"name": "王女士", "time": "12月11日 15:00"},
    )


@pytest.fixture
def store(db: Database) -> SettingsStore:
    return SettingsStore(db)


# -- SMTP ----------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server received, and whom it refuses."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> the RCPT reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) in (
        (SMTP_USER, SMTP_PASSWORD),
        (ASCII_USER, ASCII_PASSWORD),
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    client_context: ssl.SSLContext | None


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _client_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


@pytest.fixture
def starttls_server(ca: trustme.CA) -> Iterator[SmtpServer]:
    """A mail server like a provider's on 587: STARTTLS, sign-in only after it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, tls_context=_server_context(ca), require_starttls=True,
        authenticator=check_login, auth_require_tls=True, auth_required=True,
    )
    controller.start()
    try:
        yield SmtpServer(port, mailbox, _client_context(ca))
    finally:
        controller.stop()


@pytest.fixture
def implicit_tls_server(ca: trustme.CA) -> Iterator[SmtpServer]:
    """A mail server like a provider's on 465: TLS from the first byte."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, ssl_context=_server_context(ca),
        authenticator=check_login, auth_require_tls=False, auth_required=True,
    )
    controller.start()
    try:
        yield SmtpServer(port, mailbox, _client_context(ca))
    finally:
        controller.stop()


@pytest.fixture
def relay_server() -> Iterator[SmtpServer]:
    """A relay on this computer: no TLS, no sign-in."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, mailbox, None)
    finally:
        controller.stop()


def smtp_channel(server: SmtpServer, security: str = "starttls", *, password: str | None = SMTP_PASSWORD,
                 user: str = SMTP_USER, context: ssl.SSLContext | None = None) -> SmtpChannel:
    return SmtpChannel(
        host="127.0.0.1", port=server.port, security=security, from_address="desk@lotus.example",
        from_name="莲花美发 Lotus Hair", user=user, password=password,
        context=context or server.client_context, timeout=5,
    )


def test_smtp_starttls_delivers_chinese_subject_and_body_intact(starttls_server: SmtpServer) -> None:
    channel = smtp_channel(starttls_server)
    sent = channel.send(outgoing("wang.li@example.cn", subject=SUBJECT, body=BODY))

    [(mail_from, rcpts, raw)] = starttls_server.mailbox.messages
    assert mail_from == "desk@lotus.example" and rcpts == ["wang.li@example.cn"]
    mail = message_from_bytes(raw, policy=default_policy)
    assert mail["Subject"] == SUBJECT
    assert mail["From"].addresses[0].display_name == "莲花美发 Lotus Hair"
    assert mail["From"].addresses[0].addr_spec == "desk@lotus.example"
    assert mail["To"] == "wang.li@example.cn"
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail.get_content() == BODY
    assert mail["Message-ID"] == sent.provider_id
    assert sent.provider_id.startswith("<desk-app.4711.") and sent.provider_id.endswith("@lotus.example>")
    assert mail["Date"] is not None
    # on the wire the headers are 7-bit (RFC 2047 encoded words), readable by any mail program
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head.lower()


def test_smtp_message_ids_differ_per_message(starttls_server: SmtpServer) -> None:
    channel = smtp_channel(starttls_server)
    a = channel.send(outgoing("a@example.cn", subject="x", message_id=1))
    b = channel.send(outgoing("a@example.cn", subject="x", message_id=1))
    assert a.provider_id != b.provider_id and "desk-app.1." in a.provider_id


def test_smtp_wrong_password_is_auth_without_retry(starttls_server: SmtpServer) -> None:
    channel = smtp_channel(starttls_server, password="not-the-password")
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("wang.li@example.cn", subject="x"))
    assert info.value.code is FailCode.AUTH and info.value.retry is False
    assert "535" in info.value.detail and "not-the-password" not in info.value.detail
    assert starttls_server.mailbox.messages == []


def test_smtp_refused_recipient_is_rejected(starttls_server: SmtpServer) -> None:
    starttls_server.mailbox.refuse["gone@example.cn"] = "550 5.1.1 No such user here"
    with pytest.raises(SendFailed) as info:
        smtp_channel(starttls_server).send(outgoing("gone@example.cn", subject="x"))
    assert info.value.code is FailCode.REJECTED and info.value.retry is False
    assert "No such user" in info.value.detail


def test_smtp_greylisted_recipient_is_throttled(starttls_server: SmtpServer) -> None:
    starttls_server.mailbox.refuse["busy@example.cn"] = "451 4.7.1 Greylisted, try again later"
    with pytest.raises(SendFailed) as info:
        smtp_channel(starttls_server).send(outgoing("busy@example.cn", subject="x"))
    assert info.value.code is FailCode.THROTTLED and info.value.retry is True


def test_smtp_closed_port_is_network_with_retry() -> None:
    channel = SmtpChannel("127.0.0.1", closed_port(), "starttls", "desk@lotus.example", timeout=3)
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("a@example.cn", subject="x"))
    assert info.value.code is FailCode.NETWORK and info.value.retry is True


def test_smtp_server_that_never_answers_times_out_as_network() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never says hello
        channel = SmtpChannel("127.0.0.1", listener.getsockname()[1], "starttls", "desk@lotus.example", timeout=0.5)
        with pytest.raises(SendFailed) as info:
            channel.send(outgoing("a@example.cn", subject="x"))
    assert info.value.code is FailCode.NETWORK and info.value.retry is True


def test_smtp_verifies_the_server_certificate_by_default(starttls_server: SmtpServer) -> None:
    """The throwaway CA is not one this computer trusts: the default context refuses the server."""
    channel = SmtpChannel("127.0.0.1", starttls_server.port, "starttls", "desk@lotus.example", user=SMTP_USER,
                          password=SMTP_PASSWORD, timeout=5)  # no context given: the system's CAs
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("a@example.cn", subject="x"))
    assert info.value.code is FailCode.NETWORK and info.value.retry is False
    assert "certificate" in info.value.detail
    assert starttls_server.mailbox.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # it is TLS from the start
def test_smtp_implicit_tls(implicit_tls_server: SmtpServer) -> None:
    channel = smtp_channel(implicit_tls_server, "ssl", user=ASCII_USER, password=ASCII_PASSWORD)
    sent = channel.send(outgoing("a@example.cn", subject=SUBJECT, body=BODY))
    [(_from, _to, raw)] = implicit_tls_server.mailbox.messages
    mail = message_from_bytes(raw, policy=default_policy)
    assert mail["Subject"] == SUBJECT and mail.get_content() == BODY and mail["Message-ID"] == sent.provider_id


def test_smtp_starttls_against_a_server_without_it_is_not_set_up(relay_server: SmtpServer) -> None:
    channel = smtp_channel(relay_server, "starttls", user="", password=None)
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("a@example.cn", subject="x"))
    assert info.value.code is FailCode.NOT_SET_UP and info.value.retry is False


def test_smtp_plain_relay_without_sign_in(relay_server: SmtpServer) -> None:
    smtp_channel(relay_server, "none", user="", password=None).send(outgoing("a@example.cn", subject="你好"))
    [(_from, rcpts, raw)] = relay_server.mailbox.messages
    assert rcpts == ["a@example.cn"] and message_from_bytes(raw, policy=default_policy)["Subject"] == "你好"


def test_smtp_never_sends_a_password_unencrypted_to_another_computer(store: SettingsStore) -> None:
    channel = SmtpChannel("smtp.example.com", 25, "none", "desk@lotus.example", user=SMTP_USER, password="pw")
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("a@example.cn", subject="x"))
    assert info.value.code is FailCode.NOT_SET_UP and "starttls" in info.value.detail
    store.set(S.MESSAGES_EMAIL_HOST, "smtp.example.com")
    store.set(S.MESSAGES_EMAIL_FROM_ADDRESS, "desk@lotus.example")
    store.set(S.MESSAGES_EMAIL_SECURITY, "none")
    assert channel_ready(store)["email"] is None  # a relay that needs no sign-in
    store.set(S.MESSAGES_EMAIL_USER, SMTP_USER)
    reason = channel_ready(store)["email"]
    assert reason and "in clear" in reason


def test_smtp_missing_password_or_bad_address_never_connects() -> None:
    channel = SmtpChannel("127.0.0.1", closed_port(), "starttls", "desk@lotus.example", user=SMTP_USER)
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("a@example.cn", subject="x"))
    assert info.value.code is FailCode.NOT_SET_UP
    channel = SmtpChannel("127.0.0.1", closed_port(), "starttls", "desk@lotus.example")
    for bad in ("+8613812345678", "a@example.cn, b@example.cn", "a@example.cn\r\nBcc: b@example.cn", "a@b"):
        with pytest.raises(SendFailed) as info:
            channel.send(outgoing(bad, subject="x"))
        assert info.value.code is FailCode.REJECTED, bad


def test_smtp_sends_to_the_one_address_and_refuses_header_injection(relay_server: SmtpServer) -> None:
    channel = smtp_channel(relay_server, "none", user="", password=None)
    channel.send(outgoing("王丽 <wang.li@example.cn>", subject="x"))
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("a@example.cn", subject="hi\r\nBcc: spy@example.cn"))
    assert info.value.code is FailCode.REJECTED
    [(_from, rcpts, raw)] = relay_server.mailbox.messages
    assert rcpts == ["wang.li@example.cn"] and b"spy" not in raw


# -- an HTTP server standing for an SMS provider -------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Responder = Callable[[Received], tuple[int, dict[str, Any]]]


class FakeProvider:
    """ThreadingHTTPServer on 127.0.0.1 whose ``respond`` checks a request and picks the answer."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.received: list[Received] = []
        self.extra_headers: dict[str, str] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length", "0"))
                got = Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                               self.rfile.read(length))
                outer.received.append(got)
                status, payload = outer.respond(got)
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in outer.extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - a followed redirect would arrive so
                outer.received.append(Received("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_endpoint_that_never_answers_is_network() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        channel = TwilioSms("AC123", "token", "+15005550006", url, timeout=0.5)
        with pytest.raises(SendFailed) as info:
            channel.send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.NETWORK and info.value.retry is True


def test_credentials_never_go_over_plain_http_to_another_computer() -> None:
    channel = TwilioSms("AC123", "token", "+15005550006", "http://sms.example.com")
    with pytest.raises(SendFailed) as info:
        channel.send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.NOT_SET_UP and "https://" in info.value.detail


# -- Aliyun ----------------------------------------------------------------------------------

ALIYUN_ID = "LTAI5tTestAccessKey"
ALIYUN_SECRET = "aliyun-secret/with+odd=chars"


def doc_percent_encode(value: str) -> str:
    """Aliyun's documented recipe: the standard URL encoding, then '+' -> %20, '*' -> %2A, %7E -> '~'.
    (Python's quote already writes a space as %20 and leaves '~' alone.)"""
    return urllib.parse.quote(value, safe="~", encoding="utf-8").replace("*", "%2A")


def doc_signature(secret: str, method: str, params: dict[str, str]) -> str:
    query = "&".join(f"{doc_percent_encode(k)}={doc_percent_encode(params[k])}"
                     for k in sorted(params) if k != "Signature")
    text = method + "&" + doc_percent_encode("/") + "&" + doc_percent_encode(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), text.encode(), hashlib.sha1).digest()).decode()


# the examples in Aliyun's documentation: the RPC signature page (ECS DescribeRegions) and SMS's own
RPC_DOC = {
    "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
}
SMS_DOC = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_aliyun_signature_reproduces_the_published_examples() -> None:
    assert aliyun.string_to_sign("GET", RPC_DOC) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    )
    assert aliyun.signature("testsecret", "GET", RPC_DOC) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert aliyun.signature("testSecret", "GET", SMS_DOC) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # and the test's own implementation agrees, so the server below checks the real thing
    assert doc_signature("testsecret", "GET", RPC_DOC) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert doc_signature("testSecret", "GET", SMS_DOC) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun.percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


ALIYUN_ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "13900000001": (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控Permits:10"}),
    "13900000002": (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
    "13900000003": (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}),
    "13900000004": (500, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误"}),
}


def aliyun_responder(seen_nonces: set[str]) -> Responder:
    def respond(got: Received) -> tuple[int, dict[str, Any]]:
        assert got.path == "/" and got.headers["content-type"] == "application/x-www-form-urlencoded"
        pairs = urllib.parse.parse_qsl(got.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        params = dict(pairs)
        assert len(params) == len(pairs)
        request_id = "F655A8D5-B967-440B-8683-DAD6FF8DE990"
        if params.get("AccessKeyId") != ALIYUN_ID:
            return 404, {"RequestId": request_id, "Code": "InvalidAccessKeyId.NotFound",
                         "Message": "Specified access key is not found."}
        if doc_signature(ALIYUN_SECRET, "POST", params) != params.get("Signature"):
            return 400, {"RequestId": request_id, "Code": "SignatureDoesNotMatch",
                         "Message": "Specified signature is not matched with our calculation."}
        assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
        assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
        assert params["Format"] == "JSON"
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert abs((datetime.now(UTC) - stamp).total_seconds()) < 300
        assert params["SignatureNonce"] not in seen_nonces
        seen_nonces.add(params["SignatureNonce"])
        if params["PhoneNumbers"] in ALIYUN_ANSWERS:
            status, answer = ALIYUN_ANSWERS[params["PhoneNumbers"]]
            return status, {"RequestId": request_id, **answer}
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK",
                     "BizId": f"900619746936498{params['OutId']}^0"}
    return respond


def aliyun_channel(url: str, secret: str = ALIYUN_SECRET, **kw: Any) -> AliyunSms:
    return AliyunSms(ALIYUN_ID, secret, "莲花美发", {"confirmation": "SMS_154950909", "reminder": "SMS_1"}, url, **kw)


def test_aliyun_sends_a_signed_request_as_documented() -> None:
    with FakeProvider(aliyun_responder(set())) as provider:
        sent = aliyun_channel(provider.url).send(outgoing("+8613812345678", message_id=77))
    assert sent.provider_id == "90061974693649877^0"
    [got] = provider.received
    params = dict(urllib.parse.parse_qsl(got.body.decode("ascii")))
    assert params["PhoneNumbers"] == "13812345678"  # a mainland number without +86
    assert params["SignName"] == "莲花美发" and params["TemplateCode"] == "SMS_154950909"
    assert json.loads(params["TemplateParam"]) == {"name": "王女士", "time": "12月11日 15:00"}
    assert params["OutId"] == "77" and params["RegionId"] == "cn-hangzhou"


def test_aliyun_international_number_keeps_its_country_code() -> None:
    assert aliyun.aliyun_number("+852 9123 4567") == "85291234567"
    assert aliyun.aliyun_number("+8613812345678") == "13812345678"


@pytest.mark.parametrize(
    ("number", "code", "retry"),
    [
        ("+8613900000001", FailCode.THROTTLED, True),
        ("+8613900000002", FailCode.REJECTED, False),
        ("+8613900000003", FailCode.REJECTED, False),
        ("+8613900000004", FailCode.PROVIDER, True),
    ],
)
def test_aliyun_answers_are_mapped(number: str, code: FailCode, retry: bool) -> None:
    with FakeProvider(aliyun_responder(set())) as provider:
        with pytest.raises(SendFailed) as info:
            aliyun_channel(provider.url).send(outgoing(number))
    assert info.value.code is code and info.value.retry is retry
    assert info.value.detail.startswith(ALIYUN_ANSWERS[number[3:]][1]["Code"])


def test_aliyun_wrong_secret_is_auth_and_the_secret_is_not_in_the_detail() -> None:
    with FakeProvider(aliyun_responder(set())) as provider:
        with pytest.raises(SendFailed) as info:
            aliyun_channel(provider.url, secret="wrong-secret-value").send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.AUTH and info.value.retry is False
    assert "SignatureDoesNotMatch" in info.value.detail and "wrong-secret-value" not in info.value.detail


def test_aliyun_kind_without_a_template_is_not_set_up_and_sends_nothing() -> None:
    with FakeProvider(aliyun_responder(set())) as provider:
        with pytest.raises(SendFailed) as info:
            aliyun_channel(provider.url).send(outgoing("+8613812345678", kind="birthday"))
    assert info.value.code is FailCode.NOT_SET_UP and info.value.retry is False
    assert provider.received == []


def test_aliyun_unreachable_and_bad_number() -> None:
    with pytest.raises(SendFailed) as info:
        aliyun_channel(f"http://127.0.0.1:{closed_port()}/").send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.NETWORK and info.value.retry is True
    with pytest.raises(SendFailed) as info:
        aliyun_channel(f"http://127.0.0.1:{closed_port()}/").send(outgoing("138 1234"))
    assert info.value.code is FailCode.REJECTED


# -- Tencent Cloud -----------------------------------------------------------------------------

TENCENT_ID = "AKIDtestSecretId0000000000000000"
TENCENT_KEY = "tencentSecretKey000000000000000"


def doc_tc3(secret_key: str, headers: dict[str, str], signed: list[str], payload: bytes, timestamp: int,
            service: str) -> str:
    """TC3-HMAC-SHA256 from Tencent Cloud's "Signature v3" page, step by step."""
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
    canonical_request = "POST\n/\n\n" + canonical_headers + "\n" + ";".join(signed) + "\n" + hashlib.sha256(payload).hexdigest()
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    string_to_sign = "\n".join([
        "TC3-HMAC-SHA256", str(timestamp), f"{date}/{service}/tc3_request",
        hashlib.sha256(canonical_request.encode()).hexdigest(),
    ])

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_signing = sign(sign(sign(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def test_tencent_signature_reproduces_the_published_example() -> None:
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    headers = {"content-type": "application/json; charset=utf-8", "host": "cvm.tencentcloudapi.com"}
    expected = "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    auth = tencent.authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******",
                                 "cvm", 1551113065, headers, payload)
    assert auth == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}"
    )
    assert doc_tc3("Gu5t9xGARNpq86cd98joQYCN3*******", headers, ["content-type", "host"], payload,
                   1551113065, "cvm") == expected


def tencent_responder(got_numbers: list[str]) -> Responder:
    def respond(got: Received) -> tuple[int, dict[str, Any]]:
        request_id = "a0aabda6-cf91-4f3e-a81f-9198114a2279"
        auth = got.headers.get("authorization", "")
        algorithm, _sp, rest = auth.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        credential = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        timestamp = int(got.headers["x-tc-timestamp"])
        assert algorithm == "TC3-HMAC-SHA256" and {"content-type", "host"} <= set(signed)
        assert signed == sorted(signed)
        if credential[0] != TENCENT_ID:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound",
                                                "Message": "The SecretId is not found"}, "RequestId": request_id}}
        assert credential[1:] == [time.strftime("%Y-%m-%d", time.gmtime(timestamp)), "sms", "tc3_request"]
        assert abs(time.time() - timestamp) < 300
        if doc_tc3(TENCENT_KEY, got.headers, signed, got.body, timestamp, "sms") != fields["Signature"]:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                "Message": "The provided credentials could not be validated."},
                                      "RequestId": request_id}}
        assert got.headers["x-tc-action"] == "SendSms" and got.headers["x-tc-version"] == "2021-01-11"
        assert got.headers["x-tc-region"] == "ap-guangzhou"
        assert got.headers["content-type"] == "application/json; charset=utf-8"
        body = json.loads(got.body)
        assert body["SmsSdkAppId"] == "1400006666" and body["SignName"] == "莲花美发"
        number = body["PhoneNumberSet"][0]
        got_numbers.append(number)
        if number == "+8613900000009":
            return 200, {"Response": {"Error": {"Code": "RequestLimitExceeded",
                                                "Message": "request limit exceeded"}, "RequestId": request_id}}
        code, message = {
            "+8613900000001": ("LimitExceeded.PhoneNumberDailyLimit", "the number of SMS messages sent today exceeds the limit"),
            "+8613900000002": ("InvalidParameterValue.IncorrectPhoneNumber", "invalid mobile number"),
            "+8613900000003": ("FailedOperation.TemplateIncorrectOrUnapproved", "template unapproved or not exist"),
        }.get(number, ("Ok", "send success"))
        return 200, {"Response": {"SendStatusSet": [{
            "SerialNo": "5000:1045710669157053657849499619" if code == "Ok" else "", "PhoneNumber": number,
            "Fee": 1, "SessionContext": body["SessionContext"], "Code": code, "Message": message, "IsoCode": "CN",
        }], "RequestId": request_id}}
    return respond


def tencent_channel(url: str, key: str = TENCENT_KEY) -> TencentSms:
    templates = {"confirmation": "449739:name,time", "reminder": "449740"}
    return TencentSms(TENCENT_ID, key, "1400006666", "莲花美发", templates, "", url)


def test_tencent_sends_a_tc3_signed_request() -> None:
    numbers: list[str] = []
    with FakeProvider(tencent_responder(numbers)) as provider:
        sent = tencent_channel(provider.url).send(outgoing("+8613812345678", message_id=88))
    assert sent.provider_id == "5000:1045710669157053657849499619" and numbers == ["+8613812345678"]
    body = json.loads(provider.received[0].body)
    assert body["TemplateId"] == "449739" and body["TemplateParamSet"] == ["王女士", "12月11日 15:00"]
    assert body["SessionContext"] == "88"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("+8613900000001", FailCode.THROTTLED),
        ("+8613900000002", FailCode.REJECTED),
        ("+8613900000003", FailCode.REJECTED),
        ("+8613900000009", FailCode.THROTTLED),
    ],
)
def test_tencent_answers_are_mapped(number: str, code: FailCode) -> None:
    with FakeProvider(tencent_responder([])) as provider:
        with pytest.raises(SendFailed) as info:
            tencent_channel(provider.url).send(outgoing(number))
    assert info.value.code is code and info.value.retry is code.retry


def test_tencent_wrong_key_is_auth_and_unreachable_is_network() -> None:
    with FakeProvider(tencent_responder([])) as provider:
        with pytest.raises(SendFailed) as info:
            tencent_channel(provider.url, key="wrong-key").send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.AUTH and "SignatureFailure" in info.value.detail
    assert "wrong-key" not in info.value.detail
    with pytest.raises(SendFailed) as info:
        tencent_channel(f"http://127.0.0.1:{closed_port()}/").send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.NETWORK and info.value.retry


def test_tencent_template_that_needs_a_missing_parameter_is_rejected_before_sending() -> None:
    with FakeProvider(tencent_responder([])) as provider:
        with pytest.raises(SendFailed) as info:
            tencent_channel(provider.url).send(outgoing("+8613812345678", params={"name": "王女士"}))
    assert info.value.code is FailCode.REJECTED and "time" in info.value.detail and provider.received == []


# -- Twilio ------------------------------------------------------------------------------------

TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-auth-token-0123456789"


def twilio_responder(got: Received) -> tuple[int, dict[str, Any]]:
    if got.path != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
        return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
    scheme, _sp, encoded = got.headers.get("authorization", "").partition(" ")
    user, _colon, password = base64.b64decode(encoded).decode().partition(":")
    if scheme != "Basic" or (user, password) != (TWILIO_SID, TWILIO_TOKEN):
        return 401, {"code": 20003, "message": "Authenticate", "status": 401}
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(urllib.parse.parse_qsl(got.body.decode("ascii"), strict_parsing=True))
    assert set(form) in ({"To", "From", "Body"}, {"To", "MessagingServiceSid", "Body"})
    if form["To"] == "+15005550001":
        return 400, {"code": 21211, "message": f"The 'To' number {form['To']} is not a valid phone number.",
                     "status": 400}
    if form["To"] == "+15005550009":
        return 400, {"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400}
    if form["To"] == "+15005550010":
        return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}
    return 201, {"sid": "SM" + "1" * 32, "status": "queued", "to": form["To"], "body": form["Body"]}


def test_twilio_sends_with_basic_auth_and_the_documented_form() -> None:
    with FakeProvider(twilio_responder) as provider:
        sent = TwilioSms(TWILIO_SID, TWILIO_TOKEN, "+15005550006", provider.url).send(
            outgoing("+8613812345678", body="Your booking is confirmed: Fri 15:00 ✂"))
        via_service = TwilioSms(TWILIO_SID, TWILIO_TOKEN, "MG" + "2" * 32, provider.url).send(outgoing("+447700900123"))
    assert sent.provider_id == "SM" + "1" * 32 and via_service.provider_id == sent.provider_id
    first, second = (dict(urllib.parse.parse_qsl(r.body.decode())) for r in provider.received)
    assert first == {"To": "+8613812345678", "From": "+15005550006", "Body": "Your booking is confirmed: Fri 15:00 ✂"}
    assert second["MessagingServiceSid"] == "MG" + "2" * 32 and "From" not in second


@pytest.mark.parametrize(
    ("number", "token", "code"),
    [
        ("+8613812345678", "wrong-token", FailCode.AUTH),
        ("+15005550001", TWILIO_TOKEN, FailCode.REJECTED),
        ("+15005550009", TWILIO_TOKEN, FailCode.REJECTED),
        ("+15005550010", TWILIO_TOKEN, FailCode.THROTTLED),
    ],
)
def test_twilio_answers_are_mapped(number: str, token: str, code: FailCode) -> None:
    with FakeProvider(twilio_responder) as provider:
        with pytest.raises(SendFailed) as info:
            TwilioSms(TWILIO_SID, token, "+15005550006", provider.url).send(outgoing(number))
    assert info.value.code is code and info.value.retry is code.retry
    assert token not in info.value.detail


def test_a_redirect_is_not_followed_with_the_credentials() -> None:
    with FakeProvider(twilio_responder) as elsewhere, FakeProvider(lambda got: (302, {})) as provider:
        provider.extra_headers["Location"] = elsewhere.url + "2010-04-01/Accounts/x/Messages.json"
        with pytest.raises(SendFailed) as info:
            TwilioSms(TWILIO_SID, TWILIO_TOKEN, "+15005550006", provider.url).send(outgoing("+8613812345678"))
    assert info.value.code is FailCode.PROVIDER and "302" in info.value.detail
    assert len(provider.received) == 1 and elsewhere.received == []


def test_twilio_unreachable_is_network() -> None:
    with pytest.raises(SendFailed) as info:
        TwilioSms(TWILIO_SID, TWILIO_TOKEN, "+15005550006", f"http://127.0.0.1:{closed_port()}").send(
            outgoing("+8613812345678"))
    assert info.value.code is FailCode.NETWORK and info.value.retry is True


# -- secrets -----------------------------------------------------------------------------------


def test_secrets_in_the_password_store(keystore: Any) -> None:
    import keyring

    secrets = Secrets()
    assert secrets.store_available() and secrets.get("smtp") is None
    secrets.set("smtp", SMTP_PASSWORD)
    secrets.set("sms", ALIYUN_SECRET)
    assert secrets.get("smtp") == SMTP_PASSWORD and secrets.get("sms") == ALIYUN_SECRET
    assert keyring.get_password(SERVICE, "smtp") == SMTP_PASSWORD  # the service and username the docs name
    kept = keystore.read_text(encoding="utf-8")  # the test's own store (keyrings.alt's file), not the machine's
    assert "messages" in kept and SMTP_PASSWORD not in kept
    secrets.delete("smtp")
    assert secrets.get("smtp") is None and secrets.get("sms") == ALIYUN_SECRET
    secrets.delete("smtp")  # deleting twice is fine
    with pytest.raises(KeyError):
        secrets.get("ftp")


def test_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = Secrets()  # no password store (the tests' default)
    assert not secrets.store_available()
    monkeypatch.setenv("DESK_APP_SMTP_PASSWORD", "from-env")
    monkeypatch.setenv("DESK_APP_SMS_SECRET", "sms-from-env")
    assert secrets.get("smtp") == "from-env" and secrets.get("sms") == "sms-from-env"
    assert secrets.missing_reason("smtp") is None


def test_the_password_store_wins_over_the_environment(keystore: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_APP_SMTP_PASSWORD", "from-env")
    secrets = Secrets()
    assert secrets.get("smtp") == "from-env"
    secrets.set("smtp", "from-store")
    assert secrets.get("smtp") == "from-store"


def test_no_password_store_is_a_reason_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from desk_app.messages.channels.secrets import NoPasswordStore

    monkeypatch.delenv("DESK_APP_SMTP_PASSWORD", raising=False)
    secrets = Secrets()
    assert secrets.get("smtp") is None
    reason = secrets.missing_reason("smtp")
    assert reason and "password store" in reason and "DESK_APP_SMTP_PASSWORD" in reason
    with pytest.raises(NoPasswordStore):
        secrets.set("smtp", "x")
    secrets.delete("smtp")


# -- settings -> channels ----------------------------------------------------------------------


def test_nothing_set_up_says_why(store: SettingsStore) -> None:
    ready = channel_ready(store, Secrets())
    assert ready["email"] and "mail server" in ready["email"]
    assert ready["sms"] and "provider" in ready["sms"]
    assert build_channels(store, Secrets()) == {}


def test_settings_refuse_unknown_choices(store: SettingsStore) -> None:
    with pytest.raises(ValueError, match="messages.email.security"):
        store.set(S.MESSAGES_EMAIL_SECURITY, "tls")
    with pytest.raises(ValueError, match="messages.sms.provider"):
        store.set(S.MESSAGES_SMS_PROVIDER, "smsbao")
    assert store.set(S.MESSAGES_EMAIL_SECURITY, " SSL ") == "ssl"
    with pytest.raises(ValueError, match="at most 65535"):
        store.set(S.MESSAGES_EMAIL_PORT, 70000)


def test_email_from_settings_and_the_password_store(store: SettingsStore, keystore: Any,
                                                    starttls_server: SmtpServer) -> None:
    store.set(S.MESSAGES_EMAIL_HOST, "127.0.0.1")
    store.set(S.MESSAGES_EMAIL_PORT, starttls_server.port)
    store.set(S.MESSAGES_EMAIL_USER, SMTP_USER)
    store.set(S.MESSAGES_EMAIL_FROM_ADDRESS, "desk@lotus.example")
    store.set(S.MESSAGES_EMAIL_FROM_NAME, "莲花美发")
    secrets = Secrets()
    reason = channel_ready(store, secrets)["email"]
    assert reason and "not saved" in reason  # a user without a password
    secrets.set("smtp", SMTP_PASSWORD)
    assert channel_ready(store, secrets)["email"] is None
    channels = build_channels(store, secrets)
    email = channels["email"]
    assert isinstance(email, SmtpChannel) and "sms" not in channels
    assert SMTP_PASSWORD not in repr(email)
    email.context = starttls_server.client_context  # the tests' CA; the app uses the system's
    email.send(outgoing("wang.li@example.cn", subject=SUBJECT, body=BODY))
    [(_from, _to, raw)] = starttls_server.mailbox.messages
    mail = message_from_bytes(raw, policy=default_policy)
    assert mail["From"].addresses[0].display_name == "莲花美发" and mail["Subject"] == SUBJECT


def test_sms_from_settings_for_each_provider(store: SettingsStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_APP_SMS_SECRET", ALIYUN_SECRET)
    store.set(S.MESSAGES_SMS_PROVIDER, "aliyun")
    store.set(S.MESSAGES_SMS_ACCOUNT, ALIYUN_ID)
    store.set(S.MESSAGES_SMS_SENDER, "莲花美发")
    reason = channel_ready(store)["sms"]
    assert reason and "template" in reason  # Aliyun sends only approved templates
    store.set(S.MESSAGES_SMS_TEMPLATES, {"confirmation": "SMS_154950909"})
    with pytest.raises(ValueError, match="https://"):  # refused when saved (the declaration's check)
        store.set(S.MESSAGES_SMS_ENDPOINT, "http://sms.example.com/")
    with FakeProvider(aliyun_responder(set())) as provider:
        store.set(S.MESSAGES_SMS_ENDPOINT, provider.url)
        assert channel_ready(store)["sms"] is None
        sms = build_channels(store)["sms"]
        assert isinstance(sms, AliyunSms)
        assert sms.send(outgoing("+8613812345678", message_id=5)).provider_id == "9006197469364985^0"

    store.set(S.MESSAGES_SMS_PROVIDER, "tencent")
    store.set(S.MESSAGES_SMS_SENDER, "1400006666")
    store.set(S.MESSAGES_SMS_SIGN_NAME, "莲花美发")
    store.set(S.MESSAGES_SMS_ACCOUNT, TENCENT_ID)
    store.set(S.MESSAGES_SMS_TEMPLATES, {"confirmation": "449739:name,time"})
    monkeypatch.setenv("DESK_APP_SMS_SECRET", TENCENT_KEY)
    with FakeProvider(tencent_responder([])) as provider:
        store.set(S.MESSAGES_SMS_ENDPOINT, provider.url)
        sms = build_channels(store)["sms"]
        assert isinstance(sms, TencentSms) and sms.region == "ap-guangzhou"
        assert sms.send(outgoing("+8613812345678")).provider_id.startswith("5000:")

    store.set(S.MESSAGES_SMS_PROVIDER, "twilio")
    store.set(S.MESSAGES_SMS_ACCOUNT, TWILIO_SID)
    store.set(S.MESSAGES_SMS_SENDER, "+15005550006")
    store.set(S.MESSAGES_SMS_TEMPLATES, {})
    monkeypatch.delenv("DESK_APP_SMS_SECRET")
    reason = channel_ready(store)["sms"]
    assert reason and "password store" in reason  # no secret anywhere: said, not crashed
    monkeypatch.setenv("DESK_APP_SMS_SECRET", TWILIO_TOKEN)
    with FakeProvider(twilio_responder) as provider:
        store.set(S.MESSAGES_SMS_ENDPOINT, provider.url.rstrip("/"))
        sms = build_channels(store)["sms"]
        assert isinstance(sms, TwilioSms) and TWILIO_TOKEN not in repr(sms)
        assert sms.send(outgoing("+8613812345678")).provider_id.startswith("SM")


def test_fail_codes_have_words_and_retry_rules() -> None:
    assert {c.value for c in FailCode} == {"network", "auth", "rejected", "throttled", "not_set_up", "provider"}
    assert {c for c in FailCode if c.retry} == {FailCode.NETWORK, FailCode.THROTTLED, FailCode.PROVIDER}
    assert all(c.label for c in FailCode)
    failed = SendFailed(FailCode.NETWORK, "x" * 1000, retry=False)
    assert failed.retry is False and len(failed.detail) <= 300
