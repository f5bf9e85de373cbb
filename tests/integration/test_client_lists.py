"""Client lists and saved segments (docs/clients.md, "Lists and segments"), and a message to a list
(docs/messages.md, "To a client list"): each filter proven by planted clients that match and
clients that do not, on SQLite and on PostgreSQL; counts equal the rows; the CSV read back; the
saved lists audited; refusals write nothing; the message goes once, to the consenting clients with
an address only. Dates come from the FakeClock (2026-11-18 10:00 in Shanghai), never today's."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from desk_app.bootstrap import open_database
from desk_app.clients.lists import ClientListService
from desk_app.container import Services
from desk_app.core.csvfile import csv_unescape
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.engine import Database
from desk_app.db.models import AuditEntry, Client, OutboxMessage, Sale, SaleLine, Service, Setting, Visit
from desk_app.domain.client_filter import ClientFilter, bounds
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.messages_helpers import email_set_up, sms_set_up
from tests.integration.test_aftercare_data import add_staff

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # the FakeClock's start: 10:00 in Shanghai


def plant(db: Database, name: str, **cols: Any) -> int:
    with db.uow() as uow:
        n = uow.session.scalar(select(func.count()).select_from(Client)) or 0
        bday = cols.pop("birthday", None)
        c = Client(
            client_number=f"L{n + 1:06d}", name=name, search_text=name.lower(),
            phone=cols.pop("phone", f"+86138{n + 1:08d}"), email=cols.pop("email", ""),
            birthday=bday, birthday_md=bday.strftime("%m-%d") if bday else None, **cols,
        )  # fmt: skip
        uow.session.add(c)
        uow.session.flush()
        cid = c.id
        uow.commit()
    return cid


def sale(db: Database, branch_id: int, client_id: int, at: datetime, service_id: int, staff_id: int | None,
         kind: str = "sale") -> None:
    with db.uow() as uow:
        n = uow.session.scalar(select(func.count()).select_from(Sale)) or 0
        s = Sale(branch_id=branch_id, receipt_no=f"T{n + 1:06d}", kind=kind, client_id=client_id, sold_at=at,
                 currency="CNY", total_minor=10000)
        uow.session.add(s)
        uow.session.flush()
        uow.session.add(SaleLine(sale_id=s.id, line_no=1, kind="service", service_id=service_id, staff_id=staff_id,
                                 description="svc", unit_price_minor=10000, line_total_minor=10000))
        uow.commit()


def visit(db: Database, branch_id: int, client_id: int, at: datetime, staff_id: int, step: str = "done") -> None:
    with db.uow() as uow:
        uow.session.add(Visit(branch_id=branch_id, client_id=client_id, staff_id=staff_id, arrived_at=at, step=step,
                              status="done"))
        uow.commit()


class Shop:
    """The planted clients, by name, and the staff and services they were served by."""

    def __init__(self, services: Services, owner: Actor) -> None:
        db = services.db
        b = owner.branch_id
        self.leo = add_staff(db, b, "Leo").staff_id
        self.amy = add_staff(db, b, "Amy").staff_id
        with db.uow(write=False) as uow:
            self.cut, self.colour = [int(x) for x in uow.session.scalars(select(Service.id).order_by(Service.id).limit(2))]
        d = timedelta
        self.ids = {
            # last visit 10 days ago, spent 1,500.00, VIP, born in March, agreed to marketing and email
            "recent_vip": plant(db, "Recent VIP", last_visit_at=NOW - d(days=10), total_spend_minor=150000,
                                membership_tier="vip", birthday=date(1990, 3, 5), marketing_consent=True,
                                email="vip@example.com", email_consent=True, visit_count=12,
                                favourite_staff_id=self.leo, branch_id=b),
            # 200 days ago, 300.00, texts agreed, two no-shows, born 31 March
            "lapsed": plant(db, "Lapsed Lucy", last_visit_at=NOW - d(days=200), total_spend_minor=30000,
                            birthday=date(1985, 3, 31), sms_consent=True, marketing_consent=True,
                            no_show_count=2, visit_count=3, branch_id=b),
            # 400 days ago, 50.00, three no-shows, agreed to texts but has no phone, born in April
            "old": plant(db, "Old Olga", last_visit_at=NOW - d(days=400), total_spend_minor=5000, phone="",
                         sms_consent=True, marketing_consent=True, no_show_count=3, birthday=date(1970, 4, 1),
                         visit_count=1),
            # never came, nothing spent, no consent at all
            "never": plant(db, "Never Ned", total_spend_minor=0),
            # erased: matches everything but is never listed
            "erased": plant(db, "Erased Eve", last_visit_at=NOW - d(days=10), total_spend_minor=150000,
                            membership_tier="vip", birthday=date(1990, 3, 6), marketing_consent=True,
                            email="eve@example.com", email_consent=True, erased_at=NOW - d(days=1)),
        }
        # merged into Recent VIP (another profile of the same person): never listed either
        self.ids["merged"] = plant(db, "Merged Mo", last_visit_at=NOW - d(days=10), total_spend_minor=150000,
                                   membership_tier="vip", marketing_consent=True, email="mo@example.com",
                                   email_consent=True, merged_into_id=self.ids["recent_vip"])
        ids = self.ids
        sale(db, b, ids["recent_vip"], NOW - d(days=10), self.cut, self.leo)
        sale(db, b, ids["lapsed"], NOW - d(days=200), self.colour, self.amy)
        sale(db, b, ids["old"], NOW - d(days=400), self.cut, None)
        sale(db, b, ids["never"], NOW - d(days=5), self.colour, self.leo, kind="refund")  # a refund is not "had"
        sale(db, b, ids["erased"], NOW - d(days=10), self.cut, self.leo)
        visit(db, b, ids["old"], NOW - d(days=400), self.leo)
        visit(db, b, ids["lapsed"], NOW - d(days=30), self.leo, step="cancelled")  # a cancelled visit is not served

    def names(self, ids: set[int]) -> set[str]:
        back = {v: k for k, v in self.ids.items()}
        return {back[i] for i in ids}


def listed(services: Services, owner: Actor, f: ClientFilter, shop: Shop) -> set[str]:
    lists = services.client_lists
    rows = lists.page(owner, f, 0, 500)
    assert lists.count(owner, f) == len(rows)  # the count is the rows
    return shop.names({r.id for r in rows})


def check_every_filter(services: Services, owner: Actor, shop: Shop) -> None:
    everyone = {"recent_vip", "lapsed", "old", "never"}
    cases: list[tuple[ClientFilter, set[str]]] = [
        (ClientFilter(), everyone),
        (ClientFilter(seen_within_days=30), {"recent_vip"}),
        (ClientFilter(not_seen_days=180), {"lapsed", "old"}),
        (ClientFilter(not_seen_days=180, seen_within_days=365), {"lapsed"}),
        (ClientFilter(last_visit_from=date(2026, 5, 1), last_visit_to=date(2026, 5, 2)), {"lapsed"}),
        (ClientFilter(last_visit_to=date(2026, 11, 8)), {"recent_vip", "lapsed", "old"}),
        (ClientFilter(last_visit_to=date(2026, 11, 7)), {"lapsed", "old"}),  # 10 days ago was the 8th
        (ClientFilter(last_visit_from=date(2026, 11, 8), last_visit_to=date(2026, 11, 8)), {"recent_vip"}),
        (ClientFilter(last_visit_from=date(2026, 11, 9)), set()),
        (ClientFilter(spend_min=Decimal("300")), {"recent_vip", "lapsed"}),
        (ClientFilter(spend_min=Decimal("300.01")), {"recent_vip"}),
        (ClientFilter(spend_max=Decimal("300")), {"lapsed", "old", "never"}),
        (ClientFilter(spend_min=Decimal("1"), spend_max=Decimal("300")), {"lapsed", "old"}),
        (ClientFilter(service_ids=(shop.cut,)), {"recent_vip", "old"}),
        (ClientFilter(service_ids=(shop.cut,), service_within_days=365), {"recent_vip"}),
        (ClientFilter(service_ids=(shop.colour,)), {"lapsed"}),
        (ClientFilter(service_ids=(shop.cut, shop.colour), service_within_days=365), {"recent_vip", "lapsed"}),
        (ClientFilter(vip=True), {"recent_vip"}),
        (ClientFilter(vip=False), {"lapsed", "old", "never"}),
        (ClientFilter(birthday_month=3), {"recent_vip", "lapsed"}),
        (ClientFilter(birthday_month=4), {"old"}),
        (ClientFilter(birthday_month=12), set()),
        (ClientFilter(marketing=True), {"recent_vip", "lapsed", "old"}),
        (ClientFilter(marketing=False), {"never"}),
        (ClientFilter(reachable="email"), {"recent_vip"}),
        (ClientFilter(reachable="sms"), {"lapsed"}),
        (ClientFilter(reachable="any"), {"recent_vip", "lapsed"}),
        (ClientFilter(favourite_staff_id=shop.leo), {"recent_vip"}),
        (ClientFilter(served_by_staff_id=shop.leo), {"recent_vip", "old"}),
        (ClientFilter(served_by_staff_id=shop.leo, served_within_days=90), {"recent_vip"}),
        (ClientFilter(served_by_staff_id=shop.amy), {"lapsed"}),
        (ClientFilter(no_shows_min=2), {"lapsed", "old"}),
        (ClientFilter(no_shows_min=3), {"old"}),
        (ClientFilter(branch_id=owner.branch_id), {"recent_vip", "lapsed"}),
        (ClientFilter(marketing=True, no_shows_min=2, birthday_month=3), {"lapsed"}),
    ]
    for f, want in cases:
        assert listed(services, owner, f, shop) == want, f


def test_each_filter_keeps_the_clients_it_should(services: Services, owner: Actor) -> None:
    shop = Shop(services, owner)
    check_every_filter(services, owner, shop)


def test_the_page_sorts_pages_and_masks_phones(services: Services, owner: Actor) -> None:
    shop = Shop(services, owner)
    lists = services.client_lists
    by_visit = [r.id for r in lists.page(owner, ClientFilter(), 0, 10)]
    assert shop.names(set(by_visit[:3])) == {"recent_vip", "lapsed", "old"} and by_visit[-1] == shop.ids["never"]
    assert by_visit[:3] == [shop.ids["recent_vip"], shop.ids["lapsed"], shop.ids["old"]]
    assert [r.id for r in lists.page(owner, ClientFilter(), 1, 2)] == by_visit[1:3]
    assert [r.name for r in lists.page(owner, ClientFilter(), 0, 10, sort="name")] == sorted(
        ["Recent VIP", "Lapsed Lucy", "Old Olga", "Never Ned"])
    top = lists.page(owner, ClientFilter(), 0, 1, sort="spend")[0]
    assert top.id == shop.ids["recent_vip"] and top.total_spend == Decimal("1500.00") and top.vip
    assert top.visit_count == 12 and top.last_visit_at == NOW - timedelta(days=10)
    assert top.phone.replace(" ", "") == "13800000001"  # the owner sees phones, written as the search shows them
    stylist = add_staff(services.db, owner.branch_id, "Kai")  # may see clients, not their phones
    seen = lists.page(stylist, ClientFilter(vip=True), 0, 5)[0]
    assert "*" in seen.phone and seen.phone.endswith(top.phone[-4:])
    with pytest.raises(ValidationError):
        lists.page(owner, ClientFilter(), sort="age")
    with pytest.raises(ValidationError) as bad:
        lists.count(owner, ClientFilter(spend_min=Decimal("5"), spend_max=Decimal("1"), birthday_month=13))
    assert set(bad.value.errors) == {"spend_max", "birthday_month"}


def test_the_dates_are_the_shops_days() -> None:
    from zoneinfo import ZoneInfo

    b = bounds(ClientFilter(last_visit_from=date(2026, 3, 1), last_visit_to=date(2026, 3, 31), seen_within_days=400),
               NOW, ZoneInfo("Asia/Shanghai"))
    assert b.last_visit_lo == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert b.last_visit_hi == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # the day after the last, excluded
    f = ClientFilter(spend_min=Decimal("12.50"), service_ids=(3, 1), vip=False, reachable="sms",
                     last_visit_to=date(2026, 1, 2))
    assert f.to_json() == {"spend_min": "12.50", "service_ids": [1, 3], "vip": False, "reachable": "sms",
                           "last_visit_to": "2026-01-02"}
    assert ClientFilter.from_json(f.to_json()) == ClientFilter(**{**f.__dict__, "service_ids": (1, 3)})
    for bad in ({"vip": "yes"}, {"colour": 1}, {"birthday_month": 13}, {"spend_min": 1.5}, []):
        with pytest.raises(ValueError):
            ClientFilter.from_json(bad)


def test_export_writes_the_list_as_csv_and_is_audited(services: Services, owner: Actor, tmp_path: Path) -> None:
    shop = Shop(services, owner)
    formula = plant(services.db, "=HYPERLINK(\"http://x\")", last_visit_at=NOW - timedelta(days=3),
                    total_spend_minor=123456, membership_tier="vip")
    shop.ids["formula"] = formula
    out = tmp_path / "vip.csv"
    n = services.client_lists.export_csv(owner, ClientFilter(vip=True), out, segment="VIPs")
    assert n == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads Chinese right
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["'=HYPERLINK(\"http://x\")", "Recent VIP"]  # escaped, newest visit first
    vip = rows[1]
    assert vip["total_spend"] == "1500.00" and vip["vip"] == "1" and vip["visit_count"] == "12"
    assert vip["email"] == "vip@example.com" and csv_unescape(vip["phone"]).startswith("+86138")  # kept as text
    assert vip["last_visit_at"] == "2026-11-08T10:00:00+08:00" and vip["birthday"] == "1990-03-05"
    (entry,) = _audit(services.db, AuditEntry.entity == "client_list")
    assert entry.action == "export" and entry.after is not None
    assert entry.after["rows"] == 2 and entry.after["filter"] == {"vip": True} and entry.after["segment"] == "VIPs"
    # a receptionist may see clients but not export them: refused, nothing written, the refusal logged
    desk = add_staff(services.db, owner.branch_id, "Rita", "receptionist")
    with pytest.raises(NotAllowed):
        services.client_lists.export_csv(desk, ClientFilter(), tmp_path / "all.csv")
    assert not (tmp_path / "all.csv").exists()
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "denied", AuditEntry.staff_id == desk.staff_id)) == 1
    with pytest.raises(ValidationError):
        services.client_lists.export_csv(owner, ClientFilter(), tmp_path / "no" / "such" / "dir.csv")


def test_segments_are_saved_recalled_replaced_deleted_and_audited(services: Services, owner: Actor) -> None:
    lists = services.client_lists
    assert lists.segments(owner) == []
    vip = ClientFilter(vip=True, marketing=True)
    lapsed = ClientFilter(not_seen_days=90, spend_min=Decimal("500"))
    lists.save_segment(owner, "VIPs", vip)
    saved = lists.save_segment(owner, " Lapsed big spenders ", lapsed)
    assert [(s.name, s.filter) for s in saved] == [("VIPs", vip), ("Lapsed big spenders", lapsed)]
    assert lists.segments(owner) == saved
    # the same name (any case) replaces it, in its place
    again = lists.save_segment(owner, "vips", ClientFilter(vip=True))
    assert [(s.name, s.filter) for s in again] == [("vips", ClientFilter(vip=True)), ("Lapsed big spenders", lapsed)]
    # kept in the shop's settings as JSON, read by another desk's store too
    services.settings.refresh()
    assert services.settings.get(S.CLIENTS_SEGMENTS) == [
        {"name": "vips", "filter": {"vip": True}},
        {"name": "Lapsed big spenders", "filter": {"not_seen_days": 90, "spend_min": "500"}},
    ]
    assert [s.name for s in lists.delete_segment(owner, "VIPS")] == ["Lapsed big spenders"]
    with pytest.raises(ServiceError):
        lists.delete_segment(owner, "nobody")
    with pytest.raises(ValidationError):
        lists.save_segment(owner, "  ", vip)
    with pytest.raises(ValidationError):
        lists.save_segment(owner, "x" * 61, vip)
    entries = _audit(services.db, AuditEntry.entity == "setting", AuditEntry.entity_id == "clients.segments")
    assert len(entries) == 4 and all(e.action == "update" and e.staff_id == owner.staff_id for e in entries)
    assert entries[0].before == {"clients.segments": []}
    assert entries[-1].after == {"clients.segments": [
        {"name": "Lapsed big spenders", "filter": {"not_seen_days": 90, "spend_min": "500"}}]}
    # a stylist may use the saved lists but not change them: refused, nothing written
    stylist = add_staff(services.db, owner.branch_id, "Kai")
    assert [s.name for s in lists.segments(stylist)] == ["Lapsed big spenders"]
    with pytest.raises(NotAllowed):
        lists.save_segment(stylist, "Mine", vip)
    with pytest.raises(NotAllowed):
        lists.delete_segment(stylist, "Lapsed big spenders")
    assert [s.name for s in lists.segments(owner)] == ["Lapsed big spenders"]
    # the same setting through Settings and the command line's path: checked the same way
    services.shop_details.save_setting(owner, "clients.segments", [{"name": "All", "filter": {}}])
    assert [s.name for s in lists.segments(owner)] == ["All"]
    with pytest.raises(ValidationError):
        services.shop_details.save_setting(owner, "clients.segments", [{"name": "Bad", "filter": {"vip": 2}}])
    with pytest.raises(ValidationError):
        services.shop_details.save_setting(owner, "clients.segments", [60, 7])


def _audit(db: Database, *where: Any) -> list[AuditEntry]:
    with db.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id)))
        uow.session.expunge_all()
    return rows


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.client_id)))
        uow.session.expunge_all()
    return rows


def test_a_message_to_a_list_reaches_only_who_agreed_and_only_once(services: Services, owner: Actor) -> None:
    db = services.db
    lists = services.client_lists
    b = owner.branch_id
    ids = {
        "email": plant(db, "Email Emma", marketing_consent=True, email="emma@example.com", email_consent=True,
                       preferred_channel="email", language="en", membership_tier="vip", branch_id=b),
        "sms": plant(db, "Text Tom", marketing_consent=True, sms_consent=True, preferred_channel="sms",
                     membership_tier="vip", language="zh_CN"),
        "both": plant(db, "Both Bo", marketing_consent=True, sms_consent=True, email="bo@example.com",
                      email_consent=True, preferred_channel="email", membership_tier="vip"),
        "no_marketing": plant(db, "No Marketing Ma", email="ma@example.com", email_consent=True, sms_consent=True,
                              membership_tier="vip"),
        "no_address": plant(db, "No Address Al", marketing_consent=True, email_consent=True, email="",
                             membership_tier="vip"),
        "no_channel": plant(db, "No Channel Ng", marketing_consent=True, email="ng@example.com",
                            membership_tier="vip"),
        "erased": plant(db, "Erased Er", marketing_consent=True, email="er@example.com", email_consent=True,
                        membership_tier="vip", erased_at=NOW),
        "not_vip": plant(db, "Not VIP Nv", marketing_consent=True, email="nv@example.com", email_consent=True),
    }
    f = ClientFilter(vip=True)
    with pytest.raises(ServiceError, match="set up"):  # no channel set up: nothing can go
        lists.send_message(owner, f)
    email_set_up(services.settings, 2525)
    aud = lists.audience(owner, f)
    assert (aud.listed, aud.will_get, aud.no_marketing, aud.no_channel) == (6, 2, 1, 3)  # texts not set up yet
    # Text Tom agreed to texts, which the shop has not set up: said so, not blamed on his consent
    assert aud.not_set_up == 1 and "1 agreed only to a way of sending that is not set up" in aud.sentence()
    assert "2 have no phone or email they agreed to be messaged on" in aud.sentence()
    sms_set_up(services.settings)
    aud = lists.audience(owner, f)
    assert (aud.listed, aud.will_get, aud.no_marketing, aud.no_channel, aud.not_set_up) == (6, 3, 1, 2, 0)
    assert aud.sentence() == ("6 clients in the list; 3 will get it; 1 has not agreed to marketing messages; "
                              "2 have no phone or email they agreed to be messaged on")
    # a stylist may list clients but not message them: refused, nothing queued
    stylist = add_staff(db, b, "Kai")
    with pytest.raises(NotAllowed):
        lists.send_message(stylist, f)
    assert _outbox(db) == []

    done = lists.send_message(owner, f, segment="VIPs")
    assert (done.queued, done.already, done.audience.listed) == (3, 0, 6)
    rows = _outbox(db)
    assert {r.client_id: r.channel for r in rows} == {ids["email"]: "email", ids["sms"]: "sms", ids["both"]: "email"}
    assert {r.client_id: r.language for r in rows}[ids["sms"]] == "zh_CN"
    assert all(r.kind == "campaign" and r.state == "queued" and r.due_at == NOW for r in rows)
    assert all(r.dedupe_key.startswith("campaign:2026-11-18:") for r in rows)
    # sent again (a double click, another desk, another list with the same clients): nothing more
    again = lists.send_message(owner, ClientFilter(marketing=True))
    assert (again.queued, again.already) == (1, 3)  # only the one new client of the wider list
    assert {r.client_id for r in _outbox(db)} == {ids["email"], ids["sms"], ids["both"], ids["not_vip"]}
    assert lists.send_message(owner, f).queued == 0
    assert len(_outbox(db)) == 4
    sent = _audit(db, AuditEntry.entity == "campaign")
    assert [e.after["queued"] for e in sent if e.after] == [3, 1, 0]
    first = sent[0].after or {}
    assert first["segment"] == "VIPs" and first["no_marketing"] == 1 and first["no_channel"] == 2
    assert first["filter"] == {"vip": True} and sent[0].staff_id == owner.staff_id
    # the sender writes it from the campaign template, in the client's language, with their name
    from desk_app.messages.sender import prepare

    tom = next(r for r in rows if r.client_id == ids["sms"])
    with db.uow(write=False) as uow:
        why, ready, _n = prepare(uow.session, services.settings, tom.id, NOW)
    assert why is None and ready is not None and ready.to.startswith("+86138")
    assert "Text Tom您好" in ready.rendered.body and "Lotus Hair & Spa" in ready.rendered.body
    # reworded, it is another message: sent once more
    services.messages.save_template(owner, "campaign", "en", "Autumn offer", "Hi {client_name}, 20% off in December!")
    assert lists.send_message(owner, f).queued == 3


def test_the_queries_use_the_indexes(services: Services, owner: Actor) -> None:
    """EXPLAIN on SQLite: the services subquery is an index lookup per client, the stylist's visits and
    lines are read once by their index; never a scan of sales, sale lines or visits."""
    shop = Shop(services, owner)
    lists = services.client_lists
    f = ClientFilter(service_ids=(shop.cut,), service_within_days=365, served_by_staff_id=shop.leo, vip=False)
    with services.db.uow(write=False) as uow:
        s = uow.session
        stmt = select(func.count()).select_from(Client).where(*lists._where(s, f))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(str(r[-1]) for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_sales_client_sold" in plan, plan
    assert "ix_sale_lines_report" in plan or "ix_sale_lines_sale_id" in plan, plan
    assert "ix_visits_staff_id" in plan and "ix_sale_lines_staff_id" in plan, plan  # the stylist's, read once
    assert "CORRELATED LIST SUBQUERY" not in plan, plan
    for table in ("sales", "sale_lines", "visits"):
        assert f"SCAN {table}" not in plan, plan
    with services.db.uow(write=False) as uow:
        s = uow.session
        from desk_app.clients.lists import _order

        stmt2 = select(Client.id).where(*lists._where(s, ClientFilter())).order_by(*_order("last_visit")).limit(100)
        compiled = stmt2.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan2 = "\n".join(str(r[-1]) for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_clients_last_visit_at" in plan2, plan2  # a page walks the index, no sort of every client


def test_client_lists_on_postgresql(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        services = Services(db, clock=FakeClock())
        owner = services.shop.create_shop(
            name="PG Salon", currency="CNY", language="en", owner_name="Mia", owner_pin="1234"
        )
        shop = Shop(services, owner)
        check_every_filter(services, owner, shop)
        services.client_lists.save_segment(owner, "VIPs", ClientFilter(vip=True))
        assert [s.name for s in services.client_lists.segments(owner)] == ["VIPs"]
        email_set_up(services.settings, 2525)
        assert services.client_lists.send_message(owner, ClientFilter(vip=True)).queued == 1
        assert services.client_lists.send_message(owner, ClientFilter(vip=True)).already == 1
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
            assert uow.session.get(Setting, "clients.segments") is not None
    finally:
        db.dispose()


def test_the_service_is_built_by_the_container(services: Services) -> None:
    assert isinstance(services.client_lists, ClientListService)
