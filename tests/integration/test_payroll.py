"""Commissions and pay statements (issue 21): the owner's plan, the rules for money taken before
the service, refunds clawing back, tips passed on, and statements that reconcile with the sales
export to the cent; the files (.xlsx, .pdf, .csv) read back; the command line."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from desk_app.checkout.service import PaymentIn
from desk_app.cli import run
from desk_app.container import Services
from desk_app.core.service import NotAllowed, ValidationError
from desk_app.db.models import AuditEntry, CommissionPlan, Package, Sale, Service, Staff
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.payroll.statement import TIP
from desk_app.reports.exports import export
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, product, service, visit_at_checkout

MONTH = "2026-11"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOV_1 = date(2026, 11, 1)


def plan(**rules: str) -> dict[str, object]:
    return {
        **rules,
        "rates": [
            {"staff_id": None, "scope": "service", "category_id": None, "tiers": [[0, 1000]]},  # 10 %
            {"staff_id": None, "scope": "product", "category_id": None, "tiers": [[0, 500]]},  # 5 %
            {"staff_id": None, "scope": "package", "category_id": None, "tiers": [[0, 800]]},  # 8 %
            {"staff_id": None, "scope": "prepaid", "category_id": None, "tiers": [[0, 300]]},  # 3 %
        ],
    }


@pytest.fixture
def day(services: Services, owner: Actor, clock: FakeClock) -> dict[str, object]:
    return make_day(services, owner, clock)


def make_day(services: Services, owner: Actor, clock: FakeClock) -> dict[str, object]:
    """A November day: Leo's cut with a product and a tip (the product later refunded), a package
    sold and one of its sessions used with Leo, a top-up, and Amy's colour paid half from it."""
    db, co, pay = services.db, services.checkout, services.payments
    desk = new_staff(db, owner.branch_id, "Dana", "receptionist")
    leo = new_staff(db, owner.branch_id, "Leo")
    amy = new_staff(db, owner.branch_id, "Amy")
    cid = new_client(db)
    vid = visit_at_checkout(db, clock, owner.branch_id, cid, leo.staff_id, ["CUT-W"])
    sham_id, sham_price, _stock = product(db, "SH-COL-250")
    bill = co.add_tip(co.add_product(co.build_bill(desk, visit_id=vid), sham_id), leo.staff_id, 2000)
    bill = co.agree_over_estimate(bill, "wants the shampoo")
    cut_sale = pay.pay(desk, bill, [PaymentIn("cash", bill.total_minor)])
    clock.advance(hours=1)
    view = pay.get_sale(cut_sale.sale_id)
    sham_line = next(ln.id for ln in view.lines if ln.kind == "product")
    pay.refund(owner, cut_sale.sale_id, [sham_line], "allergic to it")  # clawed back from Dana's retail
    with db.uow(write=False) as uow:
        pk = uow.session.scalars(select(Package).where(Package.sessions == 10)).first()
        assert pk is not None
        pk_id, pk_price, pk_service = pk.id, pk.price_minor, pk.service_id
        pk_code = uow.session.get(Service, pk_service).code  # type: ignore[union-attr]
    bill = co.add_package(co.build_bill(desk, client_id=cid), pk_id)
    pay.pay(desk, bill, [PaymentIn("alipay", pk_price)])
    clock.advance(hours=1)
    vid2 = visit_at_checkout(db, clock, owner.branch_id, cid, leo.staff_id, [pk_code])
    bill = co.build_bill(desk, visit_id=vid2)
    opt = co.package_options(bill)[0]
    pay.pay(desk, co.use_package(bill, opt.line_key, opt.client_package_id), [])
    bill = co.add_topup(co.build_bill(desk, client_id=cid), 10000)
    pay.pay(desk, bill, [PaymentIn("card", 10000)])
    clock.advance(hours=1)
    vid3 = visit_at_checkout(db, clock, owner.branch_id, cid, amy.staff_id, ["CUT-W"])
    bill = co.build_bill(desk, visit_id=vid3)
    half = bill.total_minor // 2
    pay.pay(desk, bill, [PaymentIn("prepaid", half), PaymentIn("cash", bill.total_minor - half)])
    return {
        "desk": desk, "leo": leo, "amy": amy, "cut": service(db, "CUT-W")[1], "sham": sham_price,
        "pk_price": pk_price, "session": round(pk_price / 10), "half": half, "pk_code": pk_code,
    }  # fmt: skip


