"""Screenshots of the guided visit: Today on a busy day, each visit step, My clients (en and zh).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots_visit.py [OUT_DIR]

Builds a demo shop (desk_app.demo.shop.generate) frozen at 11:00 on a Wednesday,
adds a few visits of its own with the visit service, and renders the screens
inside the real main window at 1366x768.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy import select  # noqa: E402

from desk_app import i18n  # noqa: E402
from desk_app.bootstrap import open_database  # noqa: E402
from desk_app.container import Services  # noqa: E402
from desk_app.db.models import Appointment, Client, Product, Service, Staff  # noqa: E402
from desk_app.demo.shop import generate  # noqa: E402
from desk_app.domain.permissions import Actor  # noqa: E402
from desk_app.settings import S  # noqa: E402
from desk_app.visits.service import PlanItemIn  # noqa: E402
from ui.context import UiContext  # noqa: E402
from ui.main_window import MainArea  # noqa: E402
from ui.runner import TaskRunner  # noqa: E402
from ui.theme import apply_theme  # noqa: E402

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def settle(app: QApplication) -> None:
    for _ in range(6):
        app.processEvents()


def build(db_file: Path, lang: str) -> tuple[Services, Clock, Actor, Actor, dict[str, int]]:
    generate(str(db_file), clients=400, months=2, staff=6, seed=11, lang=lang, today=NOW, force=True)
    clock = Clock()
    clock.now = NOW - timedelta(minutes=40)
    sv = Services(open_database(str(db_file)), clock=clock)
    pins = {int(k): str(v) for k, v in (sv.settings.get(S.DEMO_PINS) or {}).items()}
    with sv.db.uow(write=False) as uow:
        s = uow.session
        staff = list(s.execute(select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)).scalars())
        owner_id = next(x.id for x in staff if x.role == "owner")
        stylist_id = next(x.id for x in staff if x.role == "stylist")
        svc = {c: i for c, i in s.execute(select(Service.code, Service.id)).all()}
        retail = (
            s.execute(select(Product.id).where(Product.is_retail.is_(True)).order_by(Product.id))
            .scalars()
            .all()
        )
        backbar = (
            s.execute(select(Product.id).where(Product.is_backbar.is_(True)).order_by(Product.id))
            .scalars()
            .all()
        )
        regulars = (
            s.execute(
                select(Client.id).where(Client.visit_count >= 2).order_by(Client.visit_count.desc()).limit(3)
            )
            .scalars()
            .all()
        )
        new_ones = s.execute(select(Client.id).where(Client.visit_count == 0).limit(2)).scalars().all()
        booked = (
            s.execute(
                select(Appointment.id)
                .where(
                    Appointment.status.in_(("booked", "confirmed")),
                    Appointment.start_at >= NOW - timedelta(hours=1),
                    Appointment.start_at < NOW + timedelta(hours=6),
                )
                .order_by(Appointment.start_at)
            )
            .scalars()
            .all()
        )
    owner = sv.auth.sign_in(owner_id, pins.get(owner_id, "1111"))
    stylist = sv.auth.sign_in(stylist_id, pins.get(stylist_id, "2222"))
    v = sv.visits
    zh = lang == "zh_CN"

    # a regular with an allergy, at the needs step with a plan and a suggested product
    with sv.db.uow() as uow:
        c = uow.session.get(Client, regulars[0])
        assert c is not None
        c.allergies = "对 PPD（染发剂）过敏" if zh else "PPD (hair dye)"
        uow.commit()
    needs = v.start_walk_in(owner, regulars[0])
    clock.advance(seconds=20)
    v.greet(owner, needs, regulars[0])
    sv.consultation.save_assessment(
        owner,
        needs,
        kind="hair",
        answers={
            "hair_type": "fine",
            "condition": ["dry"],
            "desired_result": "自然的灰棕色，遮白发" if zh else "soft ash brown, cover the greys",
        },
        goals="遮盖白发，不要太亮" if zh else "Cover the greys, nothing too bright",
        expectations="1 点前结束" if zh else "Done by 1 pm",
        priority="high",
        allergies="对 PPD（染发剂）过敏" if zh else "PPD (hair dye)",
    )
    sv.service_log.assign(owner, needs, stylist.staff_id, None)
    sv.consultation.set_plan(
        owner,
        needs,
        [
            PlanItemIn("service", service_id=svc["COL-ROOT"]),
            PlanItemIn("service", service_id=svc["BLOW"]),
            PlanItemIn("product", product_id=retail[1]),
            PlanItemIn("product", product_id=retail[2], suggested_only=True),
        ],
    )
    # a regular in service with a formula, products used and a logged service
    clock.advance(minutes=5)
    service = v.start_walk_in(owner, regulars[1])
    clock.advance(seconds=25)
    v.greet(owner, service, regulars[1])
    sv.consultation.save_assessment(
        owner,
        service,
        kind="hair",
        answers={
            "hair_type": "normal",
            "desired_result": "修剪 + 补染" if zh else "trim and refresh the colour",
        },
        goals="修剪发尾，补染发根" if zh else "Trim the ends, refresh the roots",
    )
    sv.consultation.set_plan(
        owner,
        service,
        [PlanItemIn("service", service_id=svc["COL-ROOT"]), PlanItemIn("service", service_id=svc["CUT-W"])],
    )
    sv.consultation.confirm_plan(owner, service)
    sv.service_log.assign(owner, service, stylist.staff_id, None)
    clock.advance(minutes=6)
    sv.service_log.start_service(stylist, service)
    sv.service_log.use_product(stylist, service, backbar[0], 1)
    sv.service_log.use_product(stylist, service, backbar[1], 2)
    comps = [
        {
            "product": "Koleston Perfect",
            "shade": "6/1",
            "developer": "6% 20 vol",
            "amount": "40 g",
            "minutes": 35,
            "notes": "",
        },
        {
            "product": "Koleston Perfect",
            "shade": "7/0",
            "developer": "6% 20 vol",
            "amount": "20 g",
            "minutes": 35,
            "notes": "发际线" if zh else "hairline",
        },
    ]
    f = sv.service_log.add_formula(stylist, service, comps, notes="发根先上" if zh else "roots first")
    clock.advance(minutes=2)
    sv.service_log.log_service(stylist, service, svc["COL-ROOT"], notes="覆盖均匀" if zh else "even coverage")
    # an older locked formula corrected: a second version beside the first
    clock.advance(hours=0)
    _ = f
    # two walk-ins just in: one not greeted yet (over 30 s), one new client waiting
    clock.now = NOW - timedelta(minutes=3)
    greet = v.start_walk_in(owner)
    clock.now = NOW - timedelta(minutes=1)
    if new_ones:
        v.start_walk_in(owner, new_ones[0])
    # a booked client who arrived and waits to be greeted
    if booked:
        v.arrive(owner, booked[0])
    clock.now = NOW
    ids = {"needs": needs, "service": service, "greeting": greet}
    return sv, clock, owner, stylist, ids


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    tmp = Path(tempfile.mkdtemp())
    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        suffix = "en" if lang == "en" else "zh"
        sv, _clock, owner, stylist, ids = build(tmp / f"visit-{suffix}.sqlite3", lang)
        ctx = UiContext(
            services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner, demo_mode=True
        )
        area = MainArea(ctx)
        area.resize(1366, 768)
        area.show()

        def shot(name: str, widget: QWidget, suffix: str = suffix) -> None:
            settle(app)
            widget.grab().save(str(out / f"{name}-{suffix}.png"))

        area.navigate("today")
        shot("today", area)
        area.navigate("visit", visit_id=ids["greeting"])
        shot("visit-greeting", area)
        area.navigate("visit", visit_id=ids["needs"])
        shot("visit-needs", area)
        area.navigate("visit", visit_id=ids["service"])
        shot("visit-service", area)
        ctx.actor = stylist
        area.apply_actor()
        area.navigate("my_clients")
        shot("my-clients", area)
        ctx.actor = owner
        area.apply_actor()
        sv.service_log.end_service(stylist, ids["service"])
        area.navigate("visit", visit_id=ids["service"])
        shot("visit-checkout", area)
        # paid at the desk: the visit moves on to rebooking
        from desk_app.checkout.bill import PaymentIn

        bill = sv.checkout.build_bill(owner, visit_id=ids["service"])
        sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
        area.navigate("visit", visit_id=ids["service"])
        shot("visit-rebooking", area)
        area.close()
        sv.db.dispose()
    print("saved to", out)


if __name__ == "__main__":
    main()
