"""pytest-qt: the Messages screen on a real database, the rows written by the real outbox and sent by
the real sender through the real SMTP channel to a mail server on loopback (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import (
    AuditEntry,
    Client,
    Complaint,
    Feedback,
    FollowUp,
    MessageTemplate,
    OutboxMessage,
    Setting,
)
from desk_app.domain.permissions import Actor
from desk_app.i18n import format_date
from desk_app.messages.outbox import enqueue
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, rows, shanghai, visit
from tests.integration.test_message_channels import Mailbox, check_login, free_port
from ui.aftercare.screen import FollowUpsScreen
from ui.context import UiContext
from ui.messages.outbox import MessageTextDialog
from ui.messages.reply_dialog import ReplyDialog
from ui.messages.screen import MessagesScreen
from ui.runner import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

REFUSED = "gone@example.com"


@pytest.fixture
def relay() -> Iterator[tuple[int, Mailbox]]:
    """A mail relay on loopback (no TLS, no sign-in) that refuses one address for good."""
    mailbox = Mailbox(refuse={REFUSED: "550 5.1.1 No such user here"})
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def email_channel(services: Services, port: int) -> None:
    services.settings.set(S.MESSAGES_EMAIL_HOST, "127.0.0.1")
    services.settings.set(S.MESSAGES_EMAIL_PORT, port)
    services.settings.set(S.MESSAGES_EMAIL_SECURITY, "none")
    services.settings.set(S.MESSAGES_EMAIL_FROM_ADDRESS, "desk@lotus.example")


def emailable(services: Services, name: str, email: str) -> int:
    cid = add_client(services.db, name, channel="email")
    with services.db.uow() as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        c.email, c.email_consent, c.email_consent_at = email, True, services.clock()
        uow.commit()
    return cid


def queue(services: Services, client_id: int, kind: str, due: datetime, ref: tuple[str, int | None] = ("", None)) -> int:
    """One outbox row written by the outbox's own enqueue, in a unit of work as a cause would."""
    with services.db.uow() as uow:
        c = uow.session.get(Client, client_id)
        assert c is not None
        row = enqueue(uow.session, client=c, kind=kind, ref_kind=ref[0], ref_id=ref[1], due_at=due,
                      dedupe_key=f"test:{kind}:{client_id}:{due.isoformat()}", settings=services.settings,
                      branch_id=1)
        assert row is not None, "the outbox refused to queue the message"
        mid = row.id
        uow.commit()
    return mid


def state_of(services: Services, message_id: int) -> str:
    with services.db.uow(write=False) as uow:
        row = uow.session.get(OutboxMessage, message_id)
        assert row is not None
        return row.state


def screen_for(qtbot: QtBot, services: Services, actor: Actor) -> MessagesScreen:
    ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=actor)
    w = MessagesScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    return w


def cells(w: MessagesScreen, column: int) -> list[str]:
    m = w.outbox.table.model()
    return [m.index(r, column).data() for r in range(m.rowCount())]


