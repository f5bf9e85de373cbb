"""The audit log screen: filters, the before/after detail, export, owner only."""

from __future__ import annotations

import csv
from pathlib import Path

from pytestqt.qtbot import QtBot

from desk_app.core.service import audit
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from ui.context import UiContext
from ui.trust.audit import AuditScreen


def test_owner_filters_sees_changes_and_exports(
    qtbot: QtBot, ctx: UiContext, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    services = ctx.services
    view = services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5678")
    leo = services.auth.sign_in(view.id, "5678")
    with services.db.uow() as uow:
        audit(
            uow.session,
            leo,
            "update",
            "client",
            7,
            before={"phone": "+8613800000000"},
            after={"phone": "+8613811111111"},
            at=clock(),
        )
        uow.commit()
    screen = AuditScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() >= 2 and screen.stack.currentIndex() == 0
    screen.staff.setCurrentIndex(screen.staff.findData(leo.staff_id))
    actions = {r.action for r in screen.model.rows}
    assert actions == {"sign_in", "update"}
    screen.action.setCurrentIndex(screen.action.findData("update"))
    assert screen.model.rowCount() == 1
    assert "+8613800000000 → +8613811111111" in screen.model.data(screen.model.index(0, 4))
    screen.table.selectRow(0)
    assert "Before:" in screen.detail.toPlainText() and "+8613811111111" in screen.detail.toPlainText()
    screen.denied_only.setChecked(True)
    assert screen.stack.currentWidget() is screen.empty
    screen.denied_only.setChecked(False)
    out = tmp_path / "audit.csv"
    screen.export_to(out)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 2 and rows[1][2] == "update"
    assert "exported" in screen.notice.text()


def test_a_stylist_sees_a_lock(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    view = ctx.services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5678")
    ctx.actor = ctx.services.auth.sign_in(view.id, "5678")
    screen = AuditScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.stack.currentWidget() is screen.denied and not screen.export_button.isEnabled()


def test_the_log_pages_in_as_the_table_scrolls(
    qtbot: QtBot, ctx: UiContext, owner: Actor, clock: FakeClock
) -> None:
    from PySide6.QtCore import QModelIndex

    from ui.trust.audit import PAGE

    with ctx.services.db.uow() as uow:
        for i in range(PAGE + 20):
            audit(uow.session, owner, "update", "client", i, after={"n": i}, at=clock())
        uow.commit()
    screen = AuditScreen(ctx)
    qtbot.addWidget(screen)
    total = screen.model.total
    assert total > PAGE and screen.model.rowCount() == PAGE
    assert screen.model.canFetchMore(QModelIndex())
    screen.model.fetchMore(QModelIndex())  # the next page comes from the runner
    assert screen.model.rowCount() == total and not screen.model.fetching()
    assert not screen.model.canFetchMore(QModelIndex())
    screen.action.setCurrentIndex(screen.action.findData("update"))  # read again, from the first page
    assert screen.model.rowCount() == PAGE and screen.model.canFetchMore(QModelIndex())
