"""Screenshots of gift vouchers (docs/vouchers.md), in English and Chinese:

- vouchers-find-*.png: Checkout > Gift vouchers, a voucher partly spent, with its history;
- vouchers-pay-*.png: the checkout screen with part of a bill on a voucher given by its code;
- vouchers-receipt-*.png: the receipt of the sale that sold it: its code, barcode, QR code, last day.

    .venv/bin/python scripts/shots_vouchers.py

A demo shop whose history ends at NOW (a fixed time, so the shots do not depend on today) is made in /tmp.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 18 Nov 15:00 in Shanghai


def main() -> int:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.checkout.service import PaymentIn
    from desk_app.container import Services
    from desk_app.db.models import Product, Staff
    from desk_app.demo.shop import generate
    from desk_app.domain import voucher as gv
    from desk_app.trust.auth import actor_for
    from ui.checkout import payment as payment_box
    from ui.checkout.screen import CheckoutScreen
    from ui.checkout.vouchers import VoucherDialog
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.theme import apply_theme

    path = Path("/tmp/shots_vouchers.sqlite3")
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh_CN"):
        tag = "en" if lang == "en" else "zh"
        generate(str(path), clients=200, months=1, staff=5, seed=5, today=NOW, force=True, lang=lang)
        i18n.set_language(lang)
        clock = [NOW - timedelta(days=20)]
        db = open_database(str(path), run_migrations=False)
        services = Services(db, clock=lambda c=clock: c[0])  # type: ignore[misc]
        i18n.set_timezone(services.shop.info().timezone)
        with db.uow(write=False) as uow:
            rows = uow.session.execute(select(Staff).order_by(Staff.id)).scalars().all()
            owner = actor_for(next(s for s in rows if s.role == "owner"))
            oil_id = uow.session.scalars(select(Product.id).where(Product.sku == "OIL-50")).one()
        co, pays = services.checkout, services.payments
        bill = co.add_voucher(co.build_bill(owner), 50000)
        sold = pays.pay(owner, bill, [PaymentIn("wechat", 50000)])
        code = pays.get_sale(sold.sale_id).vouchers_sold[0].code
        clock[0] = NOW - timedelta(days=6)
        bill = co.add_product(co.build_bill(owner), oil_id, 1)
        pays.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=code)])
        clock[0] = NOW
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)

        import io

        from desk_app.i18n import Fmt
        from desk_app.printing.receipt import render_receipt
        from ui.shared.print_preview import page_images

        buf = io.BytesIO()
        shop = services.shop.info()
        render_receipt(pays.get_sale(sold.sale_id), buf, Fmt.for_shop(lang, shop.timezone, shop.currency))
        page_images(buf.getvalue(), dpi=110)[0].save(str(OUT / f"vouchers-receipt-{tag}.png"))

        dlg = VoucherDialog(ctx, code=gv.shown(code))
        dlg.resize(820, 520)
        dlg.show()
        app.processEvents()
        dlg.grab().save(str(OUT / f"vouchers-find-{tag}.png"))
        dlg.close()

        screen = CheckoutScreen(ctx)
        screen.resize(1140, 740)
        screen.show()
        screen.open()
        app.processEvents()
        ed, pay = screen.flow.editor, screen.flow.payment
        ed._apply(lambda b, co=co, oil_id=oil_id: co.add_product(b, oil_id, 2))  # type: ignore[misc]
        app.processEvents()
        payment_box.QInputDialog.getText = lambda *a, code=code, **k: (gv.shown(code), True)  # type: ignore[attr-defined,method-assign]
        pay.method_buttons["voucher"].click()
        pay.method_buttons["card"].click()
        app.processEvents()
        screen.grab().save(str(OUT / f"vouchers-pay-{tag}.png"))
        screen.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
