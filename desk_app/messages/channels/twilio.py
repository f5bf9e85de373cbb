"""Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP
Basic auth (Account SID : Auth Token) and the form fields To, From (or MessagingServiceSid) and Body."""

from __future__ import annotations

import base64
import urllib.parse

from desk_app.i18n import _
from desk_app.messages.channels import _http
from desk_app.messages.channels.base import FailCode, Outgoing, SendFailed, Sent
from desk_app.messages.channels.phones import e164

ENDPOINT = "https://api.twilio.com"

# Twilio's error codes that mean "not this message" (a 400 with any other code is refused too)
_REJECTED = {
    21211: "invalid 'To' number",
    21614: "'To' is not a mobile number",
    21610: "the recipient replied STOP",
    21408: "sending to this region is not enabled",
    21612: "this number cannot be reached from the sender",
}
_NOT_SET_UP = {21212, 21606, 21659, 21703, 21704, 20404}  # the From number or service is not the account's


class TwilioSms:
    name = "sms"

    def __init__(self, account_sid: str, auth_token: str, sender: str, endpoint: str = "", *,
                 timeout: float = _http.TIMEOUT_S) -> None:
        self.account_sid = account_sid
        self._token = auth_token
        self.sender = sender
        self.endpoint = (endpoint or ENDPOINT).rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"TwilioSms({self.account_sid!r}, from {self.sender}, {self.endpoint})"

    def url(self) -> str:
        return f"{self.endpoint}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid, safe='')}/Messages.json"

    def form(self, msg: Outgoing) -> dict[str, str]:
        try:
            to = e164(msg.to)
        except ValueError as exc:
            raise SendFailed(FailCode.REJECTED, str(exc)) from None
        sender = "MessagingServiceSid" if self.sender.startswith("MG") else "From"
        return {"To": to, sender: self.sender, "Body": msg.body}

    def send(self, msg: Outgoing) -> Sent:
        if not (self.account_sid and self._token and self.sender):
            raise SendFailed(FailCode.NOT_SET_UP, _("The Twilio Account SID, Auth Token or sender is missing."))
        with _http.failures_as_send_failed():
            data = urllib.parse.urlencode(self.form(msg)).encode("ascii")
            basic = base64.b64encode(f"{self.account_sid}:{self._token}".encode()).decode("ascii")
            headers = {
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            }
            reply = _http.post(self.url(), data, headers, timeout=self.timeout)
            return self._read(reply)

    def _read(self, reply: _http.Reply) -> Sent:
        data = _http.json_object(reply) or {}
        if reply.status in (200, 201) and data.get("sid"):
            return Sent(provider_id=str(data["sid"]))
        code = data.get("code")
        words = str(data.get("message") or reply.text()[:120])
        detail = f"HTTP {reply.status} {code}: {words}" if code else f"HTTP {reply.status}: {words}"
        if reply.status in _http.AUTH_STATUSES:
            raise SendFailed(FailCode.AUTH, detail)
        if reply.status in _http.BUSY_STATUSES or code == 20429:
            raise SendFailed(FailCode.THROTTLED, detail)
        if isinstance(code, int) and code in _REJECTED:
            raise SendFailed(FailCode.REJECTED, detail)
        if isinstance(code, int) and code in _NOT_SET_UP or reply.status == 404:
            raise SendFailed(FailCode.NOT_SET_UP, detail)
        if 400 <= reply.status < 500:
            raise SendFailed(FailCode.REJECTED, detail)
        raise SendFailed(FailCode.PROVIDER, detail)
