"""Screenshots of the Follow-ups screen (each tab) and the call dialog, in English and Chinese.

    .venv/bin/python scripts/shots_aftercare.py

Builds a small shop in /tmp with a week of after-care history and renders offscreen at 1366x768
into docs/screenshots/followups-<tab>-<en|zh>.png and followup-call-<en|zh>.png.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk_app.container import Services
    from desk_app.domain.permissions import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # Friday 10:30 in Shanghai


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(path: Path, clock: Clock) -> tuple[Services, Actor]:
    from desk_app.aftercare.views import RedoSpec
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import PrepaidAccount, PrepaidMovement
    from tests.integration.test_aftercare_data import add_client, add_staff, shanghai, visit

    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    db = open_database(str(path))
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(
        name="莲花美发美容 Lotus Hair & Spa",
        currency="CNY",
        language="zh_CN",
        owner_name="Mia Chen",
        owner_pin="1234",
    )
    b = owner.branch_id
    amy = add_staff(db, b, "Amy Wu", "receptionist")
    leo = add_staff(db, b, "Leo Zhang")
    max_ = add_staff(db, b, "Max Li")
    names = [
        ("王芳", "+8613812345678", date(1990, 11, 22), "wechat"),
        ("李娜", "+8613900001111", None, "phone"),
        ("张伟", "+8613700002222", date(1985, 11, 17), "phone"),
        ("陈静", "+8613600003333", None, "sms"),
        ("刘洋", "+8613500004444", None, "phone"),
        ("赵磊", "+8613400005555", None, "phone"),
        ("孙悦", "+8613300006666", date(1995, 11, 20), "phone"),
        ("周婷", "+8613200007777", None, "wechat"),
    ]
    cids = [add_client(db, n, p, birthday=bd, channel=ch, wechat="wx_" + p[-4:]) for n, p, bd, ch in names]
    svc_ids = []
    from sqlalchemy import select

    from desk_app.db.models import Service

    with db.uow(write=False) as uow:
        svc_ids = list(uow.session.execute(select(Service.id).order_by(Service.id).limit(6)).scalars())

    def v(ci: int, day: int, hour: int, stylist: Actor, **kw: Any) -> int:
        return visit(
            db,
            sv.settings,
            branch_id=b,
            client_id=cids[ci],
            stylist_id=stylist.staff_id,
            desk_id=amy.staff_id,
            arrived=shanghai(2026, 11, day, hour),
            service_id=svc_ids[ci % 6],
            **kw,
        )

    # follow-ups: overdue (16th), due (17th, 18th), later (19th), done (earlier calls)
    clock.now = shanghai(2026, 11, 16, 12)
    v(0, 16, 11, leo)
    v(1, 17, 14, max_)
    v(2, 18, 10, leo)
    v(3, 18, 15, max_)
    v(4, 19, 16, leo)
    done1 = v(5, 14, 10, leo)
    done2 = v(6, 15, 11, max_)
    clock.now = shanghai(2026, 11, 16, 10)
    lists = sv.aftercare.followups(actor=amy)
    fus = {f.visit_id: f.id for f in (*lists.due, *lists.later, *lists.overdue)}
    sv.aftercare.record_call(
        amy,
        fus[done1],
        "reached",
        timeliness=5,
        professionalism=5,
        effectiveness=4,
        attitude=5,
        comments="很满意，下次还找 Leo",
    )
    clock.now = shanghai(2026, 11, 17, 16)
    sv.aftercare.record_call(
        amy,
        fus[done2],
        "reached",
        timeliness=3,
        professionalism=4,
        effectiveness=2,
        attitude=4,
        comments="颜色一周就掉了",
    )
    # complaints: one overdue, one answered, one resolved with a redo, one special to the owner
    clock.now = shanghai(2026, 11, 18, 9)
    sv.complaints.log_contact(
        amy,
        "phone",
        "complaint",
        cids[7],
        summary="等了40分钟才开始做，预约时间没人接待",
        checklist={"greeting": True, "listen": True, "confirm": True},
        category="wait",
        severity="high",
    )
    sv.complaints.log_contact(
        amy,
        "phone",
        "inquiry",
        None,
        caller_name="Mr. Gao",
        summary="Asked for Sunday hours",
        checklist={k: True for k in ("greeting", "listen", "confirm", "answer", "anything_else")},
    )
    # resolved on the 17th: its call-back (is the client satisfied?) is due now
    clock.now = shanghai(2026, 11, 17, 11)
    c1 = sv.complaints.open_complaint(
        amy, description="Towel too hot at the wash", client_id=cids[1], category="service", severity="low"
    )
    sv.complaints.respond(amy, c1.id, "Apologised at once")
    sv.complaints.resolve(owner, c1.id, "Voucher for the next wash", "voucher", amount=Decimal("50"))
    clock.now = shanghai(2026, 11, 19, 15)
    c2 = sv.complaints.open_complaint(
        amy, description="Bill was 120 more than the estimate", client_id=cids[3], category="price"
    )
    sv.complaints.respond(amy, c2.id, "Apologised; explained the extra toner; owner will call back")
    c3 = sv.complaints.open_complaint(
        owner,
        description="Fringe cut uneven",
        client_id=cids[2],
        category="service",
        staff_involved_id=leo.staff_id,
    )
    sv.complaints.respond(owner, c3.id, "Offered a free correction")
    sv.complaints.resolve(
        owner,
        c3.id,
        "Free fringe correction with Leo",
        "redo",
        redo=RedoSpec(staff_id=leo.staff_id, start_at=shanghai(2026, 11, 21, 11), service_ids=(svc_ids[0],)),
    )
    clock.now = shanghai(2026, 11, 20, 9, 20)
    sv.complaints.open_complaint(
        amy,
        description="Blow-dry rushed; the stylist was curt",
        client_id=cids[6],
        category="attitude",
        staff_involved_id=max_.staff_id,
    )
    clock.now = shanghai(2026, 11, 20, 9, 40)
    sv.complaints.open_complaint(
        amy,
        description="Scalp irritation after the colour",
        level="special",
        client_id=cids[4],
        severity="high",
        category="product",
    )
    # the incident log: one late for its re-check, one due later, one closed
    clock.now = shanghai(2026, 11, 12, 15)
    burn = sv.incidents.record(
        amy, happened_at=shanghai(2026, 11, 12, 14, 20), category="safety", severity="high", step="service",
        place="Basin 2", description="Water too hot at the wash; the client's neck was red",
        action="Check the water on the wrist before every wash; fit a thermostat", recheck_on=date(2026, 11, 19),
        staff_involved_id=max_.staff_id, action_owner_id=owner.staff_id,
    )
    clock.now = shanghai(2026, 11, 19, 11)
    sv.incidents.record(
        amy, happened_at=shanghai(2026, 11, 19, 10), category="equipment", severity="medium", place="Chair 3",
        description="Chair 3 does not lift", action="Repairer booked; use chair 4 meanwhile",
        recheck_on=date(2026, 11, 24),
    )
    clock.now = shanghai(2026, 11, 16, 11)
    dryer = sv.incidents.record(
        owner, happened_at=shanghai(2026, 11, 16, 10), category="equipment", severity="high",
        description="Dryer sparked", action="Dryer thrown away, new one bought", recheck_on=date(2026, 11, 16),
    )
    sv.incidents.recheck(owner, dryer.id, True, "New dryer works")
    assert burn.id
    # feedback at checkout
    for ci, score, text in (
        (1, 5, ""),
        (3, 3, "Music too loud"),
        (4, 4, "Nice, a bit slow at checkout"),
        (2, 2, "Not happy with the fringe"),
    ):
        vid = v(ci, 19, 10 + ci, leo)
        sv.aftercare.record_checkout_satisfaction(amy, vid, None, score, text)
    # keeping in touch
    with db.uow() as uow:
        for ci, bal, exp in (
            (1, 52000, NOW.date() + timedelta(days=6)),
            (3, 8000, None),
            (5, 120000, NOW.date() + timedelta(days=45)),
            (7, 4500, NOW.date() + timedelta(days=2)),
        ):
            acc = PrepaidAccount(client_id=cids[ci], balance_minor=bal, expires_on=exp)
            uow.session.add(acc)
            uow.session.flush()
            uow.session.add(
                PrepaidMovement(
                    account_id=acc.id,
                    kind="spend",
                    amount_minor=-2000,
                    balance_after_minor=bal,
                    at=NOW - timedelta(days=ci),
                )
            )
        uow.commit()
    # today's visits for the standards
    clock.now = NOW
    v(0, 20, 9, leo, greet_s=12, assess_min=6, paid_min=None, end_min=None, step="service")
    v(5, 20, 9, max_, greet_s=50, assess_min=14, start_min=25, paid_min=None, end_min=None, step="service")
    v(
        6,
        20,
        10,
        leo,
        greet_s=20,
        assess_min=8,
        start_min=12,
        paid_min=None,
        end_min=None,
        step="service",
        booked=shanghai(2026, 11, 20, 10),
    )
    global owner_actor
    owner_actor = owner
    return sv, amy


owner_actor: Any = None


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    clock = Clock(NOW)
    sv, amy = seed(Path("/tmp/shots_aftercare.sqlite3"), clock)
    OUT.mkdir(parents=True, exist_ok=True)
    from ui.aftercare.call_dialog import FollowUpCallDialog
    from ui.aftercare.complaint_dialogs import ComplaintCallbackDialog, ComplaintResolveDialog
    from ui.aftercare.contact_dialog import ContactLogDialog
    from ui.aftercare.incidents import IncidentDialog
    from ui.aftercare.screen import TABS, FollowUpsScreen

    for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
        i18n.set_language(lang)
        ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=amy)
        w = FollowUpsScreen(ctx)
        w.resize(1366, 768)
        w.show()
        for tab in TABS:
            w.open(tab=tab)
            app.processEvents()
            w.grab().save(str(OUT / f"followups-{tab}-{suffix}.png"))
        w.open(tab="followups")
        app.processEvents()
        fu = w.followups.lists.due[0] if w.followups.lists else None
        assert fu is not None
        dlg = FollowUpCallDialog(ctx, fu, w)
        dlg.choose("reached", timeliness=4, professionalism=5, effectiveness=2, attitude=5)
        dlg.comments.setPlainText("颜色比预想的浅" if lang != "en" else "Colour lighter than hoped")
        dlg.resize(860, 740)
        dlg.show()
        app.processEvents()
        dlg.grab().save(str(OUT / f"followup-call-{suffix}.png"))
        dlg.close()
        contact = ContactLogDialog(ctx, w)
        contact.fill(
            kind="complaint",
            summary="Colour faded within a week" if lang == "en" else "染发一周就褪色了",
            caller_name="Ms Zhou",
            checks=("greeting", "listen", "confirm"),
        )
        contact.resize(760, 760)
        contact.show()
        app.processEvents()
        contact.grab().save(str(OUT / f"complaint-contact-{suffix}.png"))
        contact.close()
        open_one = next(c for c in sv.complaints.complaints() if c.status in ("open", "responded"))
        resolve = ComplaintResolveDialog(ctx, open_one, w)
        resolve.choose("redo", "Free colour refresh" if lang == "en" else "免费补色")
        resolve.resize(760, 460)
        resolve.show()
        app.processEvents()
        resolve.grab().save(str(OUT / f"complaint-resolve-{suffix}.png"))
        resolve.close()
        named = next(c for c in sv.complaints.complaints() if c.staff_involved_id and c.status != "resolved")
        replace = ComplaintResolveDialog(ctx, named, w)
        replace.choose("", "Apologised; Leo does her hair from now on" if lang == "en" else "已致歉；今后由 Leo 为她服务")
        replace.replace.setChecked(True)
        replace.resize(760, 480)
        replace.show()
        app.processEvents()
        replace.grab().save(str(OUT / f"complaint-resolve-replace-{suffix}.png"))
        replace.close()
        w.open(tab="incidents")
        w.incidents._filter("all")
        app.processEvents()
        w.grab().save(str(OUT / f"followups-incidents-all-{suffix}.png"))
        octx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner_actor)
        ow = FollowUpsScreen(octx)
        ow.resize(1366, 768)
        ow.show()
        ow.open(tab="spotchecks")
        ow.spotchecks.table.selectRow(0)
        ow.spotchecks.note.setPlainText("No formula recorded for the colour" if lang == "en" else "未记录染发配方")
        app.processEvents()
        ow.grab().save(str(OUT / f"followups-spotchecks-{suffix}.png"))
        ow.close()
        rec = IncidentDialog(ctx, w)
        rec.category.setCurrentIndex(rec.category.findData("product"))
        rec.place.setText("Colour bar" if lang == "en" else "调色台")
        rec.description.setPlainText("Wrong developer strength mixed" if lang == "en" else "调错了双氧奶浓度")
        rec.action.setPlainText("Label the bottles by strength" if lang == "en" else "按浓度给瓶子贴标签")
        rec.resize(760, 520)
        rec.show()
        app.processEvents()
        rec.grab().save(str(OUT / f"incident-record-{suffix}.png"))
        rec.close()
        due = next(c for c in sv.complaints.complaints() if c.callback_due)
        call = ComplaintCallbackDialog(ctx, due, w)
        call.no.click()
        call.note.setPlainText("Still a red mark on the neck" if lang == "en" else "脖子上还有红印")
        call.resize(760, 440)
        call.show()
        app.processEvents()
        call.grab().save(str(OUT / f"complaint-callback-{suffix}.png"))
        call.close()
        w.close()
    i18n.set_language("en")
    print("screenshots in", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