def test_the_outbox_lists_what_the_sender_did_filters_resends_and_cancels(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock, relay: tuple[int, Mailbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, mailbox = relay
    email_channel(services, port)
    ann = emailable(services, "Ann Lee", "ann@example.com")
    bob = emailable(services, "Bob Wu", REFUSED)
    cat = emailable(services, "Cat Ma", "cat@example.com")
    now = clock()
    sent = queue(services, ann, "confirmation", now)
    failed = queue(services, bob, "confirmation", now)
    waiting = queue(services, cat, "reminder", now + timedelta(hours=3))
    result = services.messages.run_due()
    assert (result.sent, result.failed) == (1, 1)
    assert len(mailbox.messages) == 1
    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")

    w = screen_for(qtbot, services, desk)
    w.open(tab="outbox")
    tab = w.outbox
    # the owner's tabs are not offered to the desk
    assert not w.tabs.isTabVisible(1) and not w.tabs.isTabVisible(2)
    # each button with its count (docs/messages.md), "All" too
    assert [b.text() for b in tab.filter_buttons.values()] == ["Queued (1)", "Sent (1)", "Failed (1)", "All (3)"]
    assert "1 sent · 1 waiting · 1 failed or unsure" in tab.summary.text()
    assert "made up" not in tab.summary.text()  # a real shop's messages: no demo note
    assert tab.summary.text().startswith(format_date(clock()))  # the day in words, not 2026-11-18
    tab.ctx.demo_mode = True  # the demo's made-up history says so (1,948 "sent", no channel set up)
    tab._show_counts()
    assert "none was sent to anyone" in tab.summary.text()
    tab.ctx.demo_mode = False
    assert sorted(cells(w, 1)) == ["Ann Lee (A00001)", "Bob Wu (A00002)", "Cat Ma (A00003)"]
    by_client = {r.client_name: i for i, r in enumerate(tab.table.model_.payloads)}
    # the state in words (and a symbol), the failure in words: the app's and the mail server's
    assert cells(w, 4)[by_client["Ann Lee"]] == "✓ Sent"
    assert cells(w, 4)[by_client["Bob Wu"]] == "✕ Failed"
    assert cells(w, 4)[by_client["Cat Ma"]] == "◷ Queued"
    why = cells(w, 5)[by_client["Bob Wu"]]
    assert why == "The provider refused this message"  # the mail server's own words in its view
    assert cells(w, 2)[by_client["Cat Ma"]] == "Appointment reminder"
    assert cells(w, 3)[by_client["Ann Lee"]] == "Email"

    # filters: by state, by client, by day
    tab.filter_buttons["failed"].click()
    assert cells(w, 1) == ["Bob Wu (A00002)"]
    tab.filter_buttons["all"].click()
    tab.search.setText("cat")
    tab._search_timer.timeout.emit()
    assert cells(w, 1) == ["Cat Ma (A00003)"]
    tab.search.clear()
    tab._search_timer.timeout.emit()
    tab.day.setDate(tab.day.date().addDays(-1))
    assert cells(w, 1) == [] and tab.stack.currentWidget() is tab.empty
    tab.any_day.setChecked(True)
    assert len(cells(w, 1)) == 3

    # view: the text that went
    tab.select(sent)
    tab.view_btn.click()
    assert isinstance(tab.dialog, MessageTextDialog) and tab.dialog.isVisible()
    tab.dialog.close()
    tab.select(failed)  # the mail server's own words are in the failed message's view
    tab.view_btn.click()
    assert any("No such user" in lbl.text() for lbl in tab.dialog.findChildren(QLabel))
    tab.dialog.close()

    # resend the failed one: a new queued row that points back to it
    tab.select(failed)
    assert tab.resend_btn.isEnabled() and not tab.cancel_btn.isEnabled()
    tab.resend_btn.click()
    with services.db.uow(write=False) as uow:
        again = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.resend_of_id == failed)).all()
        assert [(r.state, r.client_id) for r in again] == [("queued", bob)]
    assert len(tab.table.model_.payloads) == 4
    assert "queued again" in tab.note.text()

    # resending one the client already has asks first, with its two answers named (the second
    # newcomer's walk: a duplicate went at once); "Don't send" writes nothing
    asked: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(
        "ui.messages.outbox.confirm", lambda _p, title, _t, **k: asked.append((title, k)) or False
    )
    tab.select(sent)
    tab.resend_btn.click()
    assert asked == [("Send this message again?", {"yes": "Send again", "no": "Don't send", "default_yes": False})]
    with services.db.uow(write=False) as uow:
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.resend_of_id == sent)).all()

    # cancel the queued reminder (after saying yes)
    monkeypatch.setattr("ui.messages.outbox.confirm", lambda *_a, **_k: True)
    tab.select(waiting)
    assert tab.cancel_btn.isEnabled()
    tab.cancel_btn.click()
    assert state_of(services, waiting) == "cancelled"
    assert "✕" not in tab.note.text()
    assert sorted(a.action for a in rows(services.db, AuditEntry, entity="message")) == ["cancel", "resend"]


