"""Client lists (docs/clients.md, "Lists and segments"): clients chosen by a ``ClientFilter`` (last
visit, spend, services bought, VIP, birthday month, consent, stylist, no-shows, branch), counted,
shown a page at a time, exported, saved by name as the owner's segments, and used as the audience
of a one-off message (docs/messages.md, "To a client list").

One SQL statement counts, one reads a page: the client's own columns are filtered in the scan of
``clients`` (100k rows: a few tens of milliseconds); the services bought are a correlated
``EXISTS`` per client through ``ix_sales_client_sold`` (client, day) and ``ix_sale_lines_report``
(sale, kind, staff, service: read from the index alone); the stylist who served is an uncorrelated
``IN`` over their visits (``ix_visits_staff_id``) and sale lines (``ix_sale_lines_staff_id``), read
once. Erased clients, and profiles merged into another one, are never listed.

Rights: listing needs ``Perm.CLIENT_VIEW`` (phones masked unless ``Perm.SEE_PHONE``); the CSV
``Perm.EXPORT``; saving or deleting a segment and sending a message to a list, the owner's right to
change the shop's settings and message templates (``Perm.SETTINGS``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, exists, false, func, literal, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desk_app.clients.phones import quick_phone
from desk_app.clients.shop_facts import ShopFacts
from desk_app.core.service import ServiceError, ValidationError, audit, permitted, require, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Client, Sale, SaleLine, Visit, client_listed
from desk_app.db.models import Setting as SettingRow
from desk_app.domain.client_filter import (
    SORTS,
    Bounds,
    ClientFilter,
    SavedSegment,
    birthday_range,
    bounds,
    parse_segments,
    segment_name_problem,
    segments_json,
)
from desk_app.domain.messages import MessageChannel, MessageKind
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.i18n import _, format_number, ngettext
from desk_app.messages import outbox
from desk_app.messages.templates import LANGUAGES, wording
from desk_app.settings import S, SettingsStore, validate

PAGE_MAX = 500
EXPORT_COLUMNS = (
    "client_number", "name", "phone", "email", "last_visit_at", "visit_count", "total_spend", "vip",
    "no_show_count", "birthday", "marketing_consent", "sms_consent", "email_consent",
)  # fmt: skip


@dataclass(frozen=True)
class ClientListRow:
    id: int
    client_number: str
    name: str
    phone: str  # masked unless the person may see phone numbers
    last_visit_at: datetime | None
    total_spend: Decimal
    visit_count: int
    vip: bool
    no_show_count: int


@dataclass(frozen=True)
class Audience:
    """Who of a list a one-off message reaches: ``listed`` = ``will_get`` + ``no_marketing`` +
    ``no_channel`` (agreed to marketing but to no channel that is set up, or without its address)."""

    listed: int
    will_get: int
    no_marketing: int
    no_channel: int
    channels: tuple[str, ...]  # the channels set up ("sms", "email")
    not_set_up: int = 0  # of no_channel: agreed to a channel the shop has not set up (texts, e-mail)

    def sentence(self) -> str:
        """ "312 in the list; 280 will get it; 32 have not agreed to marketing messages"."""
        parts = [
            ngettext("{n} client in the list", "{n} clients in the list", self.listed).format(
                n=format_number(self.listed)),
            ngettext("{n} will get it", "{n} will get it", self.will_get).format(n=format_number(self.will_get)),
        ]
        if self.no_marketing:
            parts.append(ngettext("{n} has not agreed to marketing messages",
                                  "{n} have not agreed to marketing messages", self.no_marketing)
                         .format(n=format_number(self.no_marketing)))
        if self.not_set_up:  # the shop's doing, not the client's (newcomer walk: the reason said was wrong)
            parts.append(ngettext("{n} agreed only to a way of sending that is not set up (Messages › Channels)",
                                  "{n} agreed only to ways of sending that are not set up (Messages › Channels)",
                                  self.not_set_up).format(n=format_number(self.not_set_up)))
        if self.no_channel - self.not_set_up:
            n = self.no_channel - self.not_set_up
            parts.append(ngettext("{n} has no phone or email they agreed to be messaged on",
                                  "{n} have no phone or email they agreed to be messaged on", n)
                         .format(n=format_number(n)))
        return _("; ").join(parts)


@dataclass(frozen=True)
class CampaignResult:
    audience: Audience
    queued: int  # new outbox rows
    already: int  # the same message was already queued or sent to them (sent twice: nothing more)


def _segments_of(value: Any) -> list[SavedSegment]:
    try:
        return parse_segments(value or [])
    except ValueError:  # a hand-edited value the app cannot read: shown as none rather than breaking the screen
        return []


class ClientListService:
    """Each public method is one read or one person's action (docs/architecture.md)."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock
        self.shop = ShopFacts(self.db)

    def forget_shop_details(self) -> None:
        """Call after the currency changed in Settings."""
        self.shop.forget()

    # ------------------------------------------------------------------ the list
    def count(self, actor: Actor, f: ClientFilter) -> int:
        _check(f)
        with permitted(self.db.uow, actor, Perm.CLIENT_VIEW, write=False) as (uow, _known):
            s = uow.session
            where = self._where(s, f)
            n = s.execute(select(func.count()).select_from(Client).where(*where)).scalar()
            return int(n or 0)

    def page(self, actor: Actor, f: ClientFilter, offset: int = 0, limit: int = 100,
             sort: str = "last_visit") -> list[ClientListRow]:
        """Rows ``offset`` .. ``offset + limit`` (at most 500) in the ``sort`` order: "last_visit"
        (the most recent first, never-visited last), "name", "spend" or "visits" (the most first)."""
        _check(f)
        if sort not in SORTS:
            raise ValidationError({"sort": f"sort by one of {', '.join(SORTS)}"})
        limit = max(0, min(int(limit), PAGE_MAX))
        with permitted(self.db.uow, actor, Perm.CLIENT_VIEW, write=False) as (uow, known):
            s = uow.session
            region, currency = self.shop.region_currency(s)
            stmt = (
                select(Client.id, Client.client_number, Client.name, Client.phone, Client.last_visit_at,
                       Client.total_spend_minor, Client.visit_count, Client.membership_tier, Client.no_show_count)
                .where(*self._where(s, f))
                .order_by(*_order(sort))
                .offset(max(0, int(offset)))
                .limit(limit)
            )
            see = known.can(Perm.SEE_PHONE)
            return [
                ClientListRow(
                    id=int(r[0]), client_number=r[1], name=r[2], phone=quick_phone(r[3] or "", region) if see else mask_phone(r[3] or ""),
                    last_visit_at=r[4], total_spend=Money.from_minor(int(r[5] or 0), currency).amount,
                    visit_count=int(r[6] or 0), vip=r[7] == "vip", no_show_count=int(r[8] or 0),
                )
                for r in s.execute(stmt)
            ]

    def export_csv(self, actor: Actor, f: ClientFilter, path: str | os.PathLike[str], segment: str = "") -> int:
        """The list as a CSV (UTF-8 with a byte-order mark, cells a spreadsheet would run as a formula
        escaped: ``core.csvfile``); phones in full only for someone who may see them. Audited with the
        filter and the number of rows. Returns the number of rows."""
        _check(f)
        from desk_app.reports.exports import open_out, write_rows
        from desk_app.reports.monthly import ReportError

        known = require(self.db.uow, actor, Perm.EXPORT)  # a refusal is logged and raises
        if not known.can(Perm.CLIENT_VIEW):
            require(self.db.uow, actor, Perm.CLIENT_VIEW)
        try:
            out = open_out(path)
        except (ReportError, OSError) as exc:
            raise ValidationError({"path": str(exc)}) from None
        with out:
            n = write_rows(out, EXPORT_COLUMNS, self._export_rows(f, known.can(Perm.SEE_PHONE)))
        with self.db.uow() as uow:
            audit(uow.session, known, "export", "client_list", segment, detail=f"{path} ({n} rows)",
                  after={"rows": n, "filter": f.to_json(), "segment": segment}, at=self.clock())
            uow.commit()
        return n

    def _export_rows(self, f: ClientFilter, see_phone: bool) -> Iterator[list[Any]]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = shop_tz(s)
            _region, currency = self.shop.region_currency(s)
            stmt = (
                select(Client.client_number, Client.name, Client.phone, Client.email, Client.last_visit_at,
                       Client.visit_count, Client.total_spend_minor, Client.membership_tier, Client.no_show_count,
                       Client.birthday, Client.marketing_consent, Client.sms_consent, Client.email_consent)
                .where(*self._where(s, f))
                .order_by(*_order("last_visit"))
                .execution_options(yield_per=1000)
            )
            for r in s.execute(stmt):
                yield [
                    r[0], r[1], (r[2] or "") if see_phone else mask_phone(r[2] or ""), r[3] or "",
                    "" if r[4] is None else r[4].astimezone(tz).isoformat(timespec="seconds"), int(r[5] or 0),
                    str(Money.from_minor(int(r[6] or 0), currency).amount), int(r[7] == "vip"), int(r[8] or 0),
                    r[9].isoformat() if r[9] else "", int(bool(r[10])), int(bool(r[11])), int(bool(r[12])),
                ]

    # ------------------------------------------------------------------ saved segments
    def segments(self, actor: Actor) -> list[SavedSegment]:
        """The owner's saved lists, in the order saved (anyone who may see clients may use them)."""
        with permitted(self.db.uow, actor, Perm.CLIENT_VIEW, write=False) as (uow, _known):
            row = uow.session.get(SettingRow, S.CLIENTS_SEGMENTS.key)
            return _segments_of(row.value if row is not None else [])

    def save_segment(self, actor: Actor, name: str, f: ClientFilter) -> list[SavedSegment]:
        """Save (or replace, by the same name) a named filter in the shop's settings; audited with
        the list before and after, as every setting is. Returns the saved lists."""
        why = segment_name_problem(name)
        if why:
            raise ValidationError({"name": why})
        _check(f)
        name = name.strip()

        def change(current: list[SavedSegment]) -> list[SavedSegment]:
            kept = [x for x in current if x.name.casefold() != name.casefold()]
            replaced = len(kept) < len(current)
            new = SavedSegment(name, f)
            if replaced:  # in the place of the one it replaces
                return [new if x.name.casefold() == name.casefold() else x for x in current]
            return [*current, new]

        return self._change_segments(actor, change)

    def delete_segment(self, actor: Actor, name: str) -> list[SavedSegment]:
        def change(current: list[SavedSegment]) -> list[SavedSegment]:
            kept = [x for x in current if x.name.casefold() != name.strip().casefold()]
            if len(kept) == len(current):
                raise ServiceError(_("There is no saved list called {name}.").format(name=name))
            return kept

        return self._change_segments(actor, change)

    def _change_segments(self, actor: Actor, change: Any) -> list[SavedSegment]:
        key = S.CLIENTS_SEGMENTS.key
        with permitted(self.db.uow, actor, Perm.SETTINGS) as (uow, known):
            s = uow.session
            # the row locked (PostgreSQL): two desks saving lists at once each keep the other's
            row = s.execute(select(SettingRow).where(SettingRow.key == key).with_for_update()).scalar_one_or_none()
            before = segments_json(_segments_of(row.value if row is not None else []))
            after_list = change(_segments_of(before))
            try:
                value = validate(key, segments_json(after_list))
            except ValueError as exc:
                raise ValidationError({"name": str(exc).split(": ", 1)[-1]}) from None
            now = self.clock()
            if row is None:
                s.add(SettingRow(key=key, value=value, updated_by_id=known.staff_id))
            else:
                row.value = value
                row.updated_at = now
                row.updated_by_id = known.staff_id
            audit(s, known, "update", "setting", key, before={key: before}, after={key: value}, at=now)
            uow.commit()
        self.settings.refresh()
        return parse_segments(value)

    # ------------------------------------------------------------------ a message to the list
    def audience(self, actor: Actor, f: ClientFilter) -> Audience:
        """How many of the list a one-off message would reach, and why not the others."""
        _check(f)
        with permitted(self.db.uow, actor, Perm.SETTINGS, write=False) as (uow, _known):
            return self._audience(uow.session, f, outbox.ready_channels(self.settings))

    def send_message(self, actor: Actor, f: ClientFilter, segment: str = "") -> CampaignResult:
        """Queue the one-off message (kind ``campaign``, the owner's wording from Messages ›
        Templates) to every client of the list who agreed to marketing and to a channel that is set
        up and has its address: one outbox row each, in one unit of work, audited. The key
        ``campaign:{shop's day}:{wording's digest}:client:{id}`` makes the same message sent again
        the same day (the list again, another list with the same clients) queue nothing more."""
        _check(f)
        ready = outbox.ready_channels(self.settings)
        if not ready:
            raise ServiceError(_("No way to send messages is set up yet: set up email or text messages in "
                                 "Messages › Channels & timing first."))
        kind = MessageKind.CAMPAIGN.value
        with permitted(self.db.uow, actor, Perm.SETTINGS) as (uow, known):
            s = uow.session
            tz = shop_tz(s)
            now = self.clock()
            aud = self._audience(s, f, ready, tz)
            digest = hashlib.sha256(
                "\x1f".join(w.subject + "\x1e" + w.body for w in (wording(s, kind, lang)[0] for lang in LANGUAGES))
                .encode("utf-8")
            ).hexdigest()[:12]
            prefix = f"campaign:{now.astimezone(tz).date().isoformat()}:{digest}"
            sms_ok, email_ok = _channel_ok()
            stmt = (
                select(Client.id, Client.preferred_channel, sms_ok, email_ok, Client.language, Client.branch_id)
                .where(*self._where(s, f, tz), Client.marketing_consent.is_(True), _reachable(ready))
                .order_by(Client.id)
            )
            recipients = [
                outbox.Recipient(int(r[0]), r[1] or "", bool(r[2]), bool(r[3]), r[4] or "",
                                 r[5] if r[5] is not None else known.branch_id)
                for r in s.execute(stmt)
            ]
            rows, already = outbox.campaign_rows(s, recipients, kind, prefix, now, ready, known.staff_id)
            outbox.insert_new(s, rows)
            audit(s, known, "send", "campaign", prefix, at=now, detail=segment,
                  after={"segment": segment, "filter": f.to_json(), "listed": aud.listed, "queued": len(rows),
                         "already": already, "no_marketing": aud.no_marketing, "no_channel": aud.no_channel})
            uow.commit()
        return CampaignResult(aud, len(rows), already)

    # ------------------------------------------------------------------ the query
    def _audience(self, s: Session, f: ClientFilter, ready: set[str], tz: tzinfo | None = None) -> Audience:
        reach = _reachable(ready)
        anyhow = _reachable({"sms", "email"})  # had every channel been set up
        marketing = Client.marketing_consent.is_(True)
        row = s.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((marketing, 1), else_=0)), 0),
                func.coalesce(func.sum(case((and_(marketing, reach), 1), else_=0)), 0),
                func.coalesce(func.sum(case((and_(marketing, anyhow), 1), else_=0)), 0),
            ).select_from(Client).where(*self._where(s, f, tz))
        ).one()
        listed, agreed, will, could = (int(x or 0) for x in row)
        return Audience(listed, will, listed - agreed, agreed - will, tuple(sorted(ready)), not_set_up=could - will)

    def _where(self, s: Session, f: ClientFilter, tz: tzinfo | None = None) -> list[ColumnElement[bool]]:
        b = bounds(f, self.clock(), tz or shop_tz(s))
        _region, currency = self.shop.region_currency(s)
        return where_clauses(f, b, currency)


