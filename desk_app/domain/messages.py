"""What messages the shop sends to its clients, and the states of one in the outbox
(docs/messages.md). The values are what the database stores."""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class MessageKind(StrEnum):
    CONFIRMATION = "confirmation"  # a booking was made
    REMINDER = "reminder"  # N hours before the booking
    FEEDBACK = "feedback"  # after the paid visit, within the 24 h standard
    REBOOK = "rebook"  # the service's return interval passed without a booking
    BIRTHDAY = "birthday"
    NO_SHOW = "no_show"  # the client missed a booking
    BALANCE_LOW = "balance_low"  # a prepaid balance fell below the shop's line
    PACKAGE_EXPIRING = "package_expiring"  # a package or a prepaid balance is about to expire
    CAMPAIGN = "campaign"  # the owner's one-off message to a client list (docs/messages.md, "To a client list")

    @property
    def label(self) -> str:
        return _(KIND_LABELS[self])

    @property
    def marketing(self) -> bool:
        """Sent only to clients who also agreed to marketing (docs/messages.md, "Consent")."""
        return self in MARKETING_KINDS

    @property
    def on_request(self) -> bool:
        """Sent only when the owner sends it (not by a booking or the planner): not one of the
        kinds the shop switches on or off in ``messages.kinds``."""
        return self in ON_REQUEST_KINDS


KIND_LABELS: dict[MessageKind, str] = {
    MessageKind.CONFIRMATION: N_("Booking confirmation"),
    MessageKind.REMINDER: N_("Appointment reminder"),
    MessageKind.FEEDBACK: N_("Feedback request"),
    MessageKind.REBOOK: N_("Time to rebook"),
    MessageKind.BIRTHDAY: N_("Birthday greeting"),
    MessageKind.NO_SHOW: N_("Missed appointment"),
    MessageKind.BALANCE_LOW: N_("Prepaid balance low"),
    MessageKind.PACKAGE_EXPIRING: N_("Package or balance expiring"),
    MessageKind.CAMPAIGN: N_("Message to a client list"),
}

MARKETING_KINDS = frozenset({MessageKind.REBOOK, MessageKind.BIRTHDAY, MessageKind.CAMPAIGN})
ON_REQUEST_KINDS = frozenset({MessageKind.CAMPAIGN})
# the kinds the shop sends by itself, each switched on or off in the setting messages.kinds
AUTOMATIC_KINDS = tuple(k for k in MessageKind if k not in ON_REQUEST_KINDS)


class MessageState(StrEnum):
    QUEUED = "queued"  # waiting for its due time (or for quiet hours to end, or a retry)
    SENDING = "sending"  # a sender claimed it and is talking to the provider
    SENT = "sent"  # the provider accepted it
    FAILED = "failed"  # given up: a permanent error, or too many attempts
    CANCELLED = "cancelled"  # no longer wanted: the booking was cancelled, consent withdrawn, staff cancelled it
    UNKNOWN = "unknown"  # a sender stopped while sending: it may have gone; never sent again by itself

    @property
    def label(self) -> str:
        return _(STATE_LABELS[self])


STATE_LABELS: dict[MessageState, str] = {
    MessageState.QUEUED: N_("Queued"),
    MessageState.SENDING: N_("Sending"),
    MessageState.SENT: N_("Sent"),
    MessageState.FAILED: N_("Failed"),
    MessageState.CANCELLED: N_("Cancelled"),
    MessageState.UNKNOWN: N_("Unsure if sent"),
}


class MessageChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"

    @property
    def label(self) -> str:
        return _(MESSAGE_CHANNEL_LABELS[self])


MESSAGE_CHANNEL_LABELS: dict[MessageChannel, str] = {
    MessageChannel.EMAIL: N_("Email"),
    MessageChannel.SMS: N_("Text message"),
}