def test_a_reply_to_the_feedback_request_is_the_visits_feedback(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock, relay: tuple[int, Mailbox]
) -> None:
    port, _mailbox = relay
    email_channel(services, port)
    leo = add_staff(services.db, owner.branch_id, "Leo")
    cid = emailable(services, "Ann Lee", "ann@example.com")
    clock.now = shanghai(2026, 11, 18, 9)
    vid = visit(services.db, services.settings, branch_id=owner.branch_id, client_id=cid, stylist_id=leo.staff_id,
                desk_id=owner.staff_id, arrived=clock.now)
    clock.now = shanghai(2026, 11, 18, 12)
    mid = queue(services, cid, "feedback", clock.now, ("visit", vid))
    assert services.messages.run_due().sent == 1

    w = screen_for(qtbot, services, owner)
    w.open(tab="outbox")
    tab = w.outbox
    tab.select(mid)
    assert tab.reply_btn.isVisible() and tab.reply_btn.isEnabled()
    tab.reply_btn.click()
    dlg = tab.dialog
    assert isinstance(dlg, ReplyDialog) and dlg.isVisible()
    dlg.save_btn.click()  # no score yet: said, nothing written
    assert "score" in dlg.error.text() and not rows(services.db, Feedback)
    dlg.choose(5, "Lovely colour, thank you")
    dlg.save_btn.click()
    assert not dlg.isVisible()
    fb = rows(services.db, Feedback)
    assert [(f.visit_id, f.score, f.source, f.content) for f in fb] == [(vid, 5, "message", "Lovely colour, thank you")]
    fu = rows(services.db, FollowUp, visit_id=vid)[0]
    assert fu.status != "done"  # a message is not the follow-up call: it stays on the call list
    assert "Reply saved" in tab.note.text()
    tab.select(mid)
    assert not tab.reply_btn.isEnabled()  # answered: not twice


