"""Aliyun (Alibaba Cloud) SMS: dysmsapi ``SendSms``, RPC style, API version 2017-05-25.

Signed as Aliyun documents for RPC APIs (signature version 1.0, HMAC-SHA1, "POP"): the parameters
without ``Signature`` sorted by name, each name and value percent-encoded per RFC 3986 (only
``A-Z a-z 0-9 - _ . ~`` stay literal, a space is ``%20``), joined with ``=`` and ``&``;
StringToSign = ``POST&%2F&`` + that string percent-encoded again; the signature is
Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). The request is a form POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from desk_app.i18n import _
from desk_app.messages.channels import _http
from desk_app.messages.channels.base import FailCode, Outgoing, SendFailed, Sent
from desk_app.messages.channels.phones import e164

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
VERSION = "2017-05-25"
REGION = "cn-hangzhou"
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

# Aliyun's error codes (dysmsapi's "error codes" page and the common ones of every RPC API)
_AUTH = {
    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "InvalidAccessKeyId",
    "SignatureDoesNotMatch", "IncompleteSignature", "InvalidTimeStamp.Expired", "Forbidden.RAM",
    "Forbidden", "isp.RAM_PERMISSION_DENY", "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL",
}
_THROTTLED = {
    "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL", "Throttling",
    "Throttling.User", "Throttling.Api", "ServiceUnavailable",
}
_REJECTED = {
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.INVALID_JSON_PARAM", "isv.INVALID_PARAMETERS",
    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL",
    "isv.SMS_CONTENT_ILLEGAL", "isv.EXTEND_CODE_ERROR", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.DENY_IP_RANGE", "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.SMS_TEST_NUMBER_LIMIT",
    "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT", "isv.SMS_OVER_LIMIT", "MissingParameter", "InvalidParameter",
}


def percent_encode(text: str) -> str:
    """RFC 3986 as Aliyun specifies: UTF-8 bytes, only A-Z a-z 0-9 - _ . ~ unencoded, hex in capitals."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in str(text).encode("utf-8"))


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def aliyun_number(to: str) -> str:
    """+8613812345678 -> 13812345678 (mainland numbers without +86, as Aliyun expects); any other
    country keeps its code without the +: +85291234567 -> 85291234567."""
    number = e164(to)
    return number[3:] if number.startswith("+86") else number[1:]


class AliyunSms:
    name = "sms"

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = "",
        *,
        timeout: float = _http.TIMEOUT_S,
    ) -> None:
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.sign_name = sign_name
        self.templates = dict(templates)
        self.endpoint = endpoint or ENDPOINT
        self.timeout = timeout

    def __repr__(self) -> str:  # never the secret
        return f"AliyunSms({self.access_key_id!r}, {self.endpoint})"

    def params(self, msg: Outgoing, *, nonce: str | None = None, now: datetime | None = None) -> dict[str, str]:
        """The request's parameters, Signature included."""
        template = self.templates.get(msg.kind, "").strip()
        if not template:
            raise SendFailed(
                FailCode.NOT_SET_UP,
                _("No approved Aliyun template is set for {kind} messages.").format(kind=msg.kind),
            )
        try:
            number = aliyun_number(msg.to)
        except ValueError as exc:
            raise SendFailed(FailCode.REJECTED, str(exc)) from None
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(msg.message_id),
            "PhoneNumbers": number,
            "RegionId": REGION,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "Timestamp": stamp,
            "Version": VERSION,
        }
        if msg.params:
            params["TemplateParam"] = json.dumps(dict(msg.params), ensure_ascii=False, separators=(",", ":"))
        params["Signature"] = signature(self._secret, "POST", params)
        return params

    def send(self, msg: Outgoing) -> Sent:
        if not (self.access_key_id and self._secret and self.sign_name):
            raise SendFailed(FailCode.NOT_SET_UP, _("The Aliyun account, secret or signature name is missing."))
        with _http.failures_as_send_failed():
            params = self.params(msg)
            body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
            reply = _http.post(
                self.endpoint,
                body.encode("ascii"),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                timeout=self.timeout,
            )
            return self._read(reply)

    def _read(self, reply: _http.Reply) -> Sent:
        data = _http.json_object(reply)
        if data is None:
            raise _http.by_status(reply.status, reply.text()[:120] or f"HTTP {reply.status}")
        code = str(data.get("Code", ""))
        words = str(data.get("Message", ""))
        if code == "OK":
            return Sent(provider_id=str(data.get("BizId", "")))
        if not code:
            raise _http.by_status(reply.status, reply.text()[:120])
        raise SendFailed(_code_of(code), f"{code}: {words}" if words else code)


def _code_of(code: str) -> FailCode:
    if code in _AUTH:
        return FailCode.AUTH
    if code in _THROTTLED:
        return FailCode.THROTTLED
    if code in _REJECTED or code.startswith(("isv.SMS_TEMPLATE", "isv.SMS_SIGN", "isv.TEMPLATE", "isv.MOBILE")):
        return FailCode.REJECTED
    return FailCode.PROVIDER  # isp.SYSTEM_ERROR, isv.AMOUNT_NOT_ENOUGH…: try again later
