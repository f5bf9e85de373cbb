"""Client profiles (docs/product.md §3): new client, full profile, edits.

Finding a client is ClientSearchService (``search.py``); the form's checks are in
``fields.py`` and the profile view is built in ``profile.py``. Every profile view
and change is written to the audit log. Edits use the ``version`` column: a save
based on an old version is refused with the latest values, never silently
overwritten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desk_app.clients.fields import clean_fields, consent_addresses
from desk_app.clients.points import points_card
from desk_app.clients.profile import client_profile
from desk_app.clients.search_text import build_search_fields
from desk_app.clients.shop_facts import ShopFacts
from desk_app.clients.views import CONSENT_FIELDS, CONSENT_KINDS, EDITABLE, ClientProfile, allergy_banner_text
from desk_app.core.service import ConflictError, NotFound, ValidationError, audit, can, next_counter, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Client, ConsentRecord, Staff
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.i18n import _
from desk_app.reports.segments import client_values
from desk_app.settings import SettingsStore


class ClientService:
    """Each public method is one person's action (one unit of work) or one read; searching is
    ClientSearchService (clients/search.py)."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock
        self.shop = ShopFacts(self.db)

    def forget_shop_details(self) -> None:
        """Call after the region or currency changed in Settings."""
        self.shop.forget()

    def _clean(self, session: Session, data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
        region, _cur = self.shop.region_currency(session)
        return clean_fields(session, data, creating, region, self.clock)

    # -- create ------------------------------------------------------------------
    def create(self, actor: Actor, data: Mapping[str, Any]) -> ClientProfile:
        """A new client; only name and phone are needed. Check ``find_duplicates`` (ClientSearchService) first."""
        require(self.db.uow, actor, Perm.CLIENT_EDIT)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            errors: dict[str, str] = {}
            if not str(data.get("name") or "").strip():
                errors["name"] = _("Enter the client's name.")
            if not str(data.get("phone") or "").strip():
                errors["phone"] = _("Enter a phone number.")
            try:
                clean = self._clean(s, data, creating=True)
                errors = {**consent_addresses(clean), **errors}
            except ValidationError as exc:
                errors = {**exc.errors, **errors}
                clean = {}
            if errors:
                raise ValidationError(errors)
            n = next_counter(s, "client_number")
            number = f"C{n:06d}"
            c = Client(
                client_number=number,
                branch_id=actor.branch_id,
                registered_by_id=actor.staff_id,
                created_at=now,
                updated_at=now,
                source="desk",
            )
            self._apply(c, clean, actor, now, s, new=True)
            s.add(c)
            s.flush()
            for kind in CONSENT_KINDS:
                s.add(
                    ConsentRecord(
                        client_id=c.id,
                        kind=kind,
                        granted=bool(clean.get(f"{kind}_consent")),
                        at=now,
                        staff_id=actor.staff_id,
                        note="at registration",
                    )
                )
            audit(s, actor, "create", "client", c.id, after=self._audit_values(c), at=now)
            s.flush()
            profile = self._profile(s, c, actor)
            uow.commit()
            return profile

    def _apply(
        self, c: Client, clean: Mapping[str, Any], actor: Actor, now: datetime, s: Session, new: bool = False
    ) -> None:
        for key, value in clean.items():
            if key in CONSENT_FIELDS:
                old = bool(getattr(c, key)) if not new else None
                if new or old != value:
                    setattr(c, key, value)
                    setattr(c, f"{key}_at", now)
                    if not new:
                        s.add(
                            ConsentRecord(
                                client_id=c.id,
                                kind=key.removesuffix("_consent"),
                                granted=value,
                                at=now,
                                staff_id=actor.staff_id,
                                note="changed on the profile",
                            )
                        )
                continue
            setattr(c, key, value)
        if "birthday" in clean:
            c.birthday_md = c.birthday.strftime("%m-%d") if c.birthday else None
        if new or "name" in clean or "phone" in clean:
            c.name_pinyin, c.name_initials, c.phone_digits, c.search_text = build_search_fields(
                c.name, c.phone or "", c.client_number
            )
        c.updated_at = now

    @staticmethod
    def _audit_values(c: Client, keys: Sequence[str] = EDITABLE) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in keys:
            v = getattr(c, k)
            out[k] = v.isoformat() if isinstance(v, date) else (list(v) if isinstance(v, list) else v)
        return out

    # -- read ----------------------------------------------------------------------
    def get(self, actor: Actor, client_id: int) -> ClientProfile:
        """The full profile; the view is written to the audit log (docs/product.md §7)."""
        require(self.db.uow, actor, Perm.CLIENT_VIEW)
        with self.db.uow() as uow:
            c = uow.session.get(Client, client_id)
            if c is None:
                raise NotFound(_("This client no longer exists."))
            profile = self._profile(uow.session, c, actor)
            audit(uow.session, actor, "view", "client", client_id, at=self.clock())
            uow.commit()
            return profile

    def _profile(self, s: Session, c: Client, actor: Actor) -> ClientProfile:
        region, currency = self.shop.region_currency(s)
        now = self.clock()
        profile = client_profile(s, c, actor, region, currency, now)
        if c.erased_at is None:
            profile = dataclasses.replace(
                profile, points=points_card(s, c.id, self.settings.points_rule(), now, currency, limit=50)
            )
        value = client_values(s, [c.id], self.settings.segment_rule(currency), now).get(c.id)
        if value is None:  # erased
            return profile
        return dataclasses.replace(
            profile,
            segment=value.segment.value,
            segment_why=value.why,
            spend_12m=Money.from_minor(value.spend_12m_minor, currency).amount,
        )

    # -- update --------------------------------------------------------------------
    def update(
        self, actor: Actor, client_id: int, expected_version: int, changes: Mapping[str, Any]
    ) -> ClientProfile:
        """Save changed fields. Refused with ``ConflictError`` (``.latest``) when the profile moved on."""
        require(self.db.uow, actor, Perm.CLIENT_EDIT)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            c = s.get(Client, client_id)
            if c is None or c.gone:
                raise NotFound(_("This client no longer exists."))
            if c.version != expected_version:
                raise self._conflict(s, c, actor)
            changes = dict(changes)
            if (
                "phone" in changes
                and not can(s, actor, Perm.SEE_PHONE)
                and changes["phone"] == mask_phone(c.phone)
            ):
                changes.pop("phone")  # the masked value shown to this actor came back unchanged
            clean = self._clean(s, changes, creating=False)
            after = {k: clean.get(k, getattr(c, k)) for k in ("phone", "email", "sms_consent", "email_consent")}
            missing = consent_addresses(after) if {"phone", "email", "sms_consent", "email_consent"} & set(clean) else {}
            if missing:
                raise ValidationError(missing)
            changed = {k: v for k, v in clean.items() if getattr(c, k) != v}
            if not changed:
                return self._profile(s, c, actor)
            before = self._audit_values(c, list(changed))
            self._apply(c, changed, actor, now, s)
            try:
                s.flush()
            except StaleDataError:
                s.rollback()
                with self.db.uow(write=False) as fresh:
                    latest = fresh.session.get(Client, client_id)
                    assert latest is not None
                    raise self._conflict(fresh.session, latest, actor) from None
            audit(
                s,
                actor,
                "update",
                "client",
                c.id,
                before=before,
                after=self._audit_values(c, list(changed)),
                at=now,
            )
            profile = self._profile(s, c, actor)
            uow.commit()
            return profile

    def _conflict(self, s: Session, c: Client, actor: Actor) -> ConflictError:
        latest = self._profile(s, c, actor)
        exc = ConflictError(
            _(
                "Someone else changed this profile while you were editing. Your changes were not saved; "
                "the latest values are shown. Make your changes again and save."
            )
        )
        exc.latest = latest  # type: ignore[attr-defined]
        return exc

    # -- small reads other screens use -----------------------------------------------
    def allergy_text(self, client_id: int) -> str:
        """Allergies and contraindications in one line, for the banner on the visit and stylist views."""
        with self.db.uow(write=False) as uow:
            row = uow.session.execute(
                select(Client.allergies, Client.contraindications).where(Client.id == client_id)
            ).first()
        if row is None:
            return ""
        return allergy_banner_text(row[0] or "", row[1] or "")

    def staff_choices(self) -> list[tuple[int, str]]:
        """Active stylists and owners, for the favourite-stylist choice."""
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(Staff.id, Staff.name)
                .where(Staff.active.is_(True), or_(Staff.role == "stylist", Staff.role == "owner"))
                .order_by(Staff.name)
            )
            return [(i, n) for i, n in rows]