def test_a_low_reply_opens_one_complaint_and_a_reply_is_kept_after_the_call_was_made(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    """The reply is the visit's feedback whether or not the follow-up call was already made; a 1 or
    2 opens a complaint once per visit; a second reply replaces the first."""
    from desk_app.domain.aftercare import CallOutcome

    leo = add_staff(services.db, owner.branch_id, "Leo")
    cid = emailable(services, "Ann Lee", "ann@example.com")
    clock.now = shanghai(2026, 11, 18, 9)
    vid = visit(services.db, services.settings, branch_id=owner.branch_id, client_id=cid, stylist_id=leo.staff_id,
                desk_id=owner.staff_id, arrived=clock.now)
    clock.now = shanghai(2026, 11, 20, 11)  # the call was made and the client reached
    fu = rows(services.db, FollowUp, visit_id=vid)[0]
    services.aftercare.record_call(owner, fu.id, CallOutcome.REACHED, timeliness=5, attitude=5)
    assert rows(services.db, FollowUp, visit_id=vid)[0].status == "done"
    with pytest.raises(ValidationError):
        services.aftercare.record_message_reply(owner, vid, 0, "?")
    first = services.aftercare.record_message_reply(owner, vid, 2, "The colour faded in a week")
    again = services.aftercare.record_message_reply(owner, vid, 1, "Still faded")
    assert first.complaint_id is not None and again.complaint_id == first.complaint_id
    mine = [(f.score, f.content) for f in rows(services.db, Feedback) if f.source == "message"]
    assert mine == [(1, "Still faded")]
    complaints = [c for c in rows(services.db, Complaint) if c.visit_id == vid]
    assert [(c.source, "faded" in c.description) for c in complaints] == [("message_score", True)]


def test_the_templates_editor_refuses_an_unknown_placeholder_and_saves_a_good_one(
    qtbot: QtBot, services: Services, owner: Actor
) -> None:
    w = screen_for(qtbot, services, owner)
    tab = w.tab("templates")
    assert not tab.loading()
    tab.select("reminder", "en")
    assert tab.current is not None and tab.current.is_default
    assert tab.body.toPlainText() == tab.current.body
    assert "{" in tab.body.toPlainText()
    # the preview is the text with sample values, and how many text messages it takes
    first = tab.preview_body.text()
    assert first and "{" not in first
    assert "As a text message:" in tab.parts.text()

    # an unknown placeholder is refused in words; nothing saved
    tab.body.setPlainText("Hello {nonsense}, see you soon")
    tab.save_btn.click()
    assert tab.error.isVisible() and "nonsense" in tab.error.text()
    assert rows(services.db, MessageTemplate) == []

    # a good one, with a placeholder inserted from its chip at the cursor
    name = tab.current.placeholders[0]
    tab.body.setPlainText("Dear , see you soon. Lotus")
    cursor = tab.body.textCursor()
    cursor.setPosition(len("Dear "))
    tab.body.setTextCursor(cursor)
    tab.chip_buttons[name].click()
    assert tab.body.toPlainText() == "Dear {" + name + "}, see you soon. Lotus"
    tab.update_preview()
    assert tab.preview_body.text() != first and tab.preview_body.text().endswith("see you soon. Lotus")
    tab.save_btn.click()
    saved = rows(services.db, MessageTemplate)
    assert [(t.kind, t.language, t.body) for t in saved] == [("reminder", "en", "Dear {" + name + "}, see you soon. Lotus")]
    assert "Saved" in tab.status.text() and tab.reset_btn.isEnabled()
    assert tab.unsaved_changes() is None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_channels_tab_saves_settings_puts_the_password_in_the_keyring_and_sends_a_test(
    qtbot: QtBot, services: Services, owner: Actor, keystore: Path
) -> None:
    import keyring

    mailbox = Mailbox()
    port = free_port()
    # a mail server on loopback that wants a sign-in (without TLS: the test's own relay)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=check_login,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        from tests.integration.test_message_channels import ASCII_PASSWORD, ASCII_USER

        w = screen_for(qtbot, services, owner)
        tab = w.tab("channels")
        assert not tab.loading() and tab.save_btn.isEnabled()
        assert tab.smtp_secret_state.text() == "Not saved yet."
        assert tab.email_status.text().startswith("!")
        tab.inputs["messages.email.host"].setText("127.0.0.1")
        tab.inputs["messages.email.port"].setValue(port)
        security = tab.inputs["messages.email.security"]
        security.setCurrentIndex(security.findData("none"))
        tab.inputs["messages.email.user"].setText(ASCII_USER)
        tab.inputs["messages.email.from_address"].setText("desk@lotus.example")
        tab.smtp_password.setText(ASCII_PASSWORD)
        tab.kind_boxes["birthday"].setChecked(False)
        tab.inputs["messages.reminder_hours"].setValue(48)
        assert tab.unsaved_changes()
        tab.save_btn.click()
        assert tab.status.text() == "✓ Saved.", tab.status.text()
        services.settings.refresh()
        assert services.settings.get(S.MESSAGES_EMAIL_HOST) == "127.0.0.1"
        assert services.settings.get(S.MESSAGES_EMAIL_PORT) == port
        assert services.settings.get(S.MESSAGES_REMINDER_HOURS) == 48
        assert "birthday" not in services.settings.get(S.MESSAGES_KINDS)
        assert "reminder" in services.settings.get(S.MESSAGES_KINDS)
        # the password: in the password store, never in the settings table, never shown back
        assert keyring.get_password("desk-app-messages", "smtp") == ASCII_PASSWORD
        with services.db.uow(write=False) as uow:
            stored = [str(v) for v in uow.session.scalars(select(Setting.value))]
        assert not any(ASCII_PASSWORD in v for v in stored)
        assert tab.smtp_password.text() == ""
        assert tab.smtp_secret_state.text().startswith("✓ Saved")
        assert tab.email_status.text().startswith("✓ Ready")
        assert tab.unsaved_changes() is None

        # a test send through the saved settings and password
        tab.test_channel.setCurrentIndex(tab.test_channel.findData("email"))
        tab.test_to.setText("mia@example.com")
        tab.test_btn.click()
        assert tab.test_answer.text().startswith("✓ Sent"), tab.test_answer.text()
        assert len(mailbox.messages) == 1 and mailbox.messages[0][1] == ["mia@example.com"]

        # a refused value is said under its field; the password can be removed
        tab.inputs["messages.email.port"].setValue(0)  # below the range: the spin box keeps 1
        tab.smtp_remove.click()
        tab.save_btn.click()
        assert keyring.get_password("desk-app-messages", "smtp") is None
        assert tab.smtp_secret_state.text() == "Not saved yet."
        # the owner's changes to the secret are in the audit log (that it changed, never the value)
        with services.db.uow(write=False) as uow:
            trail = [(a.action, a.entity_id) for a in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "message_secret").order_by(AuditEntry.id))]
            assert not any(ASCII_PASSWORD in str(a.after) for a in uow.session.scalars(select(AuditEntry)))
        assert trail == [("update", "smtp"), ("delete", "smtp")]
    finally:
        controller.stop()


