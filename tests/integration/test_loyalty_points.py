"""Loyalty points end to end on a real database (docs/loyalty.md): earned at the owner's rates by
kind and service category, spent as a payment, refused when short, given back and taken back by
refunds, lapsed after the owner's idle time, and checked."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from desk_app import i18n
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import PointsMovement, Sale
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust.integrity import check_invariants
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_client, product, service


def _kinds(sv: Services, sale_id: int) -> list[tuple[str, int]]:
    with sv.db.uow(write=False) as uow:
        return [(m.kind, m.points) for m in uow.session.scalars(
            select(PointsMovement).where(PointsMovement.sale_id == sale_id).order_by(PointsMovement.id))]


def test_earned_spent_and_refunded(services: Services, owner: Actor) -> None:
    sv = services
    cid = new_client(sv.db)
    pid, price, _stock = product(sv.db, "OIL-50")
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid, 2)
    first = sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    earned = bill.total_minor // 100  # 1 point per 1.00 (the default)
    card = sv.points.card(owner, cid)
    assert card.balance == card.available == earned > 0
    assert card.worth_minor == earned  # 100 points pay 1.00: a point is 0.01
    assert [(m.kind, m.points, m.receipt_no) for m in card.moves] == [("earn", earned, first.receipt_no)]
    # the next bill paid partly with every point: those pay, the rest earns
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=cid), service(sv.db, "CUT-W")[0])
    total = bill.total_minor
    second = sv.payments.pay(owner, bill, [PaymentIn("points", earned), PaymentIn("cash", total - earned)])
    again = (total - earned) // 100  # the part the points paid earns nothing
    assert _kinds(sv, second.sale_id) == [("redeem", -earned), ("earn", again)]
    assert sv.points.card(owner, cid).balance == again
    # refunded whole: the points go back, the points it earned are taken back
    refund = sv.payments.refund(owner, second.sale_id, None, "client unhappy")
    assert sorted(_kinds(sv, refund.sale_id)) == sorted([("clawback", -again), ("refund", earned)])
    assert sv.points.card(owner, cid).balance == earned
    assert check_invariants(sv.db) == []


def test_a_refunded_line_takes_back_its_share_and_never_more_than_is_left(services: Services, owner: Actor) -> None:
    sv = services
    cid = new_client(sv.db)
    pid, price, _stock = product(sv.db, "OIL-50")
    cut, cut_price = service(sv.db, "CUT-W")
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=cid), cut)
    bill = sv.checkout.add_product(bill, pid)
    paid = sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    earned = (price + cut_price) // 100
    product_line = next(ln.id for ln in sv.payments.get_sale(paid.sale_id).lines if ln.kind == "product")
    part = sv.payments.refund(owner, paid.sale_id, [product_line], "wrong oil")
    share = -(-earned * price // (price + cut_price))  # rounded up
    assert _kinds(sv, part.sale_id) == [("clawback", -share)]
    # the client spends most of what is left; the last refund takes back only what remains
    left = earned - share
    spend = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    sv.settings.set(S.POINTS_RATE_PRODUCT, "0")
    sv.payments.pay(owner, spend, [PaymentIn("points", left - 1), PaymentIn("card", spend.total_minor - left + 1)])
    rest = sv.payments.refund(owner, paid.sale_id, None, "service redone elsewhere")
    assert _kinds(sv, rest.sale_id) == [("clawback", -1)]
    assert sv.points.card(owner, cid).balance == 0
    assert check_invariants(sv.db) == []


def test_check_finds_points_edited_by_hand(services: Services, owner: Actor) -> None:
    sv = services
    cid = new_client(sv.db)
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), product(sv.db, "OIL-50")[0])
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    with sv.db.uow() as uow:
        uow.session.execute(text("UPDATE points_accounts SET balance = balance + 500"))
        uow.commit()
    problems = check_invariants(sv.db)
    assert any(p.startswith("points account") and "sum of its movements" in p for p in problems)


def test_points_are_refused_when_short_or_without_a_client(services: Services, owner: Actor) -> None:
    sv = services
    cid = new_client(sv.db)
    pid, _price, _stock = product(sv.db, "OIL-50")
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, bill, [PaymentIn("points", 100), PaymentIn("card", bill.total_minor - 100)])
    assert "points" in err.value.errors and "0" in str(err.value.errors["points"])
    anonymous = sv.checkout.add_product(sv.checkout.build_bill(owner), pid)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, anonymous, [PaymentIn("points", anonymous.total_minor)])
    assert "client" in str(err.value.errors["method"])
    topup = sv.checkout.add_topup(sv.checkout.build_bill(owner, client_id=cid), 10000)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, topup, [PaymentIn("points", 10000)])
    assert "top-up" in str(err.value.errors["method"])
    with sv.db.uow(write=False) as uow:  # nothing was written by the refused payments
        assert uow.session.scalar(select(Sale.id).limit(1)) is None
        assert list(uow.session.scalars(select(PointsMovement))) == []


def test_rates_by_kind_and_category_and_what_earns_nothing(services: Services, owner: Actor) -> None:
    sv = services
    cid = new_client(sv.db)
    sv.settings.set(S.POINTS_RATE_SERVICE, "2")
    sv.settings.set(S.POINTS_RATE_PRODUCT, "0")
    sv.settings.set(S.POINTS_CATEGORY_RATES, {"colour": "5"})
    with pytest.raises(ValueError):
        sv.settings.set(S.POINTS_CATEGORY_RATES, {"colour": "lots"})
    cut, cut_price = service(sv.db, "CUT-W")  # hair: the services' rate
    colour, colour_price = service(sv.db, "COL-ROOT")  # colour: its own rate
    bill = sv.checkout.build_bill(owner, client_id=cid)
    bill = sv.checkout.add_service(bill, cut)
    bill = sv.checkout.add_service(bill, colour)
    bill = sv.checkout.add_product(bill, product(sv.db, "OIL-50")[0])  # products earn nothing now
    bill = sv.checkout.add_voucher(bill, 50000)  # stored value earns nothing when sold
    bill = sv.checkout.add_topup(bill, 20000)
    paid = sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    assert _kinds(sv, paid.sale_id) == [("earn", cut_price // 100 * 2 + colour_price // 100 * 5)]


def test_an_idle_balance_lapses_on_the_owners_day(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    cid = new_client(sv.db)
    sv.settings.set(S.POINTS_LAPSE_DAYS, 30)
    pid = product(sv.db, "OIL-50")[0]
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    first = bill.total_minor // 100
    clock.advance(days=29)
    card = sv.points.card(owner, cid)
    assert card.available == first and card.lapses_on is not None
    clock.advance(days=2)
    card = sv.points.card(owner, cid)
    assert card.lapsed and card.available == 0 and card.worth_minor == 0 and card.balance == first
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    with pytest.raises(ValidationError):  # lapsed points pay nothing
        sv.payments.pay(owner, bill, [PaymentIn("points", 1), PaymentIn("card", bill.total_minor - 1)])
    paid = sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    assert _kinds(sv, paid.sale_id) == [("lapse", -first), ("earn", first)]
    card = sv.points.card(owner, cid)
    assert card.balance == card.available == first
    lapse = next(m for m in card.moves if m.kind == "lapse")
    assert lapse.at < card.moves[0].at  # dated the day it lapsed, not the day it was written
    assert check_invariants(sv.db) == []


def test_the_monthly_report_counts_points_and_what_clients_hold(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    from desk_app.reports.monthly import build_monthly
    from desk_app.reports.pdf import payment_rows, points_rows, reconcile_rows, render_pdf_bytes

    sv = services
    sv.settings.set(S.POINTS_LAPSE_DAYS, 20)
    idle, regular = new_client(sv.db, "闲置"), new_client(sv.db, "常客")
    pid = product(sv.db, "OIL-50")[0]
    for cid in (idle, regular):
        bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid, 3)
        sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    each = bill.total_minor // 100
    clock.advance(days=8)  # still November (the clock starts on 18 November)
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=regular), pid)
    sv.payments.pay(owner, bill, [PaymentIn("points", 100), PaymentIn("card", bill.total_minor - 100)])
    second = (bill.total_minor - 100) // 100
    d = build_monthly(sv.db, "2026-11", settings=sv.settings, now=sv.clock(), compare=False)
    lp = d["loyalty_points"]
    assert lp["earned"] == 2 * each + second and lp["redeemed"] == 100 and lp["redeemed_value"] == "1.00"
    assert lp["outstanding"] == 2 * each - 100 + second and lp["lapsed"] == 0
    assert lp["outstanding_value"] == str((Decimal(lp["outstanding"]) / 100).quantize(Decimal("0.01")))
    rc = d["takings"]["reconciliation"]
    assert rc["paid_by_points"] == "-1.00" and rc["unexplained"] == "0.00"
    assert d["takings"]["paid_by_points"] == "1.00" and "points" not in d["takings"]["by_method"]
    # December: the idle client's points lapsed (20 days without a visit), even before any sale wrote it;
    # the regular's have a day to go
    clock.advance(days=19)
    dec = build_monthly(sv.db, "2026-12", settings=sv.settings, now=sv.clock(), compare=False)["loyalty_points"]
    assert dec["lapsed"] == each and dec["outstanding"] == each - 100 + second and dec["earned"] == 0
    assert any(r[0] == "Paid with loyalty points" for r in payment_rows(d))
    assert any(r[0] == "− paid with loyalty points" for r in reconcile_rows(d))
    assert render_pdf_bytes(d, i18n.current())[:4] == b"%PDF"
    i18n.set_language("zh_CN")
    try:
        rows = points_rows(d)
        assert rows[0][0] == "积分" and rows[1][1].replace(",", "") == str(lp["earned"])
        assert render_pdf_bytes(d, i18n.current())[:4] == b"%PDF"
    finally:
        i18n.set_language("en")


def test_the_receipt_prints_the_points_used_earned_and_left(services: Services, owner: Actor) -> None:
    import io

    from pypdf import PdfReader

    from desk_app.printing.escpos_out import receipt_text
    from desk_app.printing.receipt import receipt_fmt, render_receipt

    sv = services
    cid = new_client(sv.db)
    pid = product(sv.db, "OIL-50")[0]
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid, 10)
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    first = bill.total_minor // 100
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    paid = sv.payments.pay(owner, bill, [PaymentIn("points", 500), PaymentIn("card", bill.total_minor - 500)])
    earned = (bill.total_minor - 500) // 100
    view = sv.payments.get_sale(paid.sale_id)
    assert view.points is not None and (view.points.used, view.points.earned) == (500, earned)
    left = first - 500 + earned
    for lang, words in (("en", ("Paid with loyalty points", "Points used", "Points earned", "Points balance")),
                        ("zh_CN", ("积分抵扣", "本次使用积分", "本次获得积分", "积分余额"))):
        fmt = receipt_fmt(view, lang)
        buf = io.BytesIO()
        render_receipt(view, buf, fmt, "80mm")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(buf.getvalue())).pages)
        for word in words:
            assert word in text, (lang, word)
        flat = text.replace(",", "")
        assert "-500" in flat and f"+{earned}" in flat and str(left) in flat
        paper = receipt_text(view, fmt, 32).splitlines()
        assert any(words[3] in ln and ln.replace(",", "").rstrip().endswith(str(left)) for ln in paper)
    refund = sv.payments.get_sale(sv.payments.refund(owner, paid.sale_id, None, "returned").sale_id)
    assert refund.points is not None and refund.points.given_back == 500 and refund.points.taken_back == earned
    assert refund.points.balance_after == first


def test_points_given_back_to_an_idle_client_can_be_spent_again(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    sv = services
    cid = new_client(sv.db)
    sv.settings.set(S.POINTS_LAPSE_DAYS, 30)
    pid = product(sv.db, "OIL-50")[0]
    sv.settings.set(S.POINTS_RATE_PRODUCT, "5")
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid, 2)
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    sv.settings.set(S.POINTS_RATE_PRODUCT, "0")
    held = sv.points.card(owner, cid).balance
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    paid = sv.payments.pay(owner, bill, [PaymentIn("points", 1000), PaymentIn("card", bill.total_minor - 1000)])
    clock.advance(days=40)  # idle: what is left lapsed
    assert sv.points.card(owner, cid).available == 0
    refund = sv.payments.refund(owner, paid.sale_id, None, "returned unopened")
    assert sorted(_kinds(sv, refund.sale_id)) == [("refund", 1000)]
    card = sv.points.card(owner, cid)
    assert card.balance == card.available == 1000  # the lapsed rest is gone, what was given back counts
    assert [m.kind for m in card.moves[:2]] == ["refund", "lapse"] and card.moves[1].points == -(held - 1000)
    assert check_invariants(sv.db) == []


def test_the_points_export_lists_every_movement_and_adds_up(
    services: Services, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    from desk_app.cli import run
    from tests.conftest import OWNER_PIN as PIN

    sv = services
    cid = new_client(sv.db, "导出")
    pid = product(sv.db, "OIL-50")[0]
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid, 4)
    first = sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
    second = sv.payments.pay(owner, bill, [PaymentIn("points", 300), PaymentIn("cash", bill.total_minor - 300)])
    out = tmp_path / "points.csv"
    monkeypatch.setenv("DESK_APP_PIN", PIN)
    assert run(["export", "points", "--db", str(sv.db.engine.url.database), "--month", "2026-11",
                "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["kind"], r["receipt_no"]) for r in rows] == [
        ("earn", first.receipt_no), ("redeem", second.receipt_no), ("earn", second.receipt_no)]
    assert rows[1]["points"] == "-300" and rows[1]["value"] == "3.00" and rows[0]["branch"]
    assert int(rows[-1]["balance_after"]) == sum(int(r["points"]) for r in rows) == sv.points.card(owner, cid).balance
    assert run(["export", "points", "--db", str(sv.db.engine.url.database), "--month", "2026-10",
                "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as f:
        assert list(csv.DictReader(f)) == []  # October: nothing moved
