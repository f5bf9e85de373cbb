"""Client profiles (docs/product.md §3): search as you type, new client, full profile, edits.

Search runs on the derived ``search_text`` column (see ``search_text.py``):
SQLite through the FTS5 ``client_fts`` index with prefix queries, PostgreSQL
through ``LIKE`` on the pg_trgm-indexed column. Every profile view and change
is written to the audit log. Edits use the ``version`` column: a save based on
an old version is refused with the latest values, never silently overwritten.
The form's checks are in ``fields.py``, the profile view is built in ``profile.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Integer, String, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeEngine

from desk_app.clients.fields import clean_fields, parse_date
from desk_app.clients.phones import normalize_phone, quick_phone
from desk_app.clients.profile import client_profile
from desk_app.clients.search_text import build_search_fields, normalize_query
from desk_app.clients.views import (
    EDITABLE,
    ClientHit,
    ClientProfile,
    DuplicateHit,
    allergy_banner_text,
)
from desk_app.core.service import (
    ConflictError,
    NotFound,
    ValidationError,
    audit,
    next_counter,
    require,
    shop_row,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Client,
    ConsentRecord,
    Staff,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.i18n import _
from desk_app.settings import SettingsStore

_WINDOW_FACTOR = 4  # search: newest matches fetched per result row, then ordered in Python
_MIN_WINDOW = 120


# ---------------------------------------------------------------- helpers


def _fts_query(tokens: Sequence[str]) -> str:
    return " ".join('"' + t.replace('"', '""') + '"*' for t in tokens)


def _like_escape(tok: str) -> str:
    return tok.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_HIT_COLUMNS: dict[str, TypeEngine[Any]] = dict(
    id=Integer(),
    client_number=String(),
    name=String(),
    phone=String(),
    membership_tier=String(),
    allergies=String(),
    contraindications=String(),
    last_visit_at=UTCDateTime(),
    balance=Integer(),
)
_HIT_SELECT = """
SELECT c.id, c.client_number, c.name, c.phone, c.membership_tier, c.allergies, c.contraindications,
       c.last_visit_at, p.balance_minor AS balance
FROM clients c LEFT JOIN prepaid_accounts p ON p.client_id = c.id
"""
_SQLITE_SEARCH = (
    "WITH m AS (SELECT rowid AS id FROM client_fts WHERE client_fts MATCH ? ORDER BY rowid DESC LIMIT ?) "
    "SELECT c.id, c.client_number, c.name, c.phone, c.membership_tier, c.allergies, c.contraindications, "
    "c.last_visit_at, p.balance_minor, c.created_at, c.search_text "
    "FROM m JOIN clients c ON c.id = m.id LEFT JOIN prepaid_accounts p ON p.client_id = c.id "
    "WHERE c.erased_at IS NULL"
)
_FULL_COLUMNS: dict[str, TypeEngine[Any]] = dict(_HIT_COLUMNS, created_at=UTCDateTime(), search_text=String())
_FULL_SELECT = _HIT_SELECT.replace("AS balance", "AS balance, c.created_at, c.search_text")
_RECENT_VISITED = text(
    _FULL_SELECT
    + " WHERE c.last_visit_at IS NOT NULL AND c.erased_at IS NULL ORDER BY c.last_visit_at DESC LIMIT :n"
).columns(**_FULL_COLUMNS)
_RECENT_FRESH = text(
    _FULL_SELECT + " WHERE c.last_visit_at IS NULL AND c.erased_at IS NULL ORDER BY c.id DESC LIMIT :n"
).columns(**_FULL_COLUMNS)


class _HitRow(NamedTuple):
    id: int
    client_number: str
    name: str
    phone: str
    membership_tier: str
    allergies: str
    contraindications: str
    last_visit_at: Any  # str from SQLite until kept, then datetime
    balance: int | None
    created_at: Any
    search_text: str


@lru_cache(maxsize=16)
def _pg_search_clause(n_tokens: int) -> Any:
    conds = " AND ".join(f"(c.search_text LIKE :a{i} OR c.search_text LIKE :b{i})" for i in range(n_tokens))
    return text(
        _FULL_SELECT
        + " WHERE c.erased_at IS NULL AND "
        + conds
        + " ORDER BY c.last_visit_at DESC NULLS LAST, c.id DESC LIMIT :w"
    ).columns(**_FULL_COLUMNS)


def _ts(value: Any) -> datetime | None:
    """A timestamp from the driver: SQLite gives 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    dt = datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ---------------------------------------------------------------- service