def test_the_follow_up_list_shows_what_was_already_sent(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock, relay: tuple[int, Mailbox]
) -> None:
    port, _mailbox = relay
    email_channel(services, port)
    leo = add_staff(services.db, owner.branch_id, "Leo")
    cid = emailable(services, "Ann Lee", "ann@example.com")
    clock.now = shanghai(2026, 11, 18, 9)
    vid = visit(services.db, services.settings, branch_id=owner.branch_id, client_id=cid, stylist_id=leo.staff_id,
                desk_id=owner.staff_id, arrived=clock.now)
    clock.now = shanghai(2026, 11, 18, 14, 2)
    queue(services, cid, "feedback", clock.now, ("visit", vid))
    assert services.messages.run_due().sent == 1
    clock.now = shanghai(2026, 11, 20, 10)
    ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
    w = FollowUpsScreen(ctx)
    qtbot.addWidget(w)
    w.show()
    w.open(tab="followups")
    tab = w.followups
    m = tab.table.model()
    assert m.headerData(7, Qt.Orientation.Horizontal) == "Status"
    assert m.index(0, 7).data().endswith(" · ✉ Nov 18")  # the day of the latest message, in the row
    assert tab.sent_line.text() == "Already sent to Ann Lee: Feedback request · Email · Nov 18 14:02"


def test_the_app_sends_what_is_due_every_minute_on_its_own(
    qtbot: QtBot, tmp_path: Path, relay: tuple[int, Mailbox]
) -> None:
    from desk_app.bootstrap import open_database
    from ui.app import MESSAGES_EVERY_MS, Shell
    from ui.main_window import MainArea

    port, mailbox = relay
    path = tmp_path / "s.sqlite3"
    clock = FakeClock()
    db = open_database(str(path))
    s = Services(db, clock=clock)
    s.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin="1234")
    email_channel(s, port)
    cid = emailable(s, "Ann Lee", "ann@example.com")
    mid = queue(s, cid, "confirmation", clock())
    db.dispose()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    shell = Shell(str(path), False, app, clock=clock)
    qtbot.addWidget(shell)
    page = shell.sign_in
    assert page is not None
    qtbot.waitUntil(lambda: not page.staff_loading())
    page.select(next(st.id for st in page._staff if st.name == "Mia"))
    page.type_pin("1234")
    page.submit()
    qtbot.waitUntil(lambda: isinstance(shell.main, MainArea) and shell.pages.currentWidget() is shell.main)
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox):
            w.close()
    timer = shell._messages_timer
    assert timer.isActive() and timer.interval() == MESSAGES_EVERY_MS == 60 * 1000
    timer.setInterval(20)  # a minute is long for a test: the same timer, sooner
    timer.start()
    qtbot.waitUntil(lambda: len(mailbox.messages) == 1, timeout=10000)
    qtbot.waitUntil(lambda: not shell._messages_running, timeout=5000)
    assert state_of(shell.services, mid) == "sent"
    assert mailbox.messages[0][1] == ["ann@example.com"]
    shell.close()
    assert not timer.isActive()


