"""Finding a client (docs/product.md §3): search as you type, the recent clients, duplicates before a new one.

Search runs on the derived ``search_text`` column (see ``search_text.py``):
SQLite through the FTS5 ``client_fts`` index with prefix queries, PostgreSQL
through ``LIKE`` on the pg_trgm-indexed column. Every method here only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Integer, String, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from desk_app.clients.fields import parse_date
from desk_app.clients.phones import normalize_phone, quick_phone
from desk_app.clients.search_text import normalize_query
from desk_app.clients.shop_facts import ShopFacts
from desk_app.clients.views import ClientHit, DuplicateHit
from desk_app.core.service import require, verified_actor
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Client, client_listed
from desk_app.db.types import UTCDateTime
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.settings import SettingsStore

_WINDOW_FACTOR = 4  # search: newest matches fetched per result row, then ordered in Python
_MIN_WINDOW = 120


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


@lru_cache(maxsize=16)
def _sqlite_search(n_tokens: int) -> str:
    """The newest ``?`` FTS matches (cheap by rowid), ranked in SQL -- tokens that are whole words
    first, then the most recently seen, then the newest -- and only the ``?`` rows shown come back
    (not the window's rows with their long search text, ranked in Python as before)."""
    exact = " + ".join(["(instr(' ' || c.search_text || ' ', ?) > 0)"] * n_tokens)
    return (
        "WITH m AS (SELECT rowid AS id FROM client_fts WHERE client_fts MATCH ? ORDER BY rowid DESC LIMIT ?) "
        "SELECT c.id, c.client_number, c.name, c.phone, c.membership_tier, c.allergies, "
        "c.contraindications, c.last_visit_at, p.balance_minor "
        "FROM m JOIN clients c ON c.id = m.id LEFT JOIN prepaid_accounts p ON p.client_id = c.id "
        f"WHERE c.erased_at IS NULL AND c.merged_into_id IS NULL ORDER BY {exact} DESC, coalesce(c.last_visit_at, c.created_at) DESC, "
        "c.id DESC LIMIT ?"
    )


class _Hit(NamedTuple):
    id: int
    client_number: str
    name: str
    phone: str
    membership_tier: str
    allergies: str
    contraindications: str
    last_visit_at: Any
    balance: int | None


_FULL_COLUMNS: dict[str, TypeEngine[Any]] = dict(_HIT_COLUMNS, created_at=UTCDateTime(), search_text=String())
_FULL_SELECT = _HIT_SELECT.replace("AS balance", "AS balance, c.created_at, c.search_text")
_RECENT_VISITED = text(
    _FULL_SELECT
    + " WHERE c.last_visit_at IS NOT NULL AND c.erased_at IS NULL AND c.merged_into_id IS NULL ORDER BY c.last_visit_at DESC LIMIT :n"
).columns(**_FULL_COLUMNS)
_RECENT_FRESH = text(
    _FULL_SELECT + " WHERE c.last_visit_at IS NULL AND c.erased_at IS NULL AND c.merged_into_id IS NULL ORDER BY c.id DESC LIMIT :n"
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
        + " WHERE c.erased_at IS NULL AND c.merged_into_id IS NULL AND "
        + conds
        + " ORDER BY c.last_visit_at DESC NULLS LAST, c.id DESC LIMIT :w"
    ).columns(**_FULL_COLUMNS)


def _ts(value: Any) -> datetime | None:
    """A timestamp from the driver: SQLite gives 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    dt = datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class ClientSearchService:
    """Each method is one read; creating and changing a client is ClientService (clients/service.py)."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.shop = ShopFacts(self.db)

    def forget_shop_details(self) -> None:
        """Call after the region or currency changed in Settings."""
        self.shop.forget()

    def search(self, actor: Actor, text_in: str, limit: int = 30, *, masked: bool = False) -> list[ClientHit]:
        """Clients matching every typed token as a prefix; recent clients first when empty.
        ``masked``: phones masked even for someone who may see them (a printed or piped list)."""
        tokens = normalize_query(text_in or "")
        # one connection, no ORM session (this runs on every keystroke): the rights check, then the rows
        with self.db.engine.connect() as conn:
            checked = verified_actor(conn, actor)
            allowed = checked is not None and checked.can(Perm.CLIENT_VIEW)
            rows = self._search_rows(conn, tokens, limit) if allowed else []
        if checked is None or not allowed:
            checked = require(self.db.uow, actor, Perm.CLIENT_VIEW)  # logs the refusal and raises
            with self.db.engine.connect() as conn:  # allowed since: the rights changed in between
                rows = self._search_rows(conn, tokens, limit)
        region, currency = self.shop.region_currency()
        see = checked.can(Perm.SEE_PHONE) and not masked
        return [self._hit(r, see, region, currency) for r in rows]

    def _search_rows(self, session: Session | Connection, tokens: list[str], limit: int) -> list[Any]:
        """Rows whose search text has every token as a prefix of one of its words.

        No bm25 ranking: on a prefix of a common surname it costs ~10 ms at 100,000
        clients and means little for name/phone tokens. Instead the newest matches
        (a window of a few times ``limit``, cheap by rowid) are ordered: exact word
        matches first, then the most recently seen. On SQLite the query goes straight
        to the driver (no statement compilation per keystroke), the window is ordered
        in SQL and only the ``limit`` rows shown come back; PostgreSQL orders it here.
        """
        if not tokens:
            return self._recent_rows(session, limit)
        window = max(limit * _WINDOW_FACTOR, _MIN_WINDOW)
        conn = session if isinstance(session, Connection) else session.connection()
        if self.db.is_sqlite:
            params = (_fts_query(tokens), window, *(f" {t} " for t in tokens), limit)
            # the driver's own cursor, inside the connection's transaction: no result-object set-up
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                found = cursor.execute(_sqlite_search(len(tokens)), params).fetchall()
            finally:
                cursor.close()
            return [_Hit._make((*r[:7], _ts(r[7]), r[8])) for r in found]
        pg: dict[str, Any] = {"w": window}
        for i, tok in enumerate(tokens):
            esc = _like_escape(tok)
            pg[f"a{i}"] = esc + "%"
            pg[f"b{i}"] = "% " + esc + "%"
        rows = [_HitRow(*r) for r in conn.execute(_pg_search_clause(len(tokens)), pg).all()]
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
            n = uow.session.scalar(select(func.count()).select_from(Client).where(client_listed()))
            return int(n or 0)

    def recent(self, actor: Actor, limit: int = 30) -> list[ClientHit]:
        return self.search(actor, "", limit)

    # -- duplicates --------------------------------------------------------------
    def find_duplicates(
        self, name: str, phone: str, birthday: date | str | None = None, exclude_id: int | None = None
    ) -> list[DuplicateHit]:
        """Existing clients with the same phone, or the same name and birthday."""
        region, _cur = self.shop.region_currency()
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
                    select(Client).where(Client.phone == e164, client_listed()).limit(10)
                ):
                    out.setdefault(c.id, self._dup(c, "phone", region))
            if name and bday is not None:
                q = (
                    select(Client)
                    .where(
                        Client.birthday_md == bday.strftime("%m-%d"),
                        Client.birthday == bday,
                        func.lower(Client.name) == name.lower(),
                        client_listed(),
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
