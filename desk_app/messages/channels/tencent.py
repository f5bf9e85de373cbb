"""Tencent Cloud SMS: ``SendSms``, API version 2021-01-11, signed with TC3-HMAC-SHA256.

The signature as Tencent Cloud documents it ("Signature v3"):
1. CanonicalRequest = ``POST\\n/\\n\\n`` + the signed headers, each ``name:value\\n`` with name and
   value in lower case and trimmed, sorted + ``\\n`` + their names joined with ``;`` + ``\\n`` + hex(SHA256(body));
2. StringToSign = ``TC3-HMAC-SHA256\\n{timestamp}\\n{date}/sms/tc3_request\\n`` + hex(SHA256(CanonicalRequest)),
   ``date`` the UTC day of the timestamp;
3. the key: HMAC-SHA256 of the date with ``"TC3" + SecretKey``, then of ``sms``, then of ``tc3_request``;
   Signature = hex(HMAC-SHA256(that key, StringToSign));
4. ``Authorization: TC3-HMAC-SHA256 Credential={SecretId}/{scope}, SignedHeaders=…, Signature=…``,
   with the X-TC-Action / X-TC-Version / X-TC-Timestamp / X-TC-Region headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime

from desk_app.i18n import _
from desk_app.messages.channels import _http
from desk_app.messages.channels.base import FailCode, Outgoing, SendFailed, Sent
from desk_app.messages.channels.phones import e164

ENDPOINT = "https://sms.tencentcloudapi.com/"
SERVICE = "sms"
VERSION = "2021-01-11"
REGION = "ap-guangzhou"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(method: str, headers: Mapping[str, str], payload: bytes) -> tuple[str, str]:
    """(CanonicalRequest, SignedHeaders) for a request to ``/`` with no query string."""
    lowered = sorted((k.strip().lower(), str(v).strip().lower()) for k, v in headers.items())
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in lowered)
    signed = ";".join(k for k, _v in lowered)
    text = "\n".join([method, "/", "", canonical_headers, signed, hashlib.sha256(payload).hexdigest()])
    return text, signed


def authorization(secret_id: str, secret_key: str, service: str, timestamp: int,
                  headers: Mapping[str, str], payload: bytes, method: str = "POST") -> str:
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{day}/{service}/tc3_request"
    request, signed = canonical_request(method, headers, payload)
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(request.encode("utf-8")).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    sig = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={sig}"


def split_template(value: str) -> tuple[str, list[str]]:
    """``"1234567"`` or ``"1234567:name,time"``: the template id, and the parameters' names in the
    order of the template's {1}, {2}… (Tencent fills them by position)."""
    template, _colon, names = value.partition(":")
    return template.strip(), [n.strip() for n in names.split(",") if n.strip()]


# Tencent Cloud's error codes: the common ones and SendSms's own (per request or per number)
def _code_of(code: str) -> FailCode:
    if code.startswith("AuthFailure") or code in (
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "UnauthorizedOperation.RequestPermissionDeny",
        "UnauthorizedOperation.RequestIpNotInWhitelist", "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny",
    ):
        return FailCode.AUTH
    if code.startswith(("LimitExceeded", "RequestLimitExceeded")) or code in ("ResourceUnavailable", "InternalError.Timeout"):
        return FailCode.THROTTLED
    if code in ("FailedOperation.InsufficientBalanceInSmsPackage", "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"):
        return FailCode.PROVIDER
    if code.startswith(("InvalidParameter", "FailedOperation", "MissingParameter", "UnsupportedOperation")):
        return FailCode.REJECTED
    return FailCode.PROVIDER


class TencentSms:
    name = "sms"

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        templates: Mapping[str, str],
        region: str = "",
        endpoint: str = "",
        *,
        timeout: float = _http.TIMEOUT_S,
    ) -> None:
        self.secret_id = secret_id
        self._secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.templates = dict(templates)
        self.region = region or REGION
        self.endpoint = endpoint or ENDPOINT
        self.timeout = timeout

    def __repr__(self) -> str:  # never the secret
        return f"TencentSms({self.secret_id!r}, app {self.sdk_app_id}, {self.endpoint})"

    def payload(self, msg: Outgoing) -> bytes:
        template, names = split_template(self.templates.get(msg.kind, ""))
        if not template:
            raise SendFailed(
                FailCode.NOT_SET_UP,
                _("No approved Tencent Cloud template is set for {kind} messages.").format(kind=msg.kind),
            )
        try:
            number = e164(msg.to)
        except ValueError as exc:
            raise SendFailed(FailCode.REJECTED, str(exc)) from None
        if names:
            missing = [n for n in names if n not in msg.params]
            if missing:
                raise SendFailed(FailCode.REJECTED, f"template {template} needs {', '.join(missing)}")
            values = [str(msg.params[n]) for n in names]
        else:
            values = [str(v) for v in msg.params.values()]
        body: dict[str, object] = {
            "PhoneNumberSet": [number],
            "SmsSdkAppId": self.sdk_app_id,
            "TemplateId": template,
            "TemplateParamSet": values,
            "SessionContext": str(msg.message_id),
        }
        if self.sign_name:
            body["SignName"] = self.sign_name
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def headers(self, payload: bytes, timestamp: int) -> dict[str, str]:
        host = urllib.parse.urlsplit(self.endpoint).netloc
        signed = {"Content-Type": CONTENT_TYPE, "Host": host, "X-TC-Action": "SendSms"}
        auth = authorization(self.secret_id, self._secret_key, SERVICE, timestamp,
                             {k.lower(): v for k, v in signed.items()}, payload)
        return {
            **signed,
            "Authorization": auth,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.region,
            "X-TC-Language": "en-US",
        }

    def send(self, msg: Outgoing) -> Sent:
        if not (self.secret_id and self._secret_key and self.sdk_app_id):
            raise SendFailed(FailCode.NOT_SET_UP, _("The Tencent Cloud SecretId, SecretKey or SMS app ID is missing."))
        with _http.failures_as_send_failed():
            payload = self.payload(msg)
            reply = _http.post(self.endpoint, payload, self.headers(payload, int(time.time())), timeout=self.timeout)
            return self._read(reply)

    def _read(self, reply: _http.Reply) -> Sent:
        data = _http.json_object(reply)
        if data is None or "Response" not in data:
            # kept as it was: a 401/403 page that is not Tencent's JSON counts as PROVIDER, not AUTH
            raise _http.by_status(reply.status, reply.text()[:120], auth=False)
        response = data["Response"]
        error = response.get("Error")
        if isinstance(error, dict):
            err = str(error.get("Code", ""))
            raise SendFailed(_code_of(err), f"{err}: {error.get('Message', '')}")
        statuses = response.get("SendStatusSet") or []
        if not statuses or not isinstance(statuses[0], dict):
            raise SendFailed(FailCode.PROVIDER, f"no send status in the reply ({response.get('RequestId', '')})")
        status = statuses[0]
        code = str(status.get("Code", ""))
        if code.lower() == "ok":
            return Sent(provider_id=str(status.get("SerialNo", "")))
        raise SendFailed(_code_of(code), f"{code}: {status.get('Message', '')}")
