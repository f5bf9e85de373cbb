"""The words (and tones) the Messages screens show for kinds, states, channels and failures."""

from __future__ import annotations

from datetime import datetime

from desk_app.domain.messages import MessageChannel, MessageKind, MessageState
from desk_app.i18n import _, format_month_day, format_time, format_when

# a state is always a symbol and a word, coloured by its tone (never the colour alone)
STATE_TONE: dict[str, str] = {
    MessageState.QUEUED: "info",
    MessageState.SENDING: "info",
    MessageState.SENT: "ok",
    MessageState.FAILED: "bad",
    MessageState.UNKNOWN: "warn",
    MessageState.CANCELLED: "neutral",
}
STATE_SYMBOL: dict[str, str] = {
    MessageState.QUEUED: "◷",
    MessageState.SENDING: "↻",
    MessageState.SENT: "✓",
    MessageState.FAILED: "✕",
    MessageState.UNKNOWN: "?",
    MessageState.CANCELLED: "–",
}

LANGUAGES: tuple[tuple[str, str], ...] = (("zh_CN", "中文"), ("en", "English"))


def kind_label(kind: str) -> str:
    try:
        return MessageKind(kind).label
    except ValueError:
        return kind


def channel_label(channel: str) -> str:
    try:
        return MessageChannel(channel).label
    except ValueError:
        return channel


def state_cell(state: str) -> tuple[str, str]:
    """The state as a table cell: a symbol and a word, and the tone that colours it."""
    try:
        word = MessageState(state).label
    except ValueError:
        word = state
    return f"{STATE_SYMBOL.get(state, '•')} {word}", STATE_TONE.get(state, "neutral")


def fail_words(code: str, detail: str) -> str:
    """Why a send failed, in words: the app's words for the code, then the provider's own."""
    label = ""
    if code:
        try:
            from desk_app.messages.channels.base import FailCode

            label = _(FailCode(code).label)
        except (ImportError, ValueError):
            label = code
    if label and detail:
        return _("{reason}: {detail}").format(reason=label, detail=detail)
    return label or detail


def sent_line(kind: str, channel: str, at: datetime) -> str:
    """"Feedback request · Text message · Dec 3 14:02": one message already sent."""
    return " · ".join((kind_label(kind), channel_label(channel), short_when(at)))


def short_when(at: datetime) -> str:
    """Month and day in words and the time, in the shop's zone: "Dec 3 14:02" / "12月3日 14:02" (the
    year is this year's in these lists; was "Dec 3 14:02", beside "Dec 4, 2026" elsewhere)."""
    return format_month_day(at) + " " + format_time(at)


def when_text(at: datetime) -> str:
    return format_when(at)
