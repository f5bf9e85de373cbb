"""Issue 14 item 1 at the desk: a refused owner's PIN is asked again saying why; a paused one says
how long to wait and takes no PIN meanwhile; the owner is told about wrong PINs and a short PIN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.db.models import Staff
from desk_app.domain.permissions import Actor
from tests.integration.test_checkout_support import new_staff
from ui.context import UiContext
from ui.shared.widgets import PinDialog


def test_the_pin_dialog_shows_the_wait_and_takes_no_pin_meanwhile(qtbot: QtBot) -> None:
    dlg = PinDialog(None, "A refund needs the owner's PIN.", "Too many wrong PINs. Try again in 2 minutes.", 120)
    qtbot.addWidget(dlg)
    assert dlg.error.isVisibleTo(dlg) and "Try again in 2 minutes" in dlg.error.text()
    assert not dlg.ok_button.isEnabled() and not dlg.edit.isEnabled()
    dlg.accept()  # Enter does nothing while paused
    assert dlg.result() != PinDialog.DialogCode.Accepted
    assert dlg.pause_timer.isActive() and dlg.pause_timer.remainingTime() > 110_000
    dlg.pause_timer.timeout.emit()  # the wait is over
    assert dlg.ok_button.isEnabled() and dlg.edit.isEnabled() and not dlg.error.isVisibleTo(dlg)
    assert dlg.edit.maxLength() == 8


def _answer_pin_dialogs(answers: list[str | None], seen: list[tuple[str, bool]]) -> None:
    """Answer the next modal PinDialogs in turn (a PIN, or None: Cancel), noting each one's message
    and whether it took a PIN."""
    from PySide6.QtCore import QTimer

    todo = iter(answers)

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, PinDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append((dlg.error.text() if dlg.error.isVisibleTo(dlg) else "", dlg.ok_button.isEnabled()))
        pin = next(todo)
        if pin is None:
            dlg.reject()
        else:
            dlg.edit.setText(pin)
            dlg.accept()
        if len(seen) < len(answers):
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_wrong_owner_pins_at_the_refund_dialog_are_asked_again_until_paused(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.checkout.refund import RefundDialog

    co = services.checkout
    paid = services.payments.pay(owner, co.add_counter_item(co.build_bill(owner), "Cut", 10000),
                                 [PaymentIn("cash", 10000)])
    ctx.actor = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    dlg = RefundDialog(ctx, services.payments.get_sale(paid.sale_id), True)
    qtbot.addWidget(dlg)
    dlg.reason.setPlainText("charged the wrong client")
    monkeypatch.setattr("ui.checkout.refund.ask_pin", lambda *a, **k: "0000")  # the first ask: wrong
    seen: list[tuple[str, bool]] = []
    _answer_pin_dialogs(["1111", "2222", "3333", "4444", None], seen)
    dlg.submit()
    wrong = "✕ That PIN is not the owner's. Ask the owner to type it."
    paused = "✕ Too many wrong PINs. Try again in 60 seconds."
    assert seen == [(wrong, True)] * 4 + [(paused, False)]
    assert dlg.error.text() == paused and dlg.result_sale is None and not dlg.busy()
    assert services.payments.get_sale(paid.sale_id).refundable_minor == 10000


def _shell_with_shop(tmp_path: Path, owner_pin: str) -> Any:
    from ui.app import Shell

    db = open_database(str(tmp_path / "s.sqlite3"))
    s = Services(db)
    owner = s.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin=owner_pin)
    rita = s.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin="2468")
    desk = s.auth.sign_in(rita.id, "2468")
    for _ in range(5):
        try:
            s.payments.approve_discount(desk, "0000")
        except Exception:
            pass
    db.dispose()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return Shell(str(tmp_path / "s.sqlite3"), False, app)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_owner_is_told_about_wrong_pins_and_a_short_pin_after_signing_in(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from ui.main_window import MainArea
    from ui.shell.sign_in import SignInPage

    shell = _shell_with_shop(tmp_path, "1234")
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, SignInPage)
    qtbot.waitUntil(lambda: not page.staff_loading())
    page.select(next(s.id for s in page._staff if s.name == "Mia"))
    page.type_pin("1234")
    # the pause from the desk's five wrong PINs holds for sign-in too
    page.submit()
    qtbot.waitUntil(lambda: "Try again in" in page.error.text())
    with shell.services.db.uow() as uow:  # the shell runs on the real clock: end the minute's pause here
        for s in uow.session.scalars(select(Staff)):
            s.locked_until = None
        uow.commit()
    page.type_pin("1234")
    page.submit()
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), MainArea))
    main = shell.main
    assert main is not None
    qtbot.waitUntil(lambda: main.pin_notice.isVisibleTo(main))
    text = main.pin_notice_text.text()
    assert "5 wrong PINs were typed for you" in text and "discount" in text and "Rita" in text
    assert "paused 1 time" in text and "fewer than 6 digits" in text
    main.resize(1366, 768)
    main.grab().save(str(tmp_path / "pin_notice.png"))


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_a_long_pin_of_eight_digits_signs_in_with_no_nudge(qtbot: QtBot, tmp_path: Path) -> None:
    from ui.main_window import MainArea
    from ui.shell.sign_in import SignInPage

    db = open_database(str(tmp_path / "s.sqlite3"))
    Services(db).shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia",
                                  owner_pin="12345678")
    db.dispose()
    from ui.app import Shell

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    shell = Shell(str(tmp_path / "s.sqlite3"), False, app)
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, SignInPage)
    qtbot.waitUntil(lambda: not page.staff_loading())
    page.select(next(s.id for s in page._staff if s.name == "Mia"))
    page.type_pin("123456789")  # the keypad takes 8 digits
    page.submit()
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), MainArea))
    main = shell.main
    assert main is not None and not page.short_pin
    qtbot.wait(50)
    assert not main.pin_notice.isVisibleTo(main)
