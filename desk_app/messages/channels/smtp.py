"""Email through the shop's mail server (SMTP): STARTTLS on 587, implicit TLS on 465 (``ssl``),
or plain (``none``, only for a relay on this computer), the certificate verified by default."""

from __future__ import annotations

import base64
import secrets
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from desk_app.i18n import _
from desk_app.messages.channels.base import FailCode, Outgoing, SendFailed, Sent

TIMEOUT_S = 20.0
SECURITY = ("starttls", "ssl", "none")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _words(raw: bytes | str) -> str:
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def _by_code(code: int, words: str, permanent: FailCode = FailCode.REJECTED) -> SendFailed:
    """A server's reply code: 4xx is "not now" (try again later), 5xx is "no"."""
    detail = f"{code} {words}".strip()
    if 400 <= code < 500:
        return SendFailed(FailCode.THROTTLED, detail)
    if 500 <= code < 600:
        return SendFailed(permanent, detail)
    return SendFailed(FailCode.PROVIDER, detail)


def one_address(text: str) -> str | None:
    """The address in ``text`` if it holds exactly one ("Name <a@b.cn>" or "a@b.cn"), else None:
    a client's field with a comma or a line break never reaches a second recipient."""
    if "\n" in text or "\r" in text:
        return None
    found = getaddresses([text])
    if len(found) != 1:
        return None
    address = found[0][1]
    local, at, domain = address.rpartition("@")
    return address if at and local and "." in domain and " " not in address else None


def plain_login_problem(host: str, security: str, user: str) -> str | None:
    """A password is never sent unencrypted to another computer: ``none`` with a sign-in is only
    for a relay on this one."""
    if security == "none" and user and host.strip().lower() not in LOOPBACK:
        return _("Signing in to {host} without encryption would send the password in clear: choose "
                 "starttls or ssl.").format(host=host)
    return None


class SmtpChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        from_address: str,
        from_name: str = "",
        user: str = "",
        password: str | None = None,
        *,
        context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_S,
    ) -> None:
        if security not in SECURITY:
            raise ValueError(f"security must be one of {SECURITY}, not {security!r}")
        self.host = host
        self.port = port
        self.security = security
        self.from_address = from_address
        self.from_name = from_name
        self.user = user
        self._password = password
        self.context = context
        self.timeout = timeout

    def __repr__(self) -> str:  # never the password
        return f"SmtpChannel({self.host}:{self.port}, {self.security}, user={self.user!r})"

    # -- the message --------------------------------------------------------------------------
    def message_id(self, message_id: int) -> str:
        domain = self.from_address.rpartition("@")[2] or self.host or "localhost"
        return f"<desk-app.{message_id}.{secrets.token_hex(8)}@{domain}>"

    def compose(self, msg: Outgoing, to: str | None = None) -> EmailMessage:
        email = EmailMessage()  # policy=email.policy.default: RFC 2047 words for non-ASCII headers
        local, _at, domain = self.from_address.partition("@")
        email["From"] = Address(display_name=self.from_name, username=local, domain=domain)
        email["To"] = to or msg.to
        email["Subject"] = msg.subject
        email["Date"] = format_datetime(datetime.now(UTC))
        email["Message-ID"] = self.message_id(msg.message_id)
        email["Content-Language"] = msg.language.replace("_", "-")
        email.set_content(msg.body, subtype="plain", charset="utf-8")
        return email

    # -- sending ------------------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        ctx = self.context or ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ctx)
        server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                server.ehlo()
                server.starttls(context=ctx)
                server.ehlo()
        except BaseException:
            server.close()
            raise
        return server

    def send(self, msg: Outgoing) -> Sent:
        if not self.host or not self.from_address:
            raise SendFailed(FailCode.NOT_SET_UP, _("No mail server or sender address is set."))
        if self.user and not self._password:
            raise SendFailed(FailCode.NOT_SET_UP, _("The mail server's password is not saved on this computer."))
        problem = plain_login_problem(self.host, self.security, self.user)
        if problem:
            raise SendFailed(FailCode.NOT_SET_UP, problem)
        to = one_address(msg.to)
        if to is None:
            raise SendFailed(FailCode.REJECTED, _("{to} is not one email address.").format(to=msg.to))
        try:
            email = self.compose(msg, to)
        except (ValueError, TypeError) as exc:  # a header that cannot be written (e.g. a bad address)
            raise SendFailed(FailCode.REJECTED, str(exc)) from None
        try:
            server = self._connect()
        except SendFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is a SendFailed
            raise self._failed(exc) from None
        try:
            if self.user:
                self._login(server)
            server.send_message(email, to_addrs=[to])
        except Exception as exc:  # noqa: BLE001 - every failure is a SendFailed
            raise self._failed(exc) from None
        finally:
            try:
                server.quit()
            except Exception:  # noqa: BLE001 - the message is already handed over (or not): nothing to add
                server.close()
        return Sent(provider_id=str(email["Message-ID"]))

    def _login(self, server: smtplib.SMTP) -> None:
        password = self._password or ""
        if (self.user + password).isascii():
            server.login(self.user, password)  # smtplib picks CRAM-MD5, PLAIN or LOGIN
            return
        # smtplib writes credentials as ASCII only; PLAIN (RFC 4616) and LOGIN carry UTF-8
        server.ehlo_or_helo_if_needed()
        offered = (server.esmtp_features.get("auth") or "").upper().split()
        if not server.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
        user, secret = self.user.encode("utf-8"), password.encode("utf-8")
        if "PLAIN" in offered:
            code, reply = server.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0" + user + b"\0" + secret).decode())
        else:
            code, reply = server.docmd("AUTH", "LOGIN " + base64.b64encode(user).decode())
            if code == 334:
                code, reply = server.docmd(base64.b64encode(secret).decode())
        if code not in (235, 503):  # 503: already signed in
            raise smtplib.SMTPAuthenticationError(code, reply)

    def _failed(self, exc: BaseException) -> SendFailed:
        """The failure as the outbox keeps it: a code, the server's words (never the password)."""
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return SendFailed(FailCode.AUTH, f"{exc.smtp_code} {_words(exc.smtp_error)}")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            # STARTTLS or AUTH not offered: the security setting does not fit this server
            return SendFailed(FailCode.NOT_SET_UP, str(exc) or "not supported by the server")
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [(c, _words(w)) for c, w in exc.recipients.values()]
            code, words = codes[0] if codes else (550, "recipient refused")
            return _by_code(code, words)
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return _by_code(exc.smtp_code, _words(exc.smtp_error))
        if isinstance(exc, smtplib.SMTPResponseException):  # DataError, HeloError, ConnectError…
            if isinstance(exc, smtplib.SMTPConnectError):
                return SendFailed(FailCode.NETWORK, f"{exc.smtp_code} {_words(exc.smtp_error)}")
            return _by_code(exc.smtp_code, _words(exc.smtp_error))
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return SendFailed(FailCode.NETWORK, str(exc) or "the server closed the connection")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return SendFailed(FailCode.NETWORK, f"certificate not trusted: {exc.verify_message}", retry=False)
        if isinstance(exc, ssl.SSLError):
            return SendFailed(FailCode.NETWORK, f"TLS: {exc.reason or exc}")
        if isinstance(exc, TimeoutError):
            return SendFailed(FailCode.NETWORK, _("no answer within {n} seconds").format(n=int(self.timeout)))
        if isinstance(exc, OSError):
            return SendFailed(FailCode.NETWORK, exc.strerror or str(exc) or type(exc).__name__)
        if isinstance(exc, UnicodeError):  # a non-ASCII address the server cannot take (no SMTPUTF8)
            return SendFailed(FailCode.REJECTED, str(exc))
        return SendFailed(FailCode.PROVIDER, f"{type(exc).__name__}: {exc}")
