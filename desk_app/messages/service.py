"""The messages service: what the Messages screen, Settings and ``desk-app messages`` call
(docs/messages.md). Each public method is one person's action (one unit of work) or one read;
``run_due`` is the sender's pass.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from desk_app.core.service import NotFound, ServiceError, audit, require, run_with_retry, shop_row, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Branch, Client, Feedback, MessageTemplate, OutboxMessage
from desk_app.domain.messages import MessageChannel, MessageKind, MessageState
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.i18n import Fmt, _
from desk_app.messages import outbox
from desk_app.messages import templates as tpl
from desk_app.messages.channels.base import Channel
from desk_app.messages.channels.secrets import Secrets
from desk_app.messages.planner import anything_new, plan
from desk_app.messages.sender import quiet_until, send_due
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
from desk_app.settings import S, SettingsStore


class MessageService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock
        self.secrets: Secrets | None = None  # None: the OS password store, then the environment

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
        known = require(self.db.uow, actor, Perm.FOLLOWUP)
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = select(OutboxMessage).order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
            if state:
                states = [state, MessageState.UNKNOWN.value] if state == MessageState.FAILED.value else [state]
                q = q.where(OutboxMessage.state.in_(states))
            if day is not None:
                lo, hi = _day_bounds(day, shop_tz(s))
                q = q.where(
                    or_(
                        (OutboxMessage.sent_at >= lo) & (OutboxMessage.sent_at < hi),
                        OutboxMessage.sent_at.is_(None) & (OutboxMessage.due_at >= lo) & (OutboxMessage.due_at < hi),
                    )
                )
            if client_id is not None:
                q = q.where(OutboxMessage.client_id == client_id)
            if kind:
                q = q.where(OutboxMessage.kind == kind)
            rows = list(s.scalars(q.limit(max(1, min(int(limit), 5000)))))
            return _rows(s, rows, known.can(Perm.SEE_PHONE))

    def counts(self, actor: Actor, day: date | None = None) -> MessageCounts:
        require(self.db.uow, actor, Perm.FOLLOWUP)
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            if day is not None:
                lo, hi = _day_bounds(day, shop_tz(s))
                q = q.where(
                    or_(
                        (OutboxMessage.sent_at >= lo) & (OutboxMessage.sent_at < hi),
                        OutboxMessage.sent_at.is_(None) & (OutboxMessage.due_at >= lo) & (OutboxMessage.due_at < hi),
                    )
                )
            by = {st: int(n) for st, n in s.execute(q)}
        return MessageCounts(
            queued=by.get("queued", 0) + by.get("sending", 0),
            sent=by.get("sent", 0),
            failed=by.get("failed", 0) + by.get("unknown", 0),
            cancelled=by.get("cancelled", 0),
        )

    def resend(self, actor: Actor, message_id: int) -> MessageRow:
        """Queue the same message again (a new row, ``resend_of_id`` set); audited. It is due now,
        or when the shop's quiet hours end (the sender would hold it until then anyway: the row
        says so, and the screen tells the person when it goes)."""
        known = require(self.db.uow, actor, Perm.FOLLOWUP)
        now = self.clock()
        start, end = self.settings.get(S.MESSAGES_QUIET_START_HOUR), self.settings.get(S.MESSAGES_QUIET_END_HOUR)
        with self.db.uow() as uow:
            s = uow.session
            old = s.get(OutboxMessage, message_id)
            if old is None:
                raise NotFound(_("That message is no longer in the outbox."))
            if old.state in (MessageState.QUEUED, MessageState.SENDING):
                raise ServiceError(_("This message has not been sent yet; there is nothing to resend."))
            client = s.get(Client, old.client_id)
            if client is None or client.gone:
                raise ServiceError(_("The client's data was erased; nothing can be sent to them."))
            if not outbox.consents_to(client, old.channel) or not outbox.address_of(client, old.channel):
                raise ServiceError(
                    _("The client does not agree to messages by {channel}, or has no address for it.").format(
                        channel=MessageChannel(old.channel).label
                    )
                )
            n = 1 + int(s.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.dedupe_key.like(old.dedupe_key.split(":resend:")[0] + ":resend:%")))
                        or 0)
            base = old.dedupe_key.split(":resend:")[0]
            due = quiet_until(now, shop_tz(s), start, end) or now
            row = OutboxMessage(
                client_id=old.client_id, branch_id=old.branch_id, kind=old.kind, channel=old.channel,
                language=old.language, ref_kind=old.ref_kind, ref_id=old.ref_id,
                dedupe_key=f"{base}:resend:{n}"[:160], planned_at=now, due_at=due,
                state=MessageState.QUEUED.value, attempts=0, last_error_code="", last_error="", provider_id="",
                to_address="", subject="", body="", claimed_by="", resend_of_id=old.id,
                created_by_id=known.staff_id,
            )
            s.add(row)
            s.flush()
            audit(s, known, "resend", "message", row.id, at=now,
                  after={"resend_of": old.id, "kind": old.kind, "channel": old.channel, "client_id": old.client_id})
            view = _rows(s, [row], known.can(Perm.SEE_PHONE))[0]
            uow.commit()
            return view

    def cancel(self, actor: Actor, message_id: int) -> MessageRow:
        """A queued message is not sent; audited."""
        known = require(self.db.uow, actor, Perm.FOLLOWUP)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            res = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.state == MessageState.QUEUED.value)
                .values(state=MessageState.CANCELLED.value, last_error=outbox.WHY_STAFF, last_error_code="")
                .execution_options(synchronize_session=False)
            )
            row = s.get(OutboxMessage, message_id)
            if row is None:
                raise NotFound(_("That message is no longer in the outbox."))
            if int(getattr(res, "rowcount", 0) or 0) != 1:
                raise ServiceError(
                    _("Only a queued message can be cancelled; this one is {state}.").format(
                        state=MessageState(row.state).label
                    )
                )
            s.refresh(row)
            audit(s, known, "cancel", "message", row.id, at=now, after={"kind": row.kind, "client_id": row.client_id})
            view = _rows(s, [row], known.can(Perm.SEE_PHONE))[0]
            uow.commit()
            return view

    def sent_to_clients(self, client_ids: list[int]) -> dict[int, list[SentBrief]]:
        """What was sent to each client in the last 30 days (the follow-up call list shows it)."""
        out: dict[int, list[SentBrief]] = {}
        ids = sorted({int(c) for c in client_ids})
        if not ids:
            return out
        since = self.clock() - timedelta(days=30)
        with self.db.uow(write=False) as uow:
            for i in range(0, len(ids), 500):
                for cid, kind, channel, at in uow.session.execute(
                    select(OutboxMessage.client_id, OutboxMessage.kind, OutboxMessage.channel, OutboxMessage.sent_at)
                    .where(
                        OutboxMessage.client_id.in_(ids[i : i + 500]),
                        OutboxMessage.state == MessageState.SENT.value,
                        OutboxMessage.sent_at >= since,
                    )
                    .order_by(OutboxMessage.sent_at.desc())
                ):
                    if at is not None:
                        out.setdefault(int(cid), []).append(SentBrief(kind, channel, at))
        return out

    # ------------------------------------------------------------------ templates (Perm.SETTINGS to change)
    def templates(self, actor: Actor) -> list[TemplateView]:
        require(self.db.uow, actor, Perm.SETTINGS)
        with self.db.uow(write=False) as uow:
            return [
                _template_view(uow.session, kind.value, lang)
                for kind in MessageKind
                for lang in tpl.LANGUAGES
            ]

    def save_template(self, actor: Actor, kind: str, language: str, subject: str, body: str) -> TemplateView:
        """Unknown {placeholders} or an empty body are refused with a clear message; audited."""
        known = require(self.db.uow, actor, Perm.SETTINGS)
        tpl.kind_of(kind)
        tpl.language_of(language)
        subject, body = (subject or "").strip(), (body or "").strip()
        tpl.validate(kind, subject, body)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            row = _template_row(s, kind, language)
            before = {"subject": row.subject, "body": row.body} if row is not None else None
            if row is None:
                row = MessageTemplate(kind=kind, language=language)
                s.add(row)
            row.subject, row.body, row.updated_at, row.updated_by_id = subject, body, now, known.staff_id
            s.flush()
            audit(s, known, "template", "message_template", f"{kind}/{language}", before=before,
                  after={"subject": subject, "body": body}, at=now)
            view = _template_view(s, kind, language)
            uow.commit()
            return view

    def reset_template(self, actor: Actor, kind: str, language: str) -> TemplateView:
        known = require(self.db.uow, actor, Perm.SETTINGS)
        tpl.kind_of(kind)
        tpl.language_of(language)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            row = _template_row(s, kind, language)
            if row is not None:
                audit(s, known, "template_reset", "message_template", f"{kind}/{language}",
                      before={"subject": row.subject, "body": row.body}, at=now)
                s.delete(row)
                s.flush()
            view = _template_view(s, kind, language)
            uow.commit()
            return view

    def preview(
        self, actor: Actor, kind: str, language: str, subject: str, body: str, client_id: int | None = None
    ) -> Rendered:
        """The text as a client would get it: sample values, or the client's own when given."""
        require(self.db.uow, actor, Perm.SETTINGS)
        tpl.kind_of(kind)
        tpl.language_of(language)
        now = self.clock()
        with self.db.uow(write=False) as uow:
            s = uow.session
            shop = shop_row(s)
            fmt = Fmt.for_shop(language, shop.timezone, shop.currency)
            values = tpl.sample_values(kind, language, now)
            values["shop_name"] = shop.name
            if shop.phone:
                values["shop_phone"] = shop.phone
            if client_id is not None:
                client = s.get(Client, client_id)
                if client is None or client.gone:
                    raise NotFound(_("That client no longer exists."))
                values["client_name"] = client.name
            allowed = tpl.PLACEHOLDERS[MessageKind(kind)]
            values = {k: v for k, v in values.items() if k in allowed}
            return tpl.render(kind, language, subject, body, values, fmt)

    # ------------------------------------------------------------------ channels (Perm.SETTINGS)
    def channels(self, actor: Actor) -> list[ChannelStatus]:
        require(self.db.uow, actor, Perm.SETTINGS)
        from desk_app.messages.channels import channel_ready

        self.settings.refresh()
        ready = channel_ready(self.settings, self.secrets)
        provider = {"email": "smtp" if self.settings.get(S.MESSAGES_EMAIL_HOST).strip() else "",
                    "sms": self.settings.get(S.MESSAGES_SMS_PROVIDER)}
        return [ChannelStatus(ch, provider[ch], ready[ch] is None, ready[ch] or "") for ch in ("email", "sms")]

    def secret_saved(self, actor: Actor) -> dict[str, bool]:
        """Whether each channel's secret ("smtp", "sms") is kept (never the secret itself)."""
        require(self.db.uow, actor, Perm.SETTINGS)
        from desk_app.messages.channels.secrets import SMS, SMTP, Secrets

        secrets = self.secrets or Secrets()
        return {name: bool(secrets.get(name)) for name in (SMTP, SMS)}

    def set_secret(self, actor: Actor, name: str, value: str | None) -> None:
        """Keep (or with ``None``/"" remove) a channel's secret in this computer's password store;
        the owner's, audited (that it changed, never the value)."""
        known = require(self.db.uow, actor, Perm.SETTINGS)
        from desk_app.messages.channels.secrets import ENV, NoPasswordStore, Secrets

        if name not in ENV:
            raise ServiceError(_("Choose the mail server's password or the text message provider's secret."))
        secrets = self.secrets or Secrets()
        try:
            if value:
                secrets.set(name, value)
            else:
                secrets.delete(name)
        except NoPasswordStore as exc:
            raise ServiceError(str(exc)) from None
        with self.db.uow() as uow:
            audit(uow.session, known, "update" if value else "delete", "message_secret", name,
                  after={"secret": name, "kept": bool(value)}, at=self.clock())
            uow.commit()

    def test_send(self, actor: Actor, channel: str, to: str) -> str:
        """Send one test message now (not through the outbox); the provider's id, or ServiceError in words."""
        known = require(self.db.uow, actor, Perm.SETTINGS)
        from desk_app.messages.channels import FailCode, Outgoing, SendFailed, build_channels, channel_ready

        if channel not in ("email", "sms"):
            raise ServiceError(_("Choose email or text message."))
        to = (to or "").strip()
        if not to:
            raise ServiceError(_("Enter where to send the test: an email address or a phone number."), "to")
        self.settings.refresh()
        why = channel_ready(self.settings, self.secrets)[channel]
        if why:
            raise ServiceError(why)
        ch = build_channels(self.settings, self.secrets).get(channel)
        if ch is None:
            raise ServiceError(_(FailCode.NOT_SET_UP.label))
        with self.db.uow(write=False) as uow:
            shop = shop_row(uow.session)
            language = tpl.message_language(None, shop)
            shop_name = shop.name
        zh = language == "zh_CN"
        body = (f"{shop_name}：这是一条测试消息，收到即表示设置成功。" if zh
                else f"{shop_name}: this is a test message; if you can read it, messages are set up.")
        subject = "测试消息" if zh else "Test message"
        try:
            sent = ch.send(Outgoing(0, to, subject, body, "test", language, {"shop_name": shop_name}))
        except SendFailed as exc:
            raise ServiceError(
                _("The test was not sent: {reason} ({detail})").format(reason=_(exc.code.label), detail=exc.detail)
            ) from None
        with self.db.uow() as uow:
            audit(uow.session, known, "test_send", "message_channel", channel, at=self.clock(),
                  after={"provider_id": sent.provider_id})
            uow.commit()
        return sent.provider_id

    # ------------------------------------------------------------------ the sender
    def run_due(
        self,
        now: datetime | None = None,
        *,
        limit: int = 50,
        worker: str = "",
        channels: Mapping[str, Channel] | None = None,
        plan_first: bool = True,
    ) -> RunResult:
        """Plan what is due (birthdays, rebook nudges, balances, expiries), then send the due rows:
        claim, render, send, record; retry with back-off; never in quiet hours; never without consent.
        ``channels``: the channels to send through (default: those the owner set up)."""
        now = now or self.clock()
        self.settings.refresh()  # another desk may have changed the settings
        why_not: dict[str, str | None] = {}
        if channels is None:
            from desk_app.messages.channels import build_channels, channel_ready

            channels = build_channels(self.settings, self.secrets)
            why_not = {k: v for k, v in channel_ready(self.settings, self.secrets).items() if k not in channels}
        planned = 0
        if plan_first and self._anything_to_plan(now):
            def attempt() -> int:
                with self.db.uow() as uow:
                    n = plan(uow.session, now, self.settings)
                    uow.commit()
                    return n

            planned = run_with_retry(attempt)
        worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # one per pass
        return send_due(self.db.uow, self.settings, channels, now, limit=limit, worker=worker, planned=planned,
                        why_not=why_not)

    def _anything_to_plan(self, now: datetime) -> bool:
        with self.db.uow(write=False) as uow:
            return anything_new(uow.session, now, self.settings)

    # ------------------------------------------------------------------ the report
    def stats(self, day_from: date, day_to: date, branch_id: int | None = None) -> MessageStats:
        from desk_app.messages.stats import message_stats  # type: ignore[import-not-found,unused-ignore]

        with self.db.uow(write=False) as uow:
            tz = shop_tz(uow.session)
            result: MessageStats = message_stats(uow.session, day_from, day_to, tz, branch_id)
            return result


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    lo = datetime.combine(day, time(0), tzinfo=tz)
    return lo, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def _template_row(s: Session, kind: str, language: str) -> MessageTemplate | None:
    return s.execute(
        select(MessageTemplate).where(MessageTemplate.kind == kind, MessageTemplate.language == language)
    ).scalar_one_or_none()