def test_a_refresh_keeps_the_message_the_desk_selected(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock, relay: tuple[int, Mailbox],
) -> None:
    """The list follows the background sender (a refresh a minute, and after each booking): the
    row the desk selected must stay selected, or Resend (Ctrl+R) and Cancel act on another client's
    message that slid into its place."""
    port, _mailbox = relay
    email_channel(services, port)
    ann = emailable(services, "Ann Lee", "ann@example.com")
    bob = emailable(services, "Bob Wu", "bob@example.com")
    cat = emailable(services, "Cat Ma", "cat@example.com")
    now = clock()
    queue(services, ann, "reminder", now + timedelta(hours=2))
    chosen = queue(services, bob, "reminder", now + timedelta(hours=3))
    w = screen_for(qtbot, services, owner)
    w.open(tab="outbox")
    tab = w.outbox
    tab.select(chosen)
    before = tab.current()
    assert before is not None and before.id == chosen
    # the sender (or another desk) queues one more: the list is reloaded
    queue(services, cat, "reminder", now + timedelta(hours=4))
    queue(services, cat, "reminder", now + timedelta(hours=1))
    tab.refresh()
    assert len(tab.table.model_.payloads) == 4
    after = tab.current()
    assert after is not None and after.id == chosen, "the selection moved to another message"
    # a row that left the list (another filter) falls back to the first row, as before
    tab.filter_buttons["sent"].click()
    assert tab.current() is None


def test_the_call_lists_no_longer_say_the_app_sends_nothing(qtbot: QtBot, services: Services, owner: Actor) -> None:
    """Since the app sends reminders, greetings and notices, the calendar's list of bookings to
    confirm and the keeping-in-touch lists must not tell the desk that it sends nothing (the desk
    would call every client who already got the app's message)."""
    from ui.aftercare.outreach import OutreachTab
    from ui.calendar.side import RemindersPanel

    panel = RemindersPanel()
    qtbot.addWidget(panel)
    panel.set_rows("Monday, December 7, 2026", [])
    assert "sends nothing" not in panel.title.text() and "Messages" in panel.title.text()
    ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
    tab = OutreachTab(ctx)
    qtbot.addWidget(tab)
    words = " ".join(label.text() for label in tab.findChildren(QLabel))
    assert "sends no messages" not in words and "Messages shows what went out" in words


def test_the_follow_up_list_names_only_the_newest_messages_sent(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock, relay: tuple[int, Mailbox]
) -> None:
    """Walk (issue 19): a regular's month of messages filled six lines under the call list (the demo's
    "Already sent to Joyce Jackson: …" ran to some forty entries) and pushed the calls off the
    screen. The newest three are named, the rest counted."""
    port, _mailbox = relay
    email_channel(services, port)
    leo = add_staff(services.db, owner.branch_id, "Leo")
    cid = emailable(services, "Ann Lee", "ann@example.com")
    clock.now = shanghai(2026, 11, 18, 9)
    vid = visit(services.db, services.settings, branch_id=owner.branch_id, client_id=cid, stylist_id=leo.staff_id,
                desk_id=owner.staff_id, arrived=clock.now)
    for hour in range(10, 18):  # eight messages in a day
        clock.now = shanghai(2026, 11, 18, hour)
        queue(services, cid, "feedback", clock.now, ("visit", vid))
        assert services.messages.run_due().sent == 1
    clock.now = shanghai(2026, 11, 20, 10)
    ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
    w = FollowUpsScreen(ctx)
    qtbot.addWidget(w)
    w.show()
    w.open(tab="followups")
    text = w.followups.sent_line.text()
    assert text.count("Feedback request") == 3 and "Nov 18 17:00" in text and "Nov 18 14:00" not in text
    assert text.endswith("5 more in Messages")