def test_the_default_rules_pay_on_the_service_and_the_package_sale(
    services: Services, owner: Actor, day: dict[str, object]
) -> None:
    leo, amy, desk = day["leo"], day["amy"], day["desk"]
    assert isinstance(leo, Actor) and isinstance(amy, Actor) and isinstance(desk, Actor)
    cut, sham, pk_price = int(day["cut"]), int(day["sham"]), int(day["pk_price"])  # type: ignore[call-overload]
    services.payroll.save_plan(owner, plan(), NOV_1)
    p = services.payroll.statements(owner, MONTH)
    by = {s.name: s for s in p.statements}
    # Leo: his cut at 10 %, the package session earns nothing (paid when the package was sold), his tip
    assert by["Leo"].commission_minor == round(cut * 0.10)
    assert by["Leo"].tips_minor == 2000 and by["Leo"].total_minor == round(cut * 0.10) + 2000  # no base pay
    session_line = next(ln for ln in by["Leo"].lines if ln.note == "package")
    assert session_line.sold_minor == 0 and session_line.basis_minor == 0
    # Amy: the whole colour earns, prepaid or not (prepaid earns when spent)
    assert by["Amy"].commission_minor == round(cut * 0.10)
    # Dana sold the product (refunded: clawed back), the package (8 %) and the top-up (nothing yet)
    dana = by["Dana"]
    products = next(g for g in dana.groups if g.scope == "product")
    assert products.basis_minor == 0 and products.commission_minor == 0  # sold and refunded
    assert sorted(ln.sold_minor for ln in dana.lines if ln.line_kind == "product") == [-sham, sham]
    assert next(g for g in dana.groups if g.scope == "package").commission_minor == round(pk_price * 0.08)
    # the top-up is listed (it reconciles with the sales export) on no rate: it earns when spent
    assert not any(g.scope == "prepaid" for g in dana.groups)
    topup = next(ln for ln in dana.lines if ln.line_kind == "prepaid_topup")
    assert topup.sold_minor == 10000 and topup.basis_minor == 0 and topup.note == "later"


def test_on_sale_and_on_redemption_move_the_commission(
    services: Services, owner: Actor, day: dict[str, object]
) -> None:
    cut, half, pk_price = int(day["cut"]), int(day["half"]), int(day["pk_price"])  # type: ignore[call-overload]
    services.payroll.save_plan(owner, plan(prepaid_rule="sale", package_rule="redemption"), NOV_1)
    by = {s.name: s for s in services.payroll.statements(owner, MONTH).statements}
    # the package earns as its session is used: Leo's session at the package's price a session
    session = round(pk_price / 10)
    assert by["Leo"].commission_minor == round(cut * 0.10) + round(session * 0.10)
    assert not any(g.scope == "package" for g in by["Dana"].groups)  # the package earns as it is used
    assert next(ln for ln in by["Dana"].lines if ln.line_kind == "package").note == "later"
    # the top-up earns when sold (3 % to the cashier); what the balance paid for earns nothing again
    assert next(g for g in by["Dana"].groups if g.scope == "prepaid").commission_minor == 300
    assert by["Amy"].commission_minor == round((cut - half) * 0.10)
    assert any(ln.note == "prepaid" for ln in by["Amy"].lines)


def test_a_later_plan_leaves_the_period_before_as_it_was(
    services: Services, owner: Actor, day: dict[str, object]
) -> None:
    cut = int(day["cut"])  # type: ignore[call-overload]
    leo = day["leo"]
    assert isinstance(leo, Actor)
    services.payroll.save_plan(owner, plan(), NOV_1)
    tiered = plan()
    tiered["rates"] = [*tiered["rates"],  # type: ignore[list-item]
                       {"staff_id": leo.staff_id, "scope": "service", "category_id": None,
                        "tiers": [[0, 2000], [1000, 5000]]}]  # fmt: skip
    services.payroll.save_plan(owner, tiered, date(2026, 12, 1))
    nov = services.payroll.statements(owner, MONTH)
    assert nov.plan_from == NOV_1 and nov.statement(leo.staff_id).commission_minor == round(cut * 0.10)  # type: ignore[union-attr]
    p, since = services.payroll.plan(owner, date(2026, 12, 5))
    assert since == date(2026, 12, 1) and p.rate_for(leo.staff_id, "service") is not None
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(CommissionPlan)) == 2
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "commission_plan").order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None and entry.after["effective_from"] == "2026-12-01"  # type: ignore[index]


