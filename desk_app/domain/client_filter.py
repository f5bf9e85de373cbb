"""Client lists: which clients a filter keeps (docs/clients.md, "Lists and segments").

Pure rules: the filter as a value (``ClientFilter``), its check, its JSON form for a saved segment
(the ``clients.segments`` setting) and its dates turned into UTC bounds for a given moment and the
shop's zone. The query is ``desk_app.clients.lists``.

Every part is optional; an empty filter keeps every client (erased ones are never listed). Dates
are the shop's days and inclusive ("last visit from 1 March to 31 March"); "not seen for N days"
keeps clients who came at least once, last more than N days ago (never-visited clients are not
"not seen": they were never seen); "within N days" counts back from now.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from desk_app.i18n import N_, _

REACHABLE = ("", "any", "sms", "email")  # "": not asked; "any": by text or email they agreed to
REACHABLE_LABELS = {
    "": N_("Any"),
    "any": N_("Text message or email"),
    "sms": N_("Text message"),
    "email": N_("Email"),
}
SORTS = ("last_visit", "name", "spend", "visits")
MAX_DAYS = 36600  # a hundred years: more is a typing mistake
MAX_NAME = 60
MAX_SEGMENTS = 100


def reachable_label(code: str) -> str:
    return _(REACHABLE_LABELS.get(code, code))


@dataclass(frozen=True)
class ClientFilter:
    """Which clients a list holds. ``None`` (or an empty tuple, or "") means "any"."""

    last_visit_from: date | None = None
    last_visit_to: date | None = None
    not_seen_days: int | None = None  # last visit more than N days ago (visited at least once)
    seen_within_days: int | None = None  # last visit within the last N days
    spend_min: Decimal | None = None  # total spend (clients.total_spend_minor), in the shop's currency
    spend_max: Decimal | None = None
    service_ids: tuple[int, ...] = ()  # bought any of these services...
    service_within_days: int | None = None  # ...within the last N days (None: ever)
    vip: bool | None = None  # membership_tier == "vip"
    birthday_month: int | None = None  # 1..12
    marketing: bool | None = None  # agreed to marketing messages
    reachable: str = ""  # agreed to this channel and has its address ("any": text or email)
    favourite_staff_id: int | None = None
    served_by_staff_id: int | None = None  # a visit with them, or a sale line by them...
    served_within_days: int | None = None  # ...within the last N days (None: ever)
    no_shows_min: int | None = None
    branch_id: int | None = None  # the client's home branch

    def is_empty(self) -> bool:
        return self == ClientFilter()

    # ------------------------------------------------------------------ checking
    def problems(self) -> dict[str, str]:
        """What is wrong, by field, in words (empty: nothing)."""
        out: dict[str, str] = {}
        for name in ("not_seen_days", "seen_within_days", "service_within_days", "served_within_days"):
            v = getattr(self, name)
            if v is not None and not (0 <= v <= MAX_DAYS):
                out[name] = _("Enter a number of days from 0 to {n}.").format(n=MAX_DAYS)
        if self.no_shows_min is not None and self.no_shows_min < 0:
            out["no_shows_min"] = _("Enter a number of missed bookings of 0 or more.")
        for name in ("spend_min", "spend_max"):
            v = getattr(self, name)
            if v is not None and (not v.is_finite() or v < 0):
                out[name] = _("Enter an amount of 0 or more.")
        if (
            self.spend_min is not None
            and self.spend_max is not None
            and "spend_min" not in out
            and "spend_max" not in out
            and self.spend_min > self.spend_max
        ):
            out["spend_max"] = _("The highest spend is below the lowest.")
        if self.last_visit_from and self.last_visit_to and self.last_visit_from > self.last_visit_to:
            out["last_visit_to"] = _("The last day is before the first.")
        if self.birthday_month is not None and not (1 <= self.birthday_month <= 12):
            out["birthday_month"] = _("Choose a month from 1 to 12.")
        if self.reachable not in REACHABLE:
            out["reachable"] = _("Choose text message, email or either.")
        if self.service_within_days is not None and not self.service_ids:
            out["service_ids"] = _("Choose the services the period is for.")
        if self.served_within_days is not None and self.served_by_staff_id is None:
            out["served_by_staff_id"] = _("Choose who served them.")
        return out

    # ------------------------------------------------------------------ JSON (a saved segment)
    def to_json(self) -> dict[str, Any]:
        """Only the parts set, as JSON values (dates ISO, money as a decimal string)."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if v is None or v == "" or v == ():
                continue
            if isinstance(v, date):
                out[k] = v.isoformat()
            elif isinstance(v, Decimal):
                out[k] = str(v)
            elif isinstance(v, tuple):
                out[k] = sorted(int(x) for x in v)
            else:
                out[k] = v
        return out

    @classmethod
    def from_json(cls, data: Any) -> ClientFilter:
        """The filter a saved segment holds; ValueError naming the part that is not right (an
        unknown part too: a segment saved by a newer version is refused rather than widened)."""
        if not isinstance(data, dict):
            raise ValueError("a filter is a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown filter part {unknown[0]}")
        kw: dict[str, Any] = {}
        for k, v in data.items():
            if v is None:
                continue
            try:
                kw[k] = _parse(k, v)
            except (TypeError, ValueError, InvalidOperation):
                raise ValueError(f"{k}: {v!r} is not valid") from None
        f = cls(**kw)
        bad = f.problems()
        if bad:
            k = next(iter(bad))
            raise ValueError(f"{k}: {bad[k]}")
        return f


