"""The messages service: what the Messages screen, Settings and ``desk-app messages`` call
(docs/messages.md). Each public method is one person's action (one unit of work) or one read;
``run_due`` is the sender's pass.

INTERFACE FIRST (issue 19): the bodies are being written; the signatures are fixed.
"""

from __future__ import annotations

from datetime import date, datetime

from desk_app.db.engine import Clock, Database
from desk_app.domain.permissions import Actor
from desk_app.messages.views import (
    ChannelStatus,
    MessageCounts,
    MessageRow,
    MessageStats,
    Rendered,
    RunResult,
    SentBrief,
    TemplateView,
)
from desk_app.settings import SettingsStore


class MessageService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ the outbox (Perm.FOLLOWUP)
    def outbox(
        self,
        actor: Actor,
        *,
        state: str | None = None,  # a MessageState value; "failed" also lists "unknown"
        day: date | None = None,  # the shop's day the row was due or sent
        client_id: int | None = None,
        kind: str | None = None,
        limit: int = 500,
    ) -> list[MessageRow]:
        raise NotImplementedError

    def counts(self, actor: Actor, day: date | None = None) -> MessageCounts:
        raise NotImplementedError

    def resend(self, actor: Actor, message_id: int) -> MessageRow:
        """Queue the same message again, due now (a new row, ``resend_of_id`` set); audited."""
        raise NotImplementedError

    def cancel(self, actor: Actor, message_id: int) -> MessageRow:
        """A queued message is not sent; audited."""
        raise NotImplementedError

    def sent_to_clients(self, client_ids: list[int]) -> dict[int, list[SentBrief]]:
        """What was sent to each client in the last 30 days (the follow-up call list shows it)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ templates (Perm.SETTINGS to change)
    def templates(self, actor: Actor) -> list[TemplateView]:
        raise NotImplementedError

    def save_template(self, actor: Actor, kind: str, language: str, subject: str, body: str) -> TemplateView:
        """Unknown {placeholders} or an empty body are refused with a clear message; audited."""
        raise NotImplementedError

    def reset_template(self, actor: Actor, kind: str, language: str) -> TemplateView:
        raise NotImplementedError

    def preview(
        self, actor: Actor, kind: str, language: str, subject: str, body: str, client_id: int | None = None
    ) -> Rendered:
        """The text as a client would get it: sample values, or the client's own when given."""
        raise NotImplementedError

    # ------------------------------------------------------------------ channels (Perm.SETTINGS)
    def channels(self, actor: Actor) -> list[ChannelStatus]:
        raise NotImplementedError

    def test_send(self, actor: Actor, channel: str, to: str) -> str:
        """Send one test message now (not through the outbox); the provider's id, or ServiceError in words."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the sender
    def run_due(self, now: datetime | None = None, *, limit: int = 50, worker: str = "") -> RunResult:
        """Plan what is due (birthdays, rebook nudges, balances, expiries), then send the due rows:
        claim, render, send, record; retry with back-off; never in quiet hours; never without consent."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the report
    def stats(self, day_from: date, day_to: date, branch_id: int | None = None) -> MessageStats:
        raise NotImplementedError