def test_refused_and_bad_plans_change_nothing(
    services: Services, owner: Actor, day: dict[str, object]
) -> None:
    leo = day["leo"]
    assert isinstance(leo, Actor)
    with pytest.raises(NotAllowed):
        services.payroll.save_plan(leo, plan(), NOV_1)
    with pytest.raises(NotAllowed):
        services.payroll.statements(leo, MONTH)
    bad = plan()
    bad["rates"] = [{"staff_id": 99999, "scope": "service", "tiers": [[0, 100]]}]
    with pytest.raises(ValidationError, match="no longer exists"):
        services.payroll.save_plan(owner, bad, NOV_1)
    with pytest.raises(ValidationError):
        services.payroll.save_plan(owner, {"rates": [{"scope": "service", "tiers": [[0, 20000]]}]}, NOV_1)
    with pytest.raises(ValidationError, match="month"):
        services.payroll.statements(owner, "2026-13")
    with pytest.raises(ValidationError, match="first day of a month"):  # a month is paid under one plan
        services.payroll.save_plan(owner, plan(), date(2026, 11, 5))
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(CommissionPlan)) == 0
    assert check_invariants(services.db) == []
    with services.db.engine.begin() as conn:  # a plan written by hand that cannot be read
        conn.execute(text("INSERT INTO commission_plans (effective_from, plan, created_at) "
                          "VALUES ('2026-01-01', '{\"rates\": [{\"scope\": \"hair\"}]}', '2026-01-01 00:00:00')"))
    assert any("commission plan" in p for p in check_invariants(services.db))
    with services.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM commission_plans"))
    # no plan yet: the statements list what was sold and tips, and earn no commission
    by = {s.name: s for s in services.payroll.statements(owner, MONTH).statements}
    assert by["Leo"].commission_minor == 0 and by["Leo"].tips_minor == 2000


def test_the_files_read_back(services: Services, owner: Actor, day: dict[str, object], tmp_path: Path) -> None:
    services.payroll.save_plan(owner, plan(), NOV_1)
    p = services.payroll.statements(owner, MONTH)
    en = Fmt.for_shop("en", "Asia/Shanghai", "CNY")
    zh = Fmt.for_shop("zh_CN", "Asia/Shanghai", "CNY")
    services.payroll.save(owner, p, tmp_path / "pay.xlsx", en)
    wb = load_workbook(tmp_path / "pay.xlsx")
    assert wb.sheetnames[0] == "Summary" and {"Leo", "Amy", "Dana"} <= set(wb.sheetnames)
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] in ("Leo", "Amy", "Dana")}
    leo = p.statement(day["leo"].staff_id)  # type: ignore[attr-defined]
    assert leo is not None and Decimal(str(summary["Leo"][8])) == Decimal(leo.total_minor) / 100  # "To pay"
    assert summary["Leo"][1] is None  # no hours: Leo never clocked in
    services.payroll.save(owner, p, tmp_path / "leo.pdf", zh, staff_id=leo.staff_id)
    text = "".join(page.extract_text() for page in PdfReader(str(tmp_path / "leo.pdf")).pages)
    assert "Leo" in text and "工资单" in text and "Amy" not in text
    dana = next(s for s in p.statements if s.name == "Dana")  # her top-up, named in the reader's language
    services.payroll.save(owner, p, tmp_path / "dana.pdf", zh, staff_id=dana.staff_id)
    text = "".join(page.extract_text() for page in PdfReader(str(tmp_path / "dana.pdf")).pages)
    assert "储值充值" in text and "Prepaid top-up" not in text
    services.payroll.save(owner, p, tmp_path / "pay.csv", en)
    rows = list(csv.DictReader((tmp_path / "pay.csv").open(encoding="utf-8-sig")))
    assert {r["staff"] for r in rows} == {"Leo", "Amy", "Dana"}
    with pytest.raises(ValidationError):
        services.payroll.save(owner, p, tmp_path / "pay.docx", en)
    with services.db.uow(write=False) as uow:
        kinds = set(uow.session.scalars(select(AuditEntry.entity).where(AuditEntry.action == "export")))
        assert {"payroll_xlsx", "payroll_pdf", "payroll_csv"} <= kinds


