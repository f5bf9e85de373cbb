"""One HTTPS POST for the SMS providers (stdlib ``urllib``): verified TLS, a 20 s timeout, and the
network's failures turned into ``SendFailed(NETWORK)``; and the reading every provider shares: its
JSON reply, a reply without the provider's verdict judged by its HTTP status, and any other
failure of a send turned into ``SendFailed(PROVIDER)``. Each provider keeps its own error codes."""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from desk_app.i18n import _
from desk_app.messages.channels.base import FailCode, SendFailed

TIMEOUT_S = 20.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
AUTH_STATUSES = (401, 403)  # the credentials were refused
BUSY_STATUSES = (429, 503)  # too many requests, or the service is down for now: try again later


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A provider's API never redirects; following one would carry the credentials elsewhere."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def endpoint_problem(url: str) -> str | None:
    """None when ``url`` may carry a provider's credentials, else why not (in words).

    Only https, except to this computer itself (the tests' servers, a local relay)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return _("{url} is not a web address.").format(url=url)
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host in LOOPBACK:
        return None
    return _("The provider's address must start with https:// (got {url}).").format(url=url)


def post(url: str, data: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT_S,
         context: ssl.SSLContext | None = None) -> Reply:
    """POST ``data``; the HTTP reply whatever its status, or SendFailed(NETWORK) when none came."""
    problem = endpoint_problem(url)
    if problem:
        raise SendFailed(FailCode.NOT_SET_UP, problem)
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    ctx = context or ssl.create_default_context()
    opener = urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=ctx))
    try:
        with opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
        except Exception:  # noqa: BLE001 - the error page could not be read: its status says enough
            body = b""
        return Reply(exc.code, body)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise SendFailed(FailCode.NETWORK, f"certificate not trusted: {reason.verify_message}",
                             retry=False) from None
        raise SendFailed(FailCode.NETWORK, str(reason)) from None
    except TimeoutError:
        raise SendFailed(FailCode.NETWORK, _("no answer within {n} seconds").format(n=int(timeout))) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise SendFailed(FailCode.NETWORK, str(exc) or type(exc).__name__) from None


def json_object(reply: Reply) -> dict[str, Any] | None:
    """The reply's JSON object, or None when its body is not one (a proxy's page, an empty body)."""
    try:
        data = json.loads(reply.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def by_status(status: int, detail: str, *, auth: bool = True) -> SendFailed:
    """A reply without the provider's verdict (not its JSON: a proxy's page) judged by its HTTP
    status: AUTH for 401/403 (unless ``auth`` is False: then PROVIDER), THROTTLED for 429/503,
    else PROVIDER."""
    text = f"HTTP {status}: {detail}"
    if auth and status in AUTH_STATUSES:
        return SendFailed(FailCode.AUTH, text)
    if status in BUSY_STATUSES:
        return SendFailed(FailCode.THROTTLED, text)
    return SendFailed(FailCode.PROVIDER, text)


@contextmanager
def failures_as_send_failed() -> Iterator[None]:
    """Around a provider's send: a SendFailed goes through, any other failure becomes one (PROVIDER)."""
    try:
        yield
    except SendFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is a SendFailed
        raise SendFailed(FailCode.PROVIDER, f"{type(exc).__name__}: {exc}") from None
