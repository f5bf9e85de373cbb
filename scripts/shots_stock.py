"""Screenshots of stock (docs/stock.md), in English and Chinese:

- stock-to-order-*.png: Stock > To order, the products at or below their reorder level;
- stock-receive-*.png: Stock > Orders, the order sent two days ago, part of the delivery typed in;
- stock-count-*.png: Stock > Counts, a count of the retail shelf being typed;
- stock-suppliers-*.png: Settings > Products > Suppliers.

    .venv/bin/python scripts/shots_stock.py

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
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Staff
    from desk_app.demo.shop import generate
    from desk_app.trust.auth import actor_for
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.settings.catalog import suppliers_editor
    from ui.stock.screen import StockScreen
    from ui.theme import apply_theme

    path = Path("/tmp/shots_stock.sqlite3")
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
            owner = actor_for(next(x for x in uow.session.scalars(select(Staff).order_by(Staff.id))
                                   if x.role == "owner"))
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)

        screen = StockScreen(ctx)
        screen.resize(1140, 700)
        screen.show()
        screen.open(tab="to_order")
        app.processEvents()
        screen.grab().save(str(OUT / f"stock-to-order-{tag}.png"))

        screen.open(tab="orders")
        orders = screen.orders
        row = next(i for i, o in enumerate(orders.orders) if o.state == "sent")
        orders.list.selectRow(row)
        app.processEvents()
        assert orders.order is not None
        orders.all_came()
        last = orders.lines.item(orders.lines.rowCount() - 1, 5)
        if last is not None:
            last.setText(str(max(int(last.text() or 0) - 2, 0)))  # two short on the last line
        orders.lines.setCurrentCell(orders.lines.rowCount() - 1, 5)
        app.processEvents()
        screen.grab().save(str(OUT / f"stock-receive-{tag}.png"))

        screen.open(tab="counts")
        counts = screen.counts
        counts.scope.setCurrentIndex(counts.scope.findData("retail"))
        counts.start_btn.click()
        app.processEvents()
        assert counts.current is not None
        for r, ln in enumerate(counts.current.lines[:4]):
            item = counts.sheet.item(r, 2)
            if item is not None:
                item.setText(str(max(ln.on_record - (1 if r == 1 else 0), 0)))
            app.processEvents()
        screen.grab().save(str(OUT / f"stock-count-{tag}.png"))
        assert counts.current is not None
        services.stock.abandon_count(owner, counts.current.id)
        screen.close()

        sups = suppliers_editor(ctx)
        sups.resize(1140, 560)
        sups.show()
        app.processEvents()
        sups.table.selectRow(0)
        app.processEvents()
        sups.grab().save(str(OUT / f"stock-suppliers-{tag}.png"))
        sups.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