def test_statements_reconcile_with_the_sales_export(services: Services, owner: Actor, tmp_path: Path) -> None:
    """A generated shop (refunds, voids, top-ups, packages, tips): every line the sales export
    names a staff member on is on that person's statement, with the same amount to the cent."""
    generate(services.db, start_month="2026-09", months=2, clients=40, stylists=3, visits_per_day=5, seed=11)
    services.payroll.save_plan(owner, plan(), date(2026, 9, 1))
    month = "2026-10"
    p = services.payroll.statements(owner, month)
    export(services.db, "sales", tmp_path / "sales.csv", month=month)
    with (tmp_path / "sales.csv").open(encoding="utf-8-sig", newline="") as f:
        sales = list(csv.DictReader(f))
    with services.db.uow(write=False) as uow:
        names = {int(i): str(n) for i, n in uow.session.execute(select(Staff.id, Staff.name))}
        original = aliased(Sale)
        seller = {
            str(r): names.get(int(c)) if c is not None else None
            for r, c in uow.session.execute(
                select(Sale.receipt_no, func.coalesce(original.cashier_id, Sale.cashier_id))
                .outerjoin(original, original.id == Sale.original_sale_id)
            )
        }
    # the export's line, less its tax, to the person it names; a product, package or top-up that
    # names no one to the cashier who sold it
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in sales:
        if r["kind"] not in ("service", "product", "package", "prepaid_topup", TIP):
            continue
        who = r["staff"] or (seller[r["receipt_no"]] if r["kind"] != "service" and r["kind"] != TIP else None)
        if who:
            want[who] += Decimal(r["line_total"]) - Decimal(r["tax"])
    got: dict[str, Decimal] = defaultdict(Decimal)
    named: set[str] = set()
    for s in p.statements:
        for ln in s.lines:
            got[s.name] += Decimal(ln.sold_minor) / 100
            named.add(s.name)
    assert got == want and sum(want.values()) > 0
    assert named and named <= set(names.values())
    total_commission = sum(s.commission_minor for s in p.statements)
    assert total_commission > 0
    for s in p.statements:
        assert s.commission_minor == sum(g.commission_minor for g in s.groups)
        assert sum(g.basis_minor for g in s.groups) == sum(ln.basis_minor for ln in s.lines if ln.scope != TIP)


