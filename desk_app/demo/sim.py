"""The demo shop's history, simulated day by day in memory (no database access).

``World.run()`` walks from the first day of the period to three weeks after
today. Each day it lays out every stylist's appointments one after another
(so nobody is ever double-booked), then plays them in time order: visits with
their step timestamps, assessments, service logs, formulas, sales that follow
docs/money-model.md, prepaid and package movements, stock, memberships,
follow-ups, feedback, complaints, refunds. The rows are plain dicts keyed by
table name; ``desk_app.demo`` writes them with bulk inserts. Every id is
assigned here, in time order, so rows can point at each other before they
exist in the database.

``World`` sizes the period, plans the clients and puts the parts together; each part holds the
one shared ``SimState`` (sim_state.py: rows, ids, the random stream, the clock and zone, the
clients) and the parts below it:

- ``Calendar`` (sim_calendar.py): the days, each stylist's schedule, each appointment played;
- ``Visits`` (sim_visit.py): a visit's steps, from arrival to the rebooking;
- ``Till`` (sim_money.py): sales, payments, prepaid, refunds and voids, stock, the cash drawer;
- ``Aftercare`` (sim_aftercare.py): scores, feedback, follow-ups, complaints, calls at the desk.

The random stream is one and the parts draw from it in the order the old single class did:
same seed and same ``now``, same rows.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from desk_app.demo import pools as P
from desk_app.demo.sim_aftercare import Aftercare
from desk_app.demo.sim_calendar import Calendar
from desk_app.demo.sim_money import Till
from desk_app.demo.sim_state import Clients, Ids, Person, Pkg, Prod, Row, SimState, Svc
from desk_app.demo.sim_visit import Visits

HORIZON_DAYS = 21


class World:
    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        tz: ZoneInfo,
        n_clients: int,
        months: int,
        lang: str,
        currency: str,
        branches: list[int],
        owner_id: int,
        stylists: list[Person],
        receptionists: list[Person],
        services: dict[str, Svc],
        products: list[Prod],
        packages: list[Pkg],
        id_start: dict[str, int],
        vip_percent: int = 12,
        vip_single: int = 300_000,
        vip_cumulative: int = 500_000,
    ) -> None:
        today = now.astimezone(tz).date()
        start_day = _months_back(today, months)
        # how full the past days are, and how many clients join during the period (the rest,
        # below k0, existed before it)
        period_days = max(1, (today - start_day).days)
        workdays = period_days * 6 / 7
        slots = 6.5
        wanted = n_clients * months * 1.0
        capacity = max(1.0, len(stylists) * workdays * slots)
        fill = min(0.9, max(0.02, wanted / capacity))
        expected_past = capacity * fill * 0.88
        n_new = int(min(n_clients * 0.25, expected_past * 0.2))
        p_new = min(0.6, n_new / max(1.0, expected_past))
        self.clients = Clients(rng, n_clients, id_start.get("clients", 1), n_clients - n_new, p_new)
        self.sim = sim = SimState(
            rng=rng,
            now=now,
            tz=tz,
            zh=not lang.startswith("en"),
            today=today,
            start_day=start_day,
            end_day=today + timedelta(days=HORIZON_DAYS),
            owner_id=owner_id,
            branches=branches,
            receptionists=receptionists,
            clients=self.clients,
            ids=Ids(id_start),
        )
        self.rows: dict[str, list[Row]] = sim.rows
        self.aftercare = Aftercare(sim)
        self.till = Till(
            sim,
            self.aftercare,
            currency=currency,
            products=products,
            packages=packages,
            services=list(services.values()),
            vip_percent=vip_percent,
            vip_single=vip_single,
            vip_cumulative=vip_cumulative,
        )
        self.visits = Visits(sim, self.till, self.aftercare, products)
        self.calendar = Calendar(
            sim, self.visits, self.till, self.aftercare, stylists=stylists, services=services, fill=fill
        )
        self._plan_clients()

    def _plan_clients(self) -> None:
        """When the clients who existed before the period registered, their skin, hair, language
        and allergies, and the few who were already members."""
        sim = self.sim
        rng = sim.rng
        clients = self.clients
        first = sim.local(sim.start_day, time(10, 0))
        span = 3 * 365 * 86400
        created = clients.created
        for i in range(clients.k0):
            # older clients have lower numbers: spread evenly over the 3 years before the period
            frac = (i + rng.random()) / max(1, clients.k0)
            created[i] = first - timedelta(seconds=span * (1 - frac))
        for i in range(clients.n):
            clients.skin[i] = rng.randrange(len(P.SKIN_TYPES))
            clients.hair[i] = rng.randrange(len(P.HAIR_TYPES))
            clients.english[i] = rng.random() < 0.3
            if rng.random() < 0.08:
                clients.allergy[i] = rng.randrange(len(P.ALLERGIES))
        for i in range(clients.k0):
            if rng.random() < 0.03:
                c = created[i]
                assert c is not None
                since = c + timedelta(days=rng.randint(0, 200))
                since = min(since, first - timedelta(days=1))
                s = clients.st(i)
                s.vip, s.member_since = True, since
                self.rows["memberships"].append(
                    {
                        "id": sim.ids("memberships"),
                        "client_id": clients.cid(i),
                        "tier": "vip",
                        "reason": "manual",
                        "sale_id": None,
                        "staff_id": sim.owner_id,
                        "at": since,
                    }
                )

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Every day of the period and three weeks on; ``progress(days done, days)`` each week."""
        sim = self.sim
        d = sim.start_day
        total = (sim.end_day - sim.start_day).days + 1
        i = 0
        while d <= sim.end_day:
            self.calendar.day(d)
            i += 1
            if progress is not None and (i % 7 == 0 or d == sim.end_day):
                progress(i, total)
            d += timedelta(days=1)
        self.clients.register_the_rest(sim.local(sim.start_day, time(10, 0)), sim.now)
        self.till.finish()


def _months_back(d: date, months: int) -> date:
    y, m = d.year, d.month - months
    while m <= 0:
        m += 12
        y -= 1
    last = calendar.monthrange(y, m)[1]
    return date(y, m, min(d.day, last))