def bulk_insert_clients(db: Database, rows: Sequence[Mapping[str, Any]], chunk: int = 5000) -> int:
    """Insert many clients fast (demo data, imports, tests, benchmarks); returns the count.

    Each row needs ``client_number``, ``name`` and ``phone`` (E.164); the search
    columns are filled with ``build_search_fields`` when missing. On SQLite, when
    the batch is at least as big as the table, the FTS insert trigger is set
    aside and the index rebuilt once at the end (about 4x faster than a trigger
    per row); the trigger is put back in the same transaction.
    """
    from sqlalchemy import insert

    prepared: list[dict[str, Any]] = []
    for r in rows:
        d = dict(r)
        if "search_text" not in d:
            d["name_pinyin"], d["name_initials"], d["phone_digits"], d["search_text"] = build_search_fields(
                str(d["name"]), str(d.get("phone") or ""), str(d["client_number"])
            )
        if d.get("birthday") and "birthday_md" not in d:
            d["birthday_md"] = d["birthday"].strftime("%m-%d")
        prepared.append(d)
    if not prepared:
        return 0
    with db.engine.execution_options(desk_write=True).begin() as conn:  # BEGIN IMMEDIATE on SQLite
        trigger_sql: str | None = None
        if db.is_sqlite:
            existing = conn.execute(text("SELECT count(*) FROM clients")).scalar_one()
            if len(prepared) >= existing:
                trigger_sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'client_fts_ai'")
                ).scalar_one_or_none()
                if trigger_sql:
                    conn.exec_driver_sql("DROP TRIGGER client_fts_ai")
        for i in range(0, len(prepared), chunk):
            conn.execute(insert(Client), prepared[i : i + chunk])
        if trigger_sql:
            conn.exec_driver_sql("INSERT INTO client_fts(client_fts) VALUES ('rebuild')")
            conn.exec_driver_sql(trigger_sql)
    return len(prepared)