def test_the_command_line_writes_the_period(
    services: Services, owner: Actor, day: dict[str, object], db_path: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    services.payroll.save_plan(owner, plan(), NOV_1)
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    monkeypatch.chdir(tmp_path)
    assert run(["export", "payroll", "--period", MONTH, "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / f"payroll-{MONTH}.xlsx").exists() and "Leo" in out and "statement(s)" in out
    assert run(["export", "payroll", "--period", MONTH, "--db", str(db_path), "--person", "leo",
                "--out", str(tmp_path / "leo.csv")]) == 0  # fmt: skip
    assert {r["staff"] for r in csv.DictReader((tmp_path / "leo.csv").open(encoding="utf-8-sig"))} == {"Leo"}
    assert run(["export", "payroll", "--period", MONTH, "--db", str(db_path), "--person", "Zed",
                "--out", str(tmp_path / "z.csv")]) == 2  # fmt: skip
    assert "'Zed' has no statement" in capsys.readouterr().err and not (tmp_path / "z.csv").exists()
    assert run(["export", "payroll", "--period", "2026-13", "--db", str(db_path)]) == 2
    assert run(["export", "payroll", "--period", "2100-12", "--db", str(db_path), "--out", "f.xlsx"]) == 2  # any day
    assert "has not started yet" in capsys.readouterr().err and not (tmp_path / "f.xlsx").exists()
    assert run(["export", "payroll", "--period", "2024-01", "--db", str(db_path), "--out", "e.xlsx"]) == 1
    assert "nothing written" in capsys.readouterr().err and not (tmp_path / "e.xlsx").exists()
    assert run(["export", "payroll", "--period", MONTH, "--db", str(db_path), "--out", "x.txt"]) == 2
    monkeypatch.setenv("DESK_APP_PIN", "0000")
    assert run(["export", "payroll", "--period", MONTH, "--db", str(db_path), "--out", str(tmp_path / "n.pdf")]) != 0
    assert not (tmp_path / "n.pdf").exists()


def test_a_refund_next_month_claws_back_then(
    services: Services, owner: Actor, clock: FakeClock, day: dict[str, object]
) -> None:
    services.payroll.save_plan(owner, plan(), NOV_1)
    leo = day["leo"]
    assert isinstance(leo, Actor)
    cut = int(day["cut"])  # type: ignore[call-overload]
    sale_id = services.payments.recent_sales(20, "")[-1].id  # the first sale: Leo's cut
    clock.advance(days=20)  # December
    assert clock().date() > date(2026, 12, 1) - timedelta(days=1)
    services.payments.refund(owner, sale_id, None, "redo")
    dec = services.payroll.statements(owner, "2026-12").statement(leo.staff_id)
    assert dec is not None and dec.commission_minor == -round(cut * 0.10) and dec.tips_minor == -2000
    nov = services.payroll.statements(owner, MONTH).statement(leo.staff_id)
    assert nov is not None and nov.commission_minor == round(cut * 0.10)


@pytest.mark.postgres
def test_the_same_statements_on_postgres(pg_url: str) -> None:
    from desk_app.bootstrap import open_database

    db = open_database(pg_url)
    try:
        clock = FakeClock()
        sv = Services(db, clock=clock)
        owner = sv.shop.create_shop(name="PG Salon", currency="CNY", language="en", owner_name="Mia Chen",
                                    owner_pin=OWNER_PIN)  # fmt: skip
        d = make_day(sv, owner, clock)
        cut, half, pk_price = int(d["cut"]), int(d["half"]), int(d["pk_price"])  # type: ignore[call-overload]
        sv.payroll.save_plan(owner, plan(), NOV_1)
        by = {s.name: s for s in sv.payroll.statements(owner, MONTH).statements}
        assert by["Leo"].commission_minor == round(cut * 0.10) and by["Leo"].tips_minor == 2000
        assert next(g for g in by["Dana"].groups if g.scope == "package").commission_minor == round(pk_price * 0.08)
        sv.payroll.save_plan(owner, plan(prepaid_rule="sale", package_rule="redemption"), NOV_1)
        by = {s.name: s for s in sv.payroll.statements(owner, MONTH).statements}
        assert by["Amy"].commission_minor == round((cut - half) * 0.10)
        assert by["Leo"].commission_minor == round(cut * 0.10) + round(round(pk_price / 10) * 0.10)
        assert check_invariants(db) == []
    finally:
        db.dispose()


def test_what_a_save_would_change_is_said_first(services: Services, owner: Actor, day: dict[str, object]) -> None:
    import desk_app.domain.commission as cm

    p = cm.parse_plan(plan())
    assert services.payroll.warnings(owner, p, NOV_1) == []  # this month (Nov 18): no warning
    said = services.payroll.warnings(owner, p, date(2026, 9, 1))
    assert len(said) == 1 and "September 2026 to October 2026" in said[0]
    on_sale = cm.parse_plan({**plan(prepaid_rule="sale"), "rates": plan()["rates"][:2]})  # type: ignore[index]
    assert "no rate is set for top-ups" in services.payroll.warnings(owner, on_sale, date(2026, 12, 1))[0]
    services.payroll.save_plan(owner, p, NOV_1)
    services.payroll.save_plan(owner, p, date(2027, 1, 1))
    # saved from November again while January has its own: January keeps them (said), and a
    # changed prepaid rule says what it does to the balances already topped up
    said = services.payroll.warnings(owner, cm.parse_plan(plan(prepaid_rule="sale")), date(2026, 12, 1))
    assert any("January 2027" in w and "stay in force" in w for w in said)
    assert any("topped up before this earned nothing" in w for w in said)
    assert services.payroll.latest_plan(owner)[1] == date(2027, 1, 1)


def test_a_month_in_progress_says_so(services: Services, owner: Actor, day: dict[str, object]) -> None:
    from desk_app.payroll.files import title

    services.payroll.save_plan(owner, plan(), NOV_1)
    nov = services.payroll.statements(owner, MONTH)
    assert not nov.complete and nov.through == date(2026, 11, 18)
    en = Fmt.for_shop("en", "Asia/Shanghai", "CNY")
    assert title(nov, en) == "Pay statement Nov 1, 2026 – Nov 18, 2026 (month in progress)"
    oct_ = services.payroll.statements(owner, "2026-10")
    assert oct_.complete and oct_.statements == () and title(oct_, en).endswith("Oct 31, 2026")


def test_base_pay_is_the_months_own(services: Services, owner: Actor, clock: FakeClock, day: dict[str, object]) -> None:
    """A raise in December changes neither November's statement nor November's appraisal."""
    leo = day["leo"]
    assert isinstance(leo, Actor)
    cut = int(day["cut"])  # type: ignore[call-overload]
    services.payroll.save_plan(owner, plan(), NOV_1)

    def set_pay(amount: str) -> None:
        services.auth.save_staff(owner, staff_id=leo.staff_id, name="Leo", role="stylist", base_pay=amount)

    set_pay("5000")  # in November
    nov = services.payroll.statements(owner, MONTH).statement(leo.staff_id)
    assert nov is not None and nov.base_pay_minor == 500_000
    # the appraisal's performance pay, as Reports > Staff performance gives it, is paid too
    mine = next(r for r in services.reports.monthly(owner, MONTH).data["appraisal"]["staff"] if r["name"] == "Leo")
    assert mine["performance_pay"] is not None
    assert nov.performance_pay_minor == int(Decimal(mine["performance_pay"]) * 100) and nov.score == mine["score"]
    assert nov.total_minor == round(cut * 0.10) + 2000 + 500_000 + nov.performance_pay_minor
    amy = services.payroll.statements(owner, MONTH).statement(day["amy"].staff_id)  # type: ignore[attr-defined]
    assert amy is not None and amy.performance_pay_minor is None  # no base pay: no performance pay
    clock.advance(days=20)  # December 8th: a raise
    set_pay("6000")
    nov = services.payroll.statements(owner, MONTH).statement(leo.staff_id)
    dec = services.payroll.statements(owner, "2026-12").statement(leo.staff_id)
    assert nov is not None and nov.base_pay_minor == 500_000  # November as it was
    assert dec is not None and dec.base_pay_minor == 600_000 and dec.lines == ()  # paid though he sold nothing yet
    rows = {r["name"]: r for r in services.reports.monthly(owner, MONTH).data["appraisal"]["staff"]}
    assert rows["Leo"]["base_pay"] in ("5000.00", "5000")  # the appraisal's performance pay: November's base
    set_pay("0")  # no base pay from December on
    assert services.payroll.statements(owner, "2026-12").statement(leo.staff_id) is None  # nothing to pay
    assert check_invariants(services.db) == []
    with services.db.engine.begin() as conn:  # the current figure changed behind the history's back
        conn.execute(text("UPDATE staff SET base_pay_minor = 123 WHERE name = 'Leo'"))
    assert any("base pay 123" in p for p in check_invariants(services.db))


def test_a_changed_package_rule_pays_each_package_once(
    services: Services, owner: Actor, clock: FakeClock, day: dict[str, object]
) -> None:
    """November's packages earned when sold; from December sessions earn as used. A session in
    December of a package sold in November earns nothing again; one of a package sold in December does."""
    leo, desk = day["leo"], day["desk"]
    assert isinstance(leo, Actor) and isinstance(desk, Actor)
    pk_price, code = int(day["pk_price"]), str(day["pk_code"])  # type: ignore[call-overload]
    services.payroll.save_plan(owner, plan(), NOV_1)
    services.payroll.save_plan(owner, plan(package_rule="redemption"), date(2026, 12, 1))
    co, pay, db = services.checkout, services.payments, services.db
    clock.advance(days=20)  # December 8th
    from desk_app.db.models import ClientPackage

    with db.uow(write=False) as uow:
        cid, pk_id = uow.session.execute(select(ClientPackage.client_id, ClientPackage.package_id)).one()

    def session_now() -> None:
        vid = visit_at_checkout(db, clock, owner.branch_id, cid, leo.staff_id, [code])
        bill = co.build_bill(desk, visit_id=vid)
        opt = co.package_options(bill)[0]
        pay.pay(desk, co.use_package(bill, opt.line_key, opt.client_package_id), [])
        clock.advance(hours=1)

    session_now()  # of November's package (it earned 8 % when sold)
    dec = services.payroll.statements(owner, "2026-12").statement(leo.staff_id)
    assert dec is not None and [ln.basis_minor for ln in dec.lines if ln.note == "package"] == [0]
    assert dec.commission_minor == 0
    bill = co.add_package(co.build_bill(desk, client_id=cid), pk_id)
    pay.pay(desk, bill, [PaymentIn("alipay", pk_price)])  # a December package: earns as used
    with db.uow() as uow:  # November's package used up, so the next session is December's
        for cp in uow.session.scalars(select(ClientPackage).order_by(ClientPackage.id)).all()[:1]:
            cp.sessions_used = cp.sessions_total
        uow.commit()
    session_now()
    dec = services.payroll.statements(owner, "2026-12").statement(leo.staff_id)
    assert dec is not None
    assert sorted(ln.basis_minor for ln in dec.lines if ln.note == "package") == [0, round(pk_price / 10)]
    assert dec.commission_minor == round(round(pk_price / 10) * 0.10)
    desk_dec = services.payroll.statements(owner, "2026-12").statement(desk.staff_id)
    assert desk_dec is not None and desk_dec.commission_minor == 0  # the package earns as used, not sold


def test_clocked_hours_go_on_the_statement_and_its_files(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    """Kim sold nothing and has no base pay: her clocked hours alone give her a statement, with
    the day she never clocked out named (and not counted) until the owner corrects it."""
    kim = new_staff(services.db, owner.branch_id, "Kim")
    tc = services.timeclock
    for hh, mm, kind in ((9, 0, "in"), (12, 0, "break"), (12, 30, "back"), (17, 30, "out")):
        clock.now = datetime(2026, 11, 18, hh, mm, tzinfo=SHANGHAI).astimezone(UTC)
        tc.punch(kim, kind)
    clock.now = datetime(2026, 11, 19, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
    tc.punch(kim, "in")  # and never out
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
    p = services.payroll.statements(owner, MONTH)
    st = p.statement(kim.staff_id)
    assert st is not None and st.hours is not None and st.total_minor == 0
    assert (st.hours.worked_seconds, st.hours.shifts, st.hours.unclosed) == (8 * 3600, 2, (date(2026, 11, 19),))
    assert st.hours.by_day == ((date(2026, 11, 18), 8 * 3600), (date(2026, 11, 19), 0))
    en = Fmt.for_shop("en", "Asia/Shanghai", "CNY")
    services.payroll.save(owner, p, tmp_path / "pay.xlsx", en)
    summary = {r[0]: r for r in load_workbook(tmp_path / "pay.xlsx")["Summary"].iter_rows(values_only=True) if r}
    assert summary["Kim"][1] == 8.0 and summary["Kim"][9] == "Nov 19"  # the hours are short by that day
    services.payroll.save(owner, p, tmp_path / "kim.pdf", en, staff_id=kim.staff_id)
    text = "".join(page.extract_text() for page in PdfReader(str(tmp_path / "kim.pdf")).pages)
    assert "8:00 in 1 shift (breaks 0:30)." in text and "Not clocked out on Nov 19, 2026" in text
    # corrected, the day counts; December has none of November's hours
    tc.correct(owner, kim.staff_id, kind="out", at=datetime(2026, 11, 19, 18, 0, tzinfo=SHANGHAI).astimezone(UTC),
               reason="left at six, forgot the clock")
    st = services.payroll.statements(owner, MONTH).statement(kim.staff_id)
    assert st is not None and st.hours is not None
    assert (st.hours.worked_seconds, st.hours.unclosed) == (17 * 3600, ())
    assert services.payroll.statements(owner, "2026-12").statement(kim.staff_id) is None
