"""Screenshots of loyalty points (docs/loyalty.md), in English and Chinese:

- points-pay-*.png: the checkout screen, part of a regular's bill paid with her points;
- points-profile-*.png: her file: the points under the membership, and their history;
- points-receipt-*.png: the receipt: points used, earned and the balance;
- points-settings-*.png: Settings > Rules > Loyalty points, with a category's own rate;
- points-reward-*.png: the checkout screen, a product made free for her points (the reward chosen);
- points-rewards-settings-*.png: Settings > Rewards, the owner's catalogue of rewards.

    .venv/bin/python scripts/shots_points.py

A demo shop whose history ends at NOW (a fixed time, so the shots do not depend on today) is made in /tmp.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 18 Nov 15:00 in Shanghai


def main() -> int:
    import io

    from PySide6.QtWidgets import QApplication, QScrollArea
    from sqlalchemy import select

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import PointsAccount, PointsReward, Product, Staff
    from desk_app.demo.shop import generate
    from desk_app.i18n import Fmt
    from desk_app.printing.receipt import render_receipt
    from desk_app.settings import S
    from desk_app.trust.auth import actor_for
    from ui.checkout.screen import CheckoutScreen
    from ui.clients.profile import ClientProfileScreen
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.settings.catalog import rewards_editor
    from ui.settings.shop import RulesPanel
    from ui.shared.print_preview import page_images
    from ui.theme import apply_theme

    path = Path("/tmp/shots_points.sqlite3")
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh_CN"):
        tag = "en" if lang == "en" else "zh"
        generate(str(path), clients=200, months=3, staff=5, seed=5, today=NOW, force=True, lang=lang)
        i18n.set_language(lang)
        db = open_database(str(path), run_migrations=False)
        services = Services(db, clock=lambda: NOW)
        i18n.set_timezone(services.shop.info().timezone)
        with db.uow(write=False) as uow:
            s = uow.session
            owner = actor_for(next(x for x in s.scalars(select(Staff).order_by(Staff.id)) if x.role == "owner"))
            oil_id = s.scalars(select(Product.id).where(Product.sku == "OIL-50")).one()
            cid, other = s.scalars(select(PointsAccount.client_id).order_by(PointsAccount.balance.desc()).limit(2)).all()
            reward_pid = s.scalars(select(PointsReward.product_id).where(
                PointsReward.active.is_(True), PointsReward.kind == "product")).first()
        assert cid is not None and reward_pid is not None
        services.settings.set(S.POINTS_CATEGORY_RATES, {"colour": "2"})
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)

        screen = CheckoutScreen(ctx)
        screen.resize(1140, 740)
        screen.show()
        screen.open(client_id=cid)
        app.processEvents()
        ed, pay = screen.flow.editor, screen.flow.payment
        co = services.checkout
        ed._apply(lambda b, co=co, oil_id=oil_id: co.add_product(b, oil_id, 3))  # type: ignore[misc]
        app.processEvents()
        pay.method_buttons["points"].click()
        pay.method_buttons["wechat"].click()
        app.processEvents()
        screen.grab().save(str(OUT / f"points-pay-{tag}.png"))
        paid = services.payments.pay(owner, ed.bill, pay.payments())
        screen.close()

        buf = io.BytesIO()
        shop = services.shop.info()
        render_receipt(services.payments.get_sale(paid.sale_id), buf, Fmt.for_shop(lang, shop.timezone, shop.currency))
        page_images(buf.getvalue(), dpi=110)[0].save(str(OUT / f"points-receipt-{tag}.png"))

        profile = ClientProfileScreen(ctx)
        profile.resize(1366, 700)
        profile.show()
        profile.open(client_id=cid)
        profile.history.setCurrentIndex(2)
        app.processEvents()
        profile.grab().save(str(OUT / f"points-profile-{tag}.png"))
        profile.close()

        screen = CheckoutScreen(ctx)  # a reward: the product free for his points, the oil paid with money
        screen.resize(1140, 740)
        screen.show()
        screen.open(client_id=other)
        app.processEvents()
        ed = screen.flow.editor
        ed._apply(lambda b, co=co, oil_id=oil_id: co.add_product(b, oil_id))  # type: ignore[misc]
        ed._apply(lambda b, co=co, pid=reward_pid: co.add_product(b, pid))  # type: ignore[misc]
        app.processEvents()
        ed.table.selectRow(1)
        app.processEvents()
        ed.reward_btn.click()
        app.processEvents()
        ed.table.selectRow(1)
        screen.flow.payment.method_buttons["wechat"].click()
        app.processEvents()
        screen.grab().save(str(OUT / f"points-reward-{tag}.png"))
        screen.close()

        rewards = rewards_editor(ctx)
        rewards.resize(1140, 560)
        rewards.show()
        app.processEvents()
        rewards.table.selectRow(0)
        app.processEvents()
        rewards.grab().save(str(OUT / f"points-rewards-settings-{tag}.png"))
        rewards.close()

        rules = RulesPanel(ctx)
        rules.resize(1000, 620)
        rules.show()
        app.processEvents()
        card = rules.inputs[S.POINTS_RATE_SERVICE.key]
        scroll = rules.findChild(QScrollArea)
        scroll.ensureWidgetVisible(card, 0, 40)
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().value() + 260)
        app.processEvents()
        rules.grab().save(str(OUT / f"points-settings-{tag}.png"))
        rules.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
