"""What every channel speaks: the message to send, the receipt, and why a send failed.

The sender (``desk_app.messages.sender``) calls ``Channel.send`` for one outbox row and stores
``Sent.provider_id`` or the ``SendFailed`` code, its words and whether to try again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from desk_app.i18n import N_

DETAIL_MAX = 300  # the provider's words kept in the outbox row


class FailCode(StrEnum):
    """Why a send failed; stored in the outbox row, shown through ``.label``."""

    NETWORK = "network"  # could not reach the server / timeout -> retry
    AUTH = "auth"  # login or signature refused -> no retry
    REJECTED = "rejected"  # the provider refused this message (number, address, template, content) -> no retry
    THROTTLED = "throttled"  # rate limit / quota / temporary 4xx/5xx -> retry
    NOT_SET_UP = "not_set_up"  # the channel is not configured or its secret is missing -> no retry
    PROVIDER = "provider"  # any other provider error -> retry

    @property
    def label(self) -> str:
        """The words for this code, marked with N_(): translate with _() where shown."""
        return _LABELS[self]

    @property
    def retry(self) -> bool:
        """Whether a message that failed so is tried again later, unless the channel says otherwise."""
        return self in _RETRY


_LABELS: dict[FailCode, str] = {
    FailCode.NETWORK: N_("Could not reach the server"),
    FailCode.AUTH: N_("The account or password was refused"),
    FailCode.REJECTED: N_("The provider refused this message"),
    FailCode.THROTTLED: N_("Too many messages for now; will try again"),
    FailCode.NOT_SET_UP: N_("This channel is not set up"),
    FailCode.PROVIDER: N_("The provider had a problem; will try again"),
}
_RETRY = frozenset({FailCode.NETWORK, FailCode.THROTTLED, FailCode.PROVIDER})


@dataclass(frozen=True)
class Outgoing:
    message_id: int  # the outbox row's id: an idempotency key / OutId / part of the Message-ID
    to: str  # an email address, or an E.164 phone number (+8613812345678)
    subject: str  # email only ("" for SMS)
    body: str  # the rendered text in the client's language
    kind: str  # confirmation|reminder|feedback|rebook|birthday|no_show|balance_low|package_expiring
    language: str  # "zh_CN" | "en"
    params: Mapping[str, str]  # placeholder name -> value (Aliyun/Tencent fill their approved template)


@dataclass(frozen=True)
class Sent:
    provider_id: str  # SMTP: our Message-ID; Twilio: sid; Aliyun: BizId; Tencent: SerialNo


class SendFailed(Exception):
    """A send that did not go through. ``detail`` is the provider's own words, short, never a secret."""

    def __init__(self, code: FailCode, detail: str, *, retry: bool | None = None) -> None:
        detail = " ".join(str(detail).split())
        if len(detail) > DETAIL_MAX:
            detail = detail[: DETAIL_MAX - 1] + "…"
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail
        self.retry = code.retry if retry is None else retry


class Channel(Protocol):
    name: str  # "email" | "sms"

    def send(self, msg: Outgoing) -> Sent:
        """Send one message; raises SendFailed, never any other exception."""
        ...