def _template_view(s: Session, kind: str, language: str) -> TemplateView:
    w, is_default = tpl.wording(s, kind, language)
    return TemplateView(kind, language, w.subject, w.body, is_default, tpl.PLACEHOLDERS[MessageKind(kind)])


def _rows(s: Session, rows: list[OutboxMessage], show_phone: bool) -> list[MessageRow]:
    if not rows:
        return []
    clients = {c.id: c for c in s.scalars(select(Client).where(Client.id.in_({r.client_id for r in rows})))}
    branches = {b.id: b.code for b in s.scalars(select(Branch).where(
        Branch.id.in_({r.branch_id for r in rows if r.branch_id is not None})))}
    feedback_visits = [r.ref_id for r in rows if r.kind == MessageKind.FEEDBACK and r.ref_kind == "visit"
                       and r.state == MessageState.SENT and r.ref_id is not None]
    answered: dict[int, datetime] = {}
    if feedback_visits:
        for vid, at in s.execute(select(Feedback.visit_id, func.max(Feedback.at))
                                 .where(Feedback.visit_id.in_(feedback_visits)).group_by(Feedback.visit_id)):
            if vid is not None:
                answered[int(vid)] = at
    out = []
    for r in rows:
        c = clients.get(r.client_id)
        to = r.to_address
        if to and r.channel == MessageChannel.SMS and not show_phone:
            to = mask_phone(to)
        can_answer = (
            r.kind == MessageKind.FEEDBACK and r.state == MessageState.SENT and r.ref_id is not None
            and r.sent_at is not None and not (r.ref_id in answered and answered[r.ref_id] >= r.sent_at)
        )
        out.append(
            MessageRow(
                id=r.id, client_id=r.client_id,
                client_name=(c.name if c is not None and not c.gone else _("(erased)")),
                client_number=c.client_number if c is not None else "",
                kind=r.kind, channel=r.channel, language=r.language, state=r.state, due_at=r.due_at,
                planned_at=r.planned_at, sent_at=r.sent_at, attempts=r.attempts, error_code=r.last_error_code,
                error=_(r.last_error) if r.last_error else "", to_address=to, subject=r.subject, body=r.body,
                ref_kind=r.ref_kind, ref_id=r.ref_id, branch_code=branches.get(r.branch_id or 0, ""),
                resend_of_id=r.resend_of_id,
                can_resend=r.state in (MessageState.SENT, MessageState.FAILED, MessageState.UNKNOWN,
                                       MessageState.CANCELLED),
                can_cancel=r.state == MessageState.QUEUED,
                can_answer=can_answer,
            )
        )
    return out
