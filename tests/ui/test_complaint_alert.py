"""pytest-qt: an overdue complaint reaches the owner at sign-in; the Today banner and standards strip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, visit
from ui.aftercare.complaint_alert import (
    OverdueComplaintsBanner,
    OverdueComplaintsDialog,
    show_overdue_at_sign_in,
)
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.today.standards import TodayStandardsStrip

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def _ctx(services: Services, actor: Actor) -> UiContext:
    return UiContext(
        services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=actor
    )


def test_owner_sees_overdue_complaints_at_sign_in(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    cid = add_client(services.db, "Zhou Ting")
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    services.complaints.open_complaint(desk, description="Waited 40 minutes past the booking", client_id=cid)
    show_overdue_at_sign_in(_ctx(services, owner), parent)
    assert parent.findChildren(OverdueComplaintsDialog) == []  # not overdue yet: nothing shown
    clock.advance(hours=25)
    show_overdue_at_sign_in(_ctx(services, desk), parent)
    assert parent.findChildren(OverdueComplaintsDialog) == []  # only the owner is told at sign-in
    navigated: list[tuple[str, dict[str, object]]] = []
    ctx = _ctx(services, owner)
    ctx.navigate = lambda name, **kw: navigated.append((name, kw))
    show_overdue_at_sign_in(ctx, parent)
    dialogs = parent.findChildren(OverdueComplaintsDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dlg = dialogs[0]
    assert dlg.list.count() == 1
    line = dlg.list.item(0).text()
    assert "Zhou Ting" in line and "Waited 40 minutes" in line and "Amy" in line
    dlg._go()
    assert navigated == [("followups", {"tab": "complaints"})]


def test_banner_hidden_until_a_complaint_is_overdue(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    banner = OverdueComplaintsBanner(_ctx(services, owner))
    qtbot.addWidget(banner)
    banner.refresh()
    assert banner.isHidden()
    services.complaints.open_complaint(owner, description="Rude on the phone")
    clock.advance(hours=24, minutes=1)
    banner.refresh()
    assert not banner.isHidden() and "1 complaint" in banner.text.text()
    services.complaints.respond(owner, banner.items[0].id, "Called back and apologised")
    banner.refresh()
    assert banner.isHidden()


def test_today_strip_shows_live_figures(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    for greet in (10, 50):
        visit(
            services.db,
            services.settings,
            branch_id=owner.branch_id,
            client_id=None,
            stylist_id=None,
            desk_id=desk.staff_id,
            arrived=clock.now - timedelta(hours=1),
            greet_s=greet,
        )
    strip = TodayStandardsStrip(_ctx(services, owner))
    qtbot.addWidget(strip)
    strip.refresh()
    assert (strip.data["greet"]["met"], strip.data["greet"]["total"]) == (1, 2)
    assert "1/2" in strip.tiles["greet"].text() and "✕" in strip.tiles["greet"].text()
    assert "within 30 s" in strip.tiles["greet"].toolTip()


def test_the_sign_in_alert_reads_off_the_gui_thread(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signing in does not wait for the overdue complaints: the list is read on a worker and the
    window-modal dialog opens (without blocking) when it arrives; when someone else signed in
    meanwhile, or the window went away, nothing is shown and nothing breaks."""
    import threading

    from PySide6.QtCore import QThreadPool

    from tests.ui.test_runner import GATE_TIMEOUT_S, _delete, _gated, _settle

    services.complaints.open_complaint(owner, description="Waited 40 minutes past the booking")
    clock.advance(hours=25)
    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    real = services.complaints.overdue_complaints
    for ending in ("shown", "someone else signed in", "window closed"):
        ctx = UiContext(services=services, runner=TaskRunner(pool), shop=services.shop.info(), actor=owner)
        parent = QWidget()
        parent.show()
        gate, started = threading.Event(), threading.Event()
        monkeypatch.setattr(services.complaints, "overdue_complaints", _gated(real, gate, started))
        with qtbot.captureExceptions() as exceptions:
            show_overdue_at_sign_in(ctx, parent)  # returns while the read waits
            assert started.wait(GATE_TIMEOUT_S)
            assert parent.findChildren(OverdueComplaintsDialog) == []
            if ending == "someone else signed in":
                ctx.actor = desk
            if ending == "window closed":
                _delete(parent)
            gate.set()
            _settle(qtbot, pool)
        assert exceptions == []
        if ending != "window closed":
            dialogs = parent.findChildren(OverdueComplaintsDialog)
            assert len(dialogs) == (1 if ending == "shown" else 0)
            if dialogs:
                dlg = dialogs[0]
                assert dlg.isVisible() and dlg.windowModality() == Qt.WindowModality.WindowModal
                assert dlg.list.count() == 1
            _delete(parent)