def _parse(name: str, v: Any) -> Any:
    if name in ("last_visit_from", "last_visit_to"):
        return date.fromisoformat(str(v))
    if name in ("spend_min", "spend_max"):
        if isinstance(v, (bool, float)):
            raise TypeError(name)
        return Decimal(str(v))
    if name == "service_ids":
        if not isinstance(v, (list, tuple)):
            raise TypeError(name)
        return tuple(sorted({_int(x) for x in v}))
    if name in ("vip", "marketing"):
        if not isinstance(v, bool):
            raise TypeError(name)
        return v
    if name == "reachable":
        if not isinstance(v, str) or v not in REACHABLE:
            raise ValueError(name)
        return v
    return _int(v)


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise TypeError("not a whole number")
    return int(v)


@dataclass(frozen=True)
class Bounds:
    """The filter's times as UTC moments (``lo <= t < hi``), for one ``now`` and shop zone."""

    last_visit_lo: datetime | None
    last_visit_hi: datetime | None
    service_since: datetime | None
    served_since: datetime | None


def _day_start(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


def bounds(f: ClientFilter, now: datetime, tz: tzinfo) -> Bounds:
    """``from``/``to`` are the shop's whole days; "within N days" is ``now - N days``; "not seen
    for N days" is a last visit before ``now - N days``. Of two lower (or upper) limits the
    tighter one holds."""
    lows: list[datetime] = []
    highs: list[datetime] = []
    if f.last_visit_from is not None:
        lows.append(_day_start(f.last_visit_from, tz))
    if f.seen_within_days is not None:
        lows.append(now - timedelta(days=f.seen_within_days))
    if f.last_visit_to is not None:
        highs.append(_day_start(f.last_visit_to + timedelta(days=1), tz))
    if f.not_seen_days is not None:
        highs.append(now - timedelta(days=f.not_seen_days))
    return Bounds(
        last_visit_lo=max(lows) if lows else None,
        last_visit_hi=min(highs) if highs else None,
        service_since=None if f.service_within_days is None else now - timedelta(days=f.service_within_days),
        served_since=None if f.served_within_days is None else now - timedelta(days=f.served_within_days),
    )


def birthday_range(month: int) -> tuple[str, str]:
    """The ``birthday_md`` ('MM-DD') range of a month, for an index range scan."""
    return f"{month:02d}-01", f"{month:02d}-31"


# ------------------------------------------------------------------ saved segments


@dataclass(frozen=True)
class SavedSegment:
    name: str
    filter: ClientFilter


def segment_name_problem(name: str) -> str | None:
    n = name.strip()
    if not n:
        return _("Give the list a name.")
    if len(n) > MAX_NAME:
        return _("A list's name has at most {n} characters.").format(n=MAX_NAME)
    return None


def parse_segments(value: Any) -> list[SavedSegment]:
    """The ``clients.segments`` setting's value as saved segments; ValueError naming the problem."""
    if not isinstance(value, list):
        raise ValueError("a list of saved client lists")
    if len(value) > MAX_SEGMENTS:
        raise ValueError(f"at most {MAX_SEGMENTS} saved client lists")
    out: list[SavedSegment] = []
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, dict) or set(item) - {"name", "filter"} or not isinstance(item.get("name"), str):
            raise ValueError('each saved list is {"name": ..., "filter": {...}}')
        name = item["name"].strip()
        why = segment_name_problem(name)
        if why:
            raise ValueError(why)
        if name.casefold() in seen:
            raise ValueError(f"two saved lists are called {name}")
        seen.add(name.casefold())
        out.append(SavedSegment(name, ClientFilter.from_json(item.get("filter", {}))))
    return out


def segments_json(segments: list[SavedSegment]) -> list[dict[str, Any]]:
    return [{"name": s.name, "filter": s.filter.to_json()} for s in segments]
