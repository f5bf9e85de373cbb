"""Screenshots of the monthly report: the PDF pages (PNG) and the Reports screen (en, zh).

    .venv/bin/python scripts/shots_reports.py [--db DEMO.sqlite3] [--month YYYY-MM] [--pdf-only]

Without --db a small shop with two months of history is generated in /tmp. The figures are made as
of NOW (a fixed time, so the shots do not depend on today): October is a whole month. A demo shop whose
history ends at NOW is shot too, for November in progress ("reports-part-month-*.png").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = "2026-11-18T07:00:00+00:00"  # 18 Nov 15:00 in Shanghai


def fixed_now() -> Callable[[], datetime]:
    now = datetime.fromisoformat(NOW)
    return lambda: now


def part_month_db(path: Path) -> str:
    from desk_app.demo.shop import generate

    generate(str(path), clients=300, months=3, staff=6, seed=5, today=datetime.fromisoformat(NOW), force=True)
    return str(path)


def sample_db(path: Path) -> str:
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.demo.sample import generate

    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    db = open_database(str(path))
    Services(db).shop.create_shop(
        name="莲花美发美容 Lotus Hair & Spa",
        currency="CNY",
        language="zh_CN",
        owner_name="Mia Chen",
        owner_pin="1234",
    )
    generate(db, start_month="2026-09", months=2, clients=400, stylists=8, visits_per_day=40, seed=5)
    db.dispose()
    return str(path)


def pdf_pages(db_path: str, month: str) -> None:
    from desk_app.bootstrap import open_database
    from desk_app.i18n import Fmt
    from desk_app.reports.monthly import build_monthly
    from desk_app.reports.pdf import render_pdf

    db = open_database(db_path, run_migrations=False)
    data = build_monthly(db, month, now=fixed_now()())
    for lang, stem in (("en", "report-page"), ("zh_CN", "report-zh-page")):
        pdf = Path(f"/tmp/report-{lang}.pdf")
        render_pdf(data, pdf, Fmt.for_shop(lang, data["shop"]["timezone"], data["currency"]))
        for old in OUT.glob(f"{stem}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(OUT / stem)], check=True)
        for png in sorted(OUT.glob(f"{stem}-*.png")):  # pdftoppm names them stem-1.png or stem-01.png
            n = int(png.stem.rsplit("-", 1)[1])
            png.rename(OUT / f"{stem}-{n}.png")
    db.dispose()


def screen(db_path: str, month: str, stem: str = "reports", pages: tuple[int, ...] | None = None) -> None:
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from ui.context import UiContext
    from ui.runner import TaskRunner

    app = QApplication.instance() or QApplication([])
    from ui.theme import apply_theme

    apply_theme(app)  # type: ignore[arg-type]
    db = open_database(db_path, run_migrations=False)
    services = Services(db, clock=fixed_now())
    from sqlalchemy import select

    from desk_app.db.models import Staff
    from desk_app.trust.auth import actor_for

    with db.uow(write=False) as uow:
        owner = uow.session.execute(select(Staff).where(Staff.role == "owner")).scalars().first()
        assert owner is not None
        actor = actor_for(owner)
    if not services.review.review(actor, month).previous and pages is None:  # the monthly review page
        from datetime import date

        from desk_app.reports.sqlhelp import previous_month

        prev = previous_month(month)
        y, m = int(month[:4]), int(month[5:7])
        due = date(y, m, 28)
        first = services.review.add_action(actor, prev, "Greeting rota at the door on Saturdays", actor.staff_id, due)
        services.review.add_action(actor, prev, "Refresher on the follow-up call script", actor.staff_id, due)
        services.review.record_outcome(actor, first.id, "done")
        services.review.add_action(actor, month, "Check the water temperature before every wash", actor.staff_id, due)
    plan, _since = services.payroll.plan(actor)
    if not plan.rates and pages is None:  # the pay page and Settings > Commission need rates
        from datetime import date

        from desk_app.domain import commission as cm

        cats = services.catalog.categories(include_inactive=False)
        services.payroll.save_plan(actor, cm.parse_plan({"rates": [
            {"scope": "service", "tiers": [[0, 1000], [800_000, 1500]]},
            {"scope": "service", "category_id": cats[1].id if len(cats) > 1 else None, "tiers": [[0, 1200]]},
            {"scope": "product", "tiers": [[0, 500]]},
            {"scope": "package", "tiers": [[0, 800]]},
        ]}), date(int(month[:4]), 1, 1))  # fmt: skip
    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        from ui.reports.screen import ReportsScreen

        ctx = UiContext(
            services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=actor
        )
        w = ReportsScreen(ctx)
        w.resize(1366, 768)
        w.open(month=month)
        w.show()
        app.processEvents()
        for page in pages if pages is not None else range(w.page_count()):
            w.show_page(page)
            app.processEvents()
            suffix = "" if page == 0 else f"-{page + 1}"
            w.grab().save(str(OUT / f"{stem}{suffix}-{'en' if lang == 'en' else 'zh'}.png"))
        w.close()
        if pages is None:
            from ui.settings.screen import SettingsScreen

            st = SettingsScreen(ctx)
            st.resize(1366, 768)
            st.show()
            st.tab("commission")
            app.processEvents()
            st.grab().save(str(OUT / f"settings-commission-{'en' if lang == 'en' else 'zh'}.png"))
            st.close()
    i18n.set_language("en")
    db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--pdf-only", action="store_true")
    a = ap.parse_args()
    db_path = a.db or sample_db(Path("/tmp/shots_reports.sqlite3"))
    OUT.mkdir(parents=True, exist_ok=True)
    pdf_pages(db_path, a.month)
    if not a.pdf_only:
        screen(db_path, a.month)
        screen(part_month_db(Path("/tmp/shots_reports_part.sqlite3")), "2026-11", "reports-part-month", (0, 3))
    print("screenshots in", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
