"""Screenshots of checkout and the cash drawer (en, zh) and PNGs of the printed pages.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots_checkout.py [OUT_DIR]

Writes docs/screenshots/checkout-en.png, checkout-zh.png, cash-drawer-en.png,
receipt-80mm-zh.png, receipt-a5-en.png, care-sheet-zh.png, care-sheet-en.png, z-report.png, and the
customer display at 1366x768: customer-display-{idle,bill,agreed,paid,thanks}-{en,zh}.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from desk_app import i18n  # noqa: E402
from desk_app.bootstrap import open_database  # noqa: E402
from desk_app.checkout.service import PaymentIn  # noqa: E402
from desk_app.container import Services  # noqa: E402
from desk_app.db.models import Appointment, AppointmentService, Product, Service, Visit  # noqa: E402
from desk_app.domain.permissions import Actor  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 18, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai

    def __call__(self) -> datetime:
        return self.now


def build(tmp: Path, lang: str) -> tuple[Services, Actor, int, int]:
    """A shop with a client at checkout; returns (services, owner, visit id, a paid sale id)."""
    db = open_database(str(tmp / f"shots-{lang}.sqlite3"))
    clock = Clock()
    sv = Services(db, clock=clock)
    zh = lang == "zh_CN"
    owner = sv.shop.create_shop(
        name="莲花美发沙龙" if zh else "Lotus Hair & Spa",
        currency="CNY",
        language=lang,
        owner_name="陈美" if zh else "Mia Chen",
        owner_pin="1234",
        address="上海市静安区南京西路 1266 号" if zh else "1266 West Nanjing Rd, Shanghai",
        phone="021-5555 1234",
    )
    from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout

    leo = new_staff(db, owner.branch_id, "刘杰" if zh else "Leo Liu")
    cid = new_client(db, "王芳" if zh else "Fang Wang", full_price_spend=420000, language=lang)
    co = sv.checkout
    # history so that add-ons "often bought with" have something to show
    for _ in range(3):
        b = co.add_service(co.build_bill(owner), db_id(db, Service, "COL-ROOT"), leo.staff_id)
        b = co.add_product(b, db_id(db, Product, "CO-COL-250"))
        sv.payments.pay(owner, b, [PaymentIn("card", b.total_minor)])
    b = co.add_topup(co.build_bill(owner, client_id=cid), 50000)
    sv.payments.pay(owner, b, [PaymentIn("wechat", 50000)])
    sv.cash.open(owner, 50000)
    # a voucher promised on an earlier complaint: owed, and offered on this bill
    from decimal import Decimal

    comp = sv.complaints.open_complaint(owner, description="颜色偏深" if zh else "Colour too dark", client_id=cid)
    sv.complaints.resolve(owner, comp.id, "下次抵扣50元" if zh else "50 off next time", "voucher", amount=Decimal("50"))
    vid = visit_at_checkout(
        db,
        clock,
        owner.branch_id,
        cid,
        leo.staff_id,
        ["COL-ROOT", "CUT-W"],
        suggested=["SH-COL-250", "OIL-50"],
    )
    # a paid visit with a next appointment, for the printed pages
    vid2 = visit_at_checkout(
        db, clock, owner.branch_id, cid, leo.staff_id, ["COL-FULL"], suggested=["SH-COL-250"]
    )
    with db.uow() as uow:
        start = clock.now + timedelta(days=35)
        a = Appointment(
            branch_id=owner.branch_id,
            client_id=cid,
            staff_id=leo.staff_id,
            start_at=start,
            end_at=start + timedelta(hours=2),
            block_end_at=start + timedelta(hours=2),
            status="booked",
        )
        uow.session.add(a)
        uow.session.flush()
        uow.session.add(
            AppointmentService(
                appointment_id=a.id, service_id=db_id(db, Service, "COL-ROOT"), duration_min=75
            )
        )
        v = uow.session.get(Visit, vid2)
        assert v is not None
        v.next_appointment_id = a.id
        uow.commit()
    b = co.build_bill(owner, visit_id=vid2)
    b = co.add_product(b, db_id(db, Product, "SH-COL-250"))
    b = co.agree_over_estimate(b, "顾客同意加购洗发水" if zh else "client asked for the shampoo")
    b = co.add_tip(b, leo.staff_id, 3000)
    cash = b.total_minor - 30000
    paid = sv.payments.pay(
        owner,
        b,
        [PaymentIn("prepaid", 30000), PaymentIn("cash", cash, tendered_minor=cash + 2000 - cash % 1000)],
    )
    return sv, owner, vid, paid.sale_id


def db_id(db: object, model: type, code: str) -> int:
    from desk_app.db.engine import Database

    assert isinstance(db, Database)
    with db.uow(write=False) as uow:
        col = model.code if model is Service else model.sku  # type: ignore[attr-defined]
        return int(uow.session.scalar(select(model.id).where(col == code)))  # type: ignore[attr-defined]


def qss_fixed() -> str:
    from desk_app.resources import read_text
    from ui.theme import COLORS

    qss = read_text("style.qss")
    for key in sorted(COLORS, key=len, reverse=True):
        qss = qss.replace("@" + key, COLORS[key])
    return qss


def shots(out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.theme import load_bundled_fonts, ui_font

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    load_bundled_fonts()
    app.setFont(ui_font())
    app.setStyleSheet(qss_fixed())
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for lang in ("en", "zh_CN"):
            i18n.set_language(lang)
            sv, owner, vid, sale_id = build(tmp, lang)
            ctx = UiContext(
                services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner
            )
            from ui.checkout.screen import CheckoutScreen

            scr = CheckoutScreen(ctx)
            scr.resize(1366, 768)
            scr.open(visit_id=vid)
            ed = scr.flow.editor
            bill = ed.bill
            assert bill is not None
            bill = sv.checkout.add_product(bill, db_id(sv.db, Product, "SH-COL-250"))
            bill = sv.checkout.add_tip(bill, bill.lines[0].staff_id, 2000)
            ed.set_bill(bill)
            scr.flow._bill_changed(bill)
            ed.table.selectRow(0)
            scr.flow.payment.fill("prepaid")
            scr.flow.payment.fill("cash")
            scr.show()
            app.processEvents()
            suffix = "en" if lang == "en" else "zh"
            scr.grab().save(str(out / f"checkout-{suffix}.png"))
            scr.close()
            try:  # the checkout step inside the main window (side bar, visit header)
                from ui.main_window import MainArea

                main = MainArea(ctx)
                ctx.navigate = main.navigate
                main.resize(1366, 768)
                main.show()
                main.navigate("visit", visit_id=vid)
                app.processEvents()
                main.grab().save(str(out / f"checkout-visit-{suffix}.png"))
                main.close()
            except ImportError:
                pass
            if lang == "en":
                from ui.checkout.cash_drawer import CashDrawerScreen

                sv.cash.move(owner, "out", 3500, "Flowers for the counter")
                d = CashDrawerScreen(ctx)
                d.resize(1366, 768)
                d.show()
                app.processEvents()
                d.grab().save(str(out / "cash-drawer-en.png"))
                d.close()
            display(ctx, sv, owner, vid, out, suffix)
            pages(sv, owner, sale_id, lang, out, tmp)
    i18n.set_language("en")


def display(ctx: object, sv: Services, owner: Actor, vid: int, out: Path, suffix: str) -> None:
    """The customer display through its feed, as the checkout drives it: welcome, the bill above the
    estimate (then agreed), paid in cash with change, the thank-you with the next appointment."""
    from dataclasses import replace

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from desk_app.db.models import Client
    from ui.checkout.display_feed import DisplayFeed
    from ui.context import UiContext

    assert isinstance(ctx, UiContext)
    app = QApplication.instance()
    assert app is not None
    with sv.db.uow() as uow:  # the client is greeted as Ms Wang / by her first name
        v = uow.session.get(Visit, vid)
        assert v is not None
        c = uow.session.get(Client, v.client_id)
        assert c is not None
        c.gender = "female"
        uow.commit()
    ctx.desk = replace(ctx.desk, customer_display=True, display_screen=0)
    host = QWidget()
    feed = DisplayFeed(ctx, host)
    win = feed.window
    win.setWindowState(Qt.WindowState.WindowNoState)  # the offscreen screen is smaller than a counter's
    win.resize(1366, 768)

    def shot(state: str) -> None:
        app.processEvents()
        win.grab().save(str(out / f"customer-display-{state}-{suffix}.png"))

    shot("idle")
    co = sv.checkout
    bill = co.build_bill(owner, visit_id=vid)
    bill = co.add_product(bill, db_id(sv.db, Product, "SH-COL-250"))
    feed.bill(bill)
    shot("bill")
    bill = co.agree_over_estimate(bill, "asked for the shampoo")
    feed.bill(bill)
    shot("agreed")
    with sv.db.uow() as uow:  # booked in the visit's rebooking step
        start = Clock().now + timedelta(days=28)
        v = uow.session.get(Visit, vid)
        assert v is not None
        a = Appointment(branch_id=owner.branch_id, client_id=v.client_id, staff_id=v.staff_id, start_at=start,
                        end_at=start + timedelta(hours=2), block_end_at=start + timedelta(hours=2), status="booked")
        uow.session.add(a)
        uow.session.flush()
        uow.session.add(AppointmentService(appointment_id=a.id, service_id=db_id(sv.db, Service, "COL-ROOT"),
                                           duration_min=75))
        v.next_appointment_id = a.id
        uow.commit()
    tendered = (bill.total_minor // 10000 + 1) * 10000
    paid = sv.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor, tendered_minor=tendered)])
    feed.paid(paid, sv.payments.get_sale(paid.sale_id))
    shot("paid")
    feed.thanks()
    shot("thanks")
    feed.close()
    host.deleteLater()


def pages(sv: Services, owner: Actor, sale_id: int, lang: str, out: Path, tmp: Path) -> None:
    from desk_app.printing.care_sheet import render_care_sheet
    from desk_app.printing.receipt import receipt_fmt, render_receipt
    from desk_app.printing.z_report import render_z_report

    view = sv.payments.get_sale(sale_id)
    todo: list[tuple[Path, str, int]] = []
    if lang == "zh_CN":
        zh = receipt_fmt(view, "zh_CN")
        render_receipt(view, tmp / "r80.pdf", zh, "80mm")
        render_care_sheet(view, tmp / "care-zh.pdf", zh)
        todo += [(tmp / "r80.pdf", "receipt-80mm-zh", 200), (tmp / "care-zh.pdf", "care-sheet-zh", 90)]
    else:
        en = receipt_fmt(view, "en")
        render_receipt(view, tmp / "ra5.pdf", en, "a5")
        render_receipt(view, tmp / "r58.pdf", en, "58mm")
        render_care_sheet(view, tmp / "care-en.pdf", en)
        d = sv.cash.current(owner.branch_id)
        assert d is not None
        closed = sv.cash.close(owner, d.expected_minor)
        render_z_report(sv.cash.z_report(closed.id), tmp / "z.pdf", en)
        todo += [
            (tmp / "ra5.pdf", "receipt-a5-en", 110),
            (tmp / "r58.pdf", "receipt-58mm-en", 200),
            (tmp / "care-en.pdf", "care-sheet-en", 90),
            (tmp / "z.pdf", "z-report", 90),
        ]
    for pdf, name, dpi in todo:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(out / name)], check=True
        )


if __name__ == "__main__":
    shots(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    print("ok")
