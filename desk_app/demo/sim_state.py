"""What the parts of the demo shop's simulation share (desk_app.demo.sim builds them).

The catalog and staff as the simulation sees them (``Svc``, ``Prod``, ``Pkg``, ``Person``), the
random stream (``FastRandom``), the ids (``Ids``), the clients (``Clients``: who exists, when they
registered, what the simulation remembers about each) and ``SimState``: the one object the
calendar, the visit, the till and after-care are all handed (the rows, the ids, the random
stream, the clock and zone, the period, the staff at the desk and the clients).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]
# a next visit booked at the desk: (client index, service code, the visit it was booked at)
Request = tuple[int, str, Row]

# the stylists' specialities, in the order they are hired (the calendar draws their services by it)
SPEC_PATTERN = ("hair", "hair", "skin", "hair", "nails", "hair", "skin", "hair", "hair", "nails")


@dataclass(slots=True)
class Person:
    id: int
    branch_id: int
    role: str
    name: str
    spec: str = ""
    day_off: int = -1  # weekday index, -1: works every day
    resource_id: int | None = None
    free_at: datetime | None = None
    regulars: list[int] = field(default_factory=list)  # clients this stylist has served


@dataclass(slots=True)
class CState:
    """What the simulation remembers about one client."""

    vip: bool = False
    member_since: datetime | None = None
    full_spend: int = 0
    total_spend: int = 0
    visits: int = 0
    no_shows: int = 0
    late_cancels: int = 0
    first: datetime | None = None
    last: datetime | None = None
    fav: int | None = None
    prepaid_id: int | None = None
    balance: int = 0
    points_id: int | None = None  # the loyalty points account (opened on the first sale)
    points: int = 0
    points_last: datetime | None = None
    points_version: int = 1
    packages: list[Row] = field(default_factory=list)  # client_packages rows


@dataclass(frozen=True, slots=True)
class Svc:
    id: int
    code: str
    name: str
    price: int
    duration: int
    buffer: int
    kind: str  # consultation kind of the category


@dataclass(frozen=True, slots=True)
class Prod:
    id: int
    sku: str
    name: str
    price: int
    stock: int
    reorder: int
    retail: bool


@dataclass(frozen=True, slots=True)
class Pkg:
    id: int
    service_id: int
    sessions: int
    price: int
    valid_days: int
    name: str


class FastRandom(random.Random):
    """``random.Random`` with cheaper ``randint``/``choice``/``randrange``/single ``choices``
    (one ``random()`` call each): the generator draws millions of them. Deterministic per seed."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None and step == 1:
            return int(self.random() * start)
        return super().randrange(start, stop, step)

    def choices(
        self, population: Any, weights: Any = None, *, cum_weights: Any = None, k: int = 1
    ) -> list[Any]:
        if k == 1 and weights is not None and cum_weights is None:
            r = self.random() * sum(weights)
            acc = 0.0
            for item, w in zip(population, weights, strict=True):
                acc += w
                if r < acc:
                    return [item]
            return [population[-1]]
        return super().choices(population, weights, cum_weights=cum_weights, k=k)


class Ids:
    def __init__(self, start: dict[str, int]) -> None:
        self._next = dict(start)

    def __call__(self, table: str) -> int:
        n = self._next.get(table, 1)
        self._next[table] = n + 1
        return n


class Clients:
    """The shop's clients by index (0..n-1, written in that order from id ``base``): those below
    ``k0`` existed before the period, the rest join during it (``pick`` hands them out)."""

    def __init__(self, rng: random.Random, n: int, base: int, k0: int, p_new: float) -> None:
        self.rng = rng
        self.n = n
        self.base = base
        self.k0 = k0
        self.p_new = p_new
        self.new_used = 0
        self.created: list[datetime | None] = [None] * n
        self.state: dict[int, CState] = {}
        self.allergy: dict[int, int] = {}
        self.skin: bytearray = bytearray(n)
        self.hair: bytearray = bytearray(n)
        self.english: bytearray = bytearray(n)

    def cid(self, idx: int) -> int:
        """Database id of the client with index ``idx`` (clients are written in index order)."""
        return self.base + idx

    def st(self, idx: int) -> CState:
        s = self.state.get(idx)
        if s is None:
            s = self.state[idx] = CState()
        return s

    def pick(self, booked_at: datetime) -> tuple[int, bool]:
        """An existing client (skewed towards regulars) or, sometimes, a new one."""
        rng = self.rng
        if self.k0 + self.new_used < self.n and (rng.random() < self.p_new or self.k0 == 0):
            idx = self.k0 + self.new_used
            self.new_used += 1
            self.created[idx] = booked_at
            return idx, True
        if self.new_used and rng.random() < 0.25:
            return self.k0 + int(rng.random() * self.new_used), False
        return int(self.k0 * rng.random() ** 1.6), False

    def register_the_rest(self, first: datetime, now: datetime) -> None:
        """Clients who joined during the period but never came: registered on some day."""
        span = max(1.0, (now - first).total_seconds() - 3600)
        for i in range(self.k0 + self.new_used, self.n):
            self.created[i] = first + timedelta(seconds=self.rng.random() * span)


@dataclass(slots=True, eq=False)
class SimState:
    """The one state object the parts of the simulation share. The parts keep their own
    references to its fixed members (the same objects: rows, ids, rng…), read in the hot loops."""

    rng: random.Random
    now: datetime
    tz: ZoneInfo
    zh: bool
    today: date
    start_day: date
    end_day: date
    owner_id: int
    branches: list[int]
    receptionists: list[Person]
    clients: Clients
    ids: Ids
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def local(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, self.tz).astimezone(UTC)

    def txt(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.zh else pair[1]

    def cashier(self, branch_id: int) -> int:
        pool = [r.id for r in self.receptionists if r.branch_id == branch_id] or [self.owner_id]
        return pool[self.rng.randrange(len(pool))]