class ClientService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock
        self._shop: tuple[str, str] | None = None

    # -- shop facts (region, currency), read once ------------------------------
    def _region_currency(self, session: Session | None = None) -> tuple[str, str]:
        if self._shop is None:
            if session is None:
                with self.db.uow(write=False) as uow:
                    s = shop_row(uow.session)
                    self._shop = (s.region or "CN", s.currency)
            else:
                s = shop_row(session)
                self._shop = (s.region or "CN", s.currency)
        return self._shop

    def forget_shop_details(self) -> None:
        """Call after the region or currency changed in Settings."""
        self._shop = None

    # -- search ------------------------------------------------------------------
    def search(self, actor: Actor, text_in: str, limit: int = 30) -> list[ClientHit]:
        """Clients matching every typed token as a prefix; recent clients first when empty."""
        require(self.db.uow, actor, Perm.CLIENT_VIEW)
        tokens = normalize_query(text_in or "")
        with self.db.engine.connect() as conn:  # Core, no ORM session: this runs on every keystroke
            rows = self._search_rows(conn, tokens, limit)
        region, currency = self._region_currency()
        see = actor.can(Perm.SEE_PHONE)
        return [self._hit(r, see, region, currency) for r in rows]

    def _search_rows(self, session: Session | Connection, tokens: list[str], limit: int) -> list[Any]:
        """Rows whose search text has every token as a prefix of one of its words.

        No bm25 ranking: on a prefix of a common surname it costs ~10 ms at 100,000
        clients and means little for name/phone tokens. Instead the newest matches
        (a window of a few times ``limit``, cheap by rowid) are ordered in Python:
        exact word matches first, then the most recently seen. On SQLite the query
        goes straight to the driver (no statement compilation per keystroke) and
        only the rows kept get their timestamps parsed.
        """
        if not tokens:
            return self._recent_rows(session, limit)
        window = max(limit * _WINDOW_FACTOR, _MIN_WINDOW)
        conn = session if isinstance(session, Connection) else session.connection()
        if self.db.is_sqlite:
            raw = conn.exec_driver_sql(_SQLITE_SEARCH, (_fts_query(tokens), window)).all()
        else:
            params: dict[str, Any] = {"w": window}
            for i, tok in enumerate(tokens):
                esc = _like_escape(tok)
                params[f"a{i}"] = esc + "%"
                params[f"b{i}"] = "% " + esc + "%"
            raw = conn.execute(_pg_search_clause(len(tokens)), params).all()
        rows = [_HitRow(*r) for r in raw]
        want = set(tokens)

        def key(r: _HitRow) -> tuple[int, Any, int]:
            exact = len(want.intersection((r.search_text or "").split()))
            return (exact, r.last_visit_at or r.created_at, r.id)

        rows.sort(key=key, reverse=True)
        return [
            r._replace(last_visit_at=_ts(r.last_visit_at), created_at=_ts(r.created_at)) for r in rows[:limit]
        ]

    def _recent_rows(self, session: Session | Connection, limit: int) -> list[Any]:
        """Most recent first by last visit, or by registration for clients never visited.

        Two index-friendly queries merged: the newest visits (index on last_visit_at)
        and the never-visited clients added last (by id, the order they were added).
        """
        visited = session.execute(_RECENT_VISITED, {"n": limit}).all()
        fresh = session.execute(_RECENT_FRESH, {"n": limit}).all()
        both = [(r.last_visit_at, r.id, r) for r in visited] + [(r.created_at, r.id, r) for r in fresh]
        both.sort(key=lambda kr: (kr[0], kr[1]), reverse=True)
        return [r for _k, _i, r in both[:limit]]

    def _hit(self, r: Any, see_phone: bool, region: str, currency: str) -> ClientHit:
        phone = r.phone or ""
        return ClientHit(
            id=r.id,
            client_number=r.client_number,
            name=r.name,
            phone=quick_phone(phone, region) if see_phone else mask_phone(phone),
            membership_tier=r.membership_tier or "",
            has_allergy=bool((r.allergies or "").strip() or (r.contraindications or "").strip()),
            last_visit_at=r.last_visit_at,
            prepaid_balance=None if r.balance is None else Money.from_minor(r.balance, currency).amount,
        )

    def count(self) -> int:
        """How many clients the shop has (not erased)."""
        with self.db.uow(write=False) as uow:
            n = uow.session.scalar(select(func.count()).select_from(Client).where(Client.erased_at.is_(None)))
            return int(n or 0)

    def recent(self, actor: Actor, limit: int = 30) -> list[ClientHit]:
        return self.search(actor, "", limit)

    # -- duplicates --------------------------------------------------------------
    def find_duplicates(
        self, name: str, phone: str, birthday: date | str | None = None, exclude_id: int | None = None
    ) -> list[DuplicateHit]:
        """Existing clients with the same phone, or the same name and birthday."""
        region, _cur = self._region_currency()
        try:
            e164 = normalize_phone(phone, region) if (phone or "").strip() else ""
        except ValueError:
            e164 = ""
        try:
            bday = parse_date(birthday)
        except ValueError:
            bday = None
        name = (name or "").strip()
        out: dict[int, DuplicateHit] = {}
        with self.db.uow(write=False) as uow:
            s = uow.session
            if e164:
                for c in s.scalars(
                    select(Client).where(Client.phone == e164, Client.erased_at.is_(None)).limit(10)
                ):
                    out.setdefault(c.id, self._dup(c, "phone", region))
            if name and bday is not None:
                q = (
                    select(Client)
                    .where(
                        Client.birthday_md == bday.strftime("%m-%d"),
                        Client.birthday == bday,
                        func.lower(Client.name) == name.lower(),
                        Client.erased_at.is_(None),
                    )
                    .limit(10)
                )
                for c in s.scalars(q):
                    out.setdefault(c.id, self._dup(c, "name_birthday", region))
        if exclude_id is not None:
            out.pop(exclude_id, None)
        return list(out.values())

    @staticmethod
    def _dup(c: Client, reason: str, region: str) -> DuplicateHit:
        return DuplicateHit(
            id=c.id,
            client_number=c.client_number,
            name=c.name,
            phone=mask_phone(c.phone),
            birthday=c.birthday,
            reason=reason,
        )

    # -- validation --------------------------------------------------------------
    def _clean(self, session: Session, data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
        region, _cur = self._region_currency(session)
        return clean_fields(session, data, creating, region, self.clock)

    # -- create ------------------------------------------------------------------
    def create(self, actor: Actor, data: Mapping[str, Any]) -> ClientProfile:
        """A new client; only name and phone are needed. Check ``find_duplicates`` first."""
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
            for kind in ("privacy", "marketing"):
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
            if key in ("marketing_consent", "privacy_consent"):
                old = bool(getattr(c, key)) if not new else None
                if new or old != value:
                    setattr(c, key, value)
                    setattr(c, f"{key}_at", now)
                    if not new:
                        s.add(
                            ConsentRecord(
                                client_id=c.id,
                                kind=key.split("_")[0],
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
        region, currency = self._region_currency(s)
        return client_profile(s, c, actor, region, currency, self.clock())

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
            if c is None or c.erased_at is not None:
                raise NotFound(_("This client no longer exists."))
            if c.version != expected_version:
                raise self._conflict(s, c, actor)
            changes = dict(changes)
            if (
                "phone" in changes
                and not actor.can(Perm.SEE_PHONE)
                and changes["phone"] == mask_phone(c.phone)
            ):
                changes.pop("phone")  # the masked value shown to this actor came back unchanged
            clean = self._clean(s, changes, creating=False)
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