def _check(f: ClientFilter) -> None:
    bad = f.problems()
    if bad:
        raise ValidationError(bad)


def _order(sort: str) -> list[Any]:
    c = Client
    if sort == "name":
        return [c.name, c.id]
    if sort == "spend":
        return [c.total_spend_minor.desc(), c.id.desc()]
    if sort == "visits":
        return [c.visit_count.desc(), c.id.desc()]
    return [c.last_visit_at.desc().nulls_last(), c.id.desc()]


def _channel_ok() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """SQL: agreed to texts and has a phone; agreed to email and has an address."""
    return (
        and_(Client.sms_consent.is_(True), Client.phone != ""),
        and_(Client.email_consent.is_(True), Client.email != ""),
    )


def _reachable(channels: set[str] | tuple[str, ...]) -> ColumnElement[bool]:
    """SQL: agreed to one of ``channels`` and has its address (no channel: nobody)."""
    sms_ok, email_ok = _channel_ok()
    parts = []
    if MessageChannel.SMS.value in channels:
        parts.append(sms_ok)
    if MessageChannel.EMAIL.value in channels:
        parts.append(email_ok)
    return or_(*parts) if parts else false()


def where_clauses(f: ClientFilter, b: Bounds, currency: str) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on ``clients`` (session-free: the caller gives the bounds)."""
    c = Client
    # neither erased nor merged into another profile (migration 0034 gives merged_into_id no index:
    # SQLite took one for "IS NULL", nearly every client, and sorted them all for each page)
    out: list[ColumnElement[bool]] = [client_listed()]
    if b.last_visit_lo is not None:
        out.append(c.last_visit_at >= b.last_visit_lo)
    if b.last_visit_hi is not None:
        out.append(c.last_visit_at < b.last_visit_hi)
    if f.spend_min is not None:
        out.append(c.total_spend_minor >= Money.of(f.spend_min, currency).minor)
    if f.spend_max is not None:
        out.append(c.total_spend_minor <= Money.of(f.spend_max, currency).minor)
    if f.vip is not None:
        out.append(c.membership_tier == "vip" if f.vip else c.membership_tier != "vip")
    if f.birthday_month is not None:
        lo, hi = birthday_range(f.birthday_month)
        out.append(c.birthday_md.between(lo, hi))
    if f.marketing is not None:
        out.append(c.marketing_consent.is_(True) if f.marketing else c.marketing_consent.is_not(True))
    if f.reachable:
        out.append(_reachable(("sms", "email") if f.reachable == "any" else (f.reachable,)))
    if f.favourite_staff_id is not None:
        out.append(c.favourite_staff_id == f.favourite_staff_id)
    if f.no_shows_min is not None and f.no_shows_min > 0:
        out.append(c.no_show_count >= f.no_shows_min)
    if f.branch_id is not None:
        out.append(c.branch_id == f.branch_id)
    if f.service_ids:
        out.append(_bought(f.service_ids, b.service_since))
    if f.served_by_staff_id is not None:
        out.append(_served_by(f.served_by_staff_id, b.served_since))
    return out


def _bought(service_ids: tuple[int, ...], since: datetime | None) -> ColumnElement[bool]:
    """EXISTS a sale (not a refund) to the client with a service line of one of ``service_ids``:
    the client's sales by ix_sales_client_sold, their lines by ix_sale_lines_report."""
    q: Select[Any] = (
        select(literal(1))
        .select_from(Sale)
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .where(
            Sale.client_id == Client.id,
            Sale.kind == "sale",
            SaleLine.kind == "service",
            SaleLine.service_id.in_(sorted(service_ids)),
            Sale.sold_at >= since if since is not None else true(),
        )
    )
    return exists(q)


def _served_by(staff_id: int, since: datetime | None) -> ColumnElement[bool]:
    """A visit with them as the stylist (not cancelled), or a sale line done by them. Not correlated:
    the stylist's visits (ix_visits_staff_id) and lines (ix_sale_lines_staff_id) are read once into
    a set the scan of clients probes (a correlated EXISTS made SQLite walk the stylist's whole
    history again for every client)."""
    visits = select(Visit.client_id).where(
        Visit.staff_id == staff_id,
        Visit.client_id.is_not(None),
        Visit.step != "cancelled",
        Visit.arrived_at >= since if since is not None else true(),
    )
    lines = (
        select(Sale.client_id)
        .select_from(SaleLine)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(
            SaleLine.staff_id == staff_id,
            Sale.client_id.is_not(None),
            Sale.kind == "sale",
            Sale.sold_at >= since if since is not None else true(),
        )
    )
    return or_(Client.id.in_(visits), Client.id.in_(lines))
