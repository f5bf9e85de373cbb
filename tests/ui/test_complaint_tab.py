"""pytest-qt: the complaint list keeps the ticket a person chose across reloads, and the complaint
dialogs say which ticket and which client they are for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from desk_app.container import Services
from desk_app.db.models import Complaint
from desk_app.domain.aftercare import Compensation, ComplaintStatus
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, rows
from ui.aftercare.complaint_dialogs import ComplaintResolveDialog, ComplaintRespondDialog
from ui.aftercare.screen import FollowUpsScreen
from ui.context import UiContext
from ui.runner import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def _screen(qtbot: QtBot, services: Services, actor: Actor) -> FollowUpsScreen:
    ctx = UiContext(
        services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=actor
    )
    w = FollowUpsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    return w


def test_answer_keeps_the_ticket_selected_and_resolve_opens_the_same_one(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    """The newcomer's report: answering the overdue ticket (first in the list) moved it down, the
    selection stayed on the first row, and "Resolve…" opened somebody else's ticket."""
    zhou = add_client(services.db, "Zhou Ting")
    li = add_client(services.db, "Li Na", "+8613900001111")
    late = services.complaints.open_complaint(owner, description="Waited 40 minutes", client_id=zhou)
    clock.advance(hours=25)  # Zhou's ticket is overdue: listed first
    fresh = services.complaints.open_complaint(owner, description="Towel too hot", client_id=li)
    w = _screen(qtbot, services, owner)
    w.open(tab="complaints")
    ct = w.complaints
    assert [c.id for c in ct.items] == [late.id, fresh.id]
    assert ct.current() is not None and ct.current().id == late.id  # type: ignore[union-attr]

    ct.respond_btn.click()
    answer = ct.dialog
    assert isinstance(answer, ComplaintRespondDialog)
    assert f"#{late.id}" in answer.header.text() and "Zhou Ting" in answer.header.text()
    answer.text.setPlainText("Apologised and offered a free wash")
    answer.save()
    assert answer.result() == 1, answer.error.text()

    # answered, Zhou's ticket is no longer overdue: the newer one is listed first now
    assert [c.id for c in ct.items] == [fresh.id, late.id]
    assert ct.current() is not None and ct.current().id == late.id  # type: ignore[union-attr]
    ct.resolve_btn.click()
    resolve = ct.dialog
    assert isinstance(resolve, ComplaintResolveDialog)
    assert resolve.complaint.id == late.id
    assert f"#{late.id}" in resolve.header.text() and "Zhou Ting" in resolve.header.text()
    resolve.choose(Compensation.NONE, "Client happy with the apology")
    resolve.ok_btn.click()
    assert resolve.result() == 1, resolve.error.text()
    assert rows(services.db, Complaint, id=late.id)[0].status == ComplaintStatus.RESOLVED
    assert rows(services.db, Complaint, id=fresh.id)[0].status == ComplaintStatus.OPEN
    assert ct.current() is not None and ct.current().id == late.id  # type: ignore[union-attr]

    # closing the ticket keeps it selected too (it stays in the list, at the bottom)
    ct.close_btn.click()
    assert rows(services.db, Complaint, id=late.id)[0].status == ComplaintStatus.CLOSED
    assert ct.current() is not None and ct.current().id == late.id  # type: ignore[union-attr]
    assert ct.current().status == ComplaintStatus.CLOSED  # type: ignore[union-attr]


def test_a_ticket_chosen_before_the_list_arrives_is_selected_when_it_does(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    """The "Open the complaint" button of a follow-up asks for a ticket while the list is still loading."""
    first = services.complaints.open_complaint(owner, description="Colour uneven")
    clock.advance(minutes=5)
    services.complaints.open_complaint(owner, description="Booked the wrong day")
    w = _screen(qtbot, services, owner)
    ct = w.complaints
    ct.select(first.id)  # nothing loaded yet
    ct.refresh()
    assert ct.current() is not None and ct.current().id == first.id  # type: ignore[union-attr]
    # a ticket opened meanwhile, asked for while the list on screen is the older one
    clock.advance(minutes=5)
    newest = services.complaints.open_complaint(owner, description="Charged twice")
    ct.select(newest.id)
    assert ct.current() is not None and ct.current().id == first.id  # type: ignore[union-attr]
    ct.refresh()
    assert ct.current() is not None and ct.current().id == newest.id  # type: ignore[union-attr]
    ct.select(first.id)
    # a walk-in's ticket says so in the dialog's header
    ct.respond()
    assert isinstance(ct.dialog, ComplaintRespondDialog)
    assert f"#{first.id}" in ct.dialog.header.text() and "walk-in" in ct.dialog.header.text()


def test_the_call_back_after_a_resolution_reopens_or_closes_from_the_list(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    """Issue 15: a resolved ticket waits for the call-back; the list says so with a word and a
    symbol; "not satisfied" without what the client said changes nothing; with it, the ticket is
    reopened with a new resolve deadline; a second resolution and "satisfied" close it."""
    from ui.aftercare.complaint_dialogs import ComplaintCallbackDialog

    li = add_client(services.db, "Li Na", "+8613900001111")
    c = services.complaints.open_complaint(owner, description="Uneven fringe", client_id=li, severity="high")
    services.complaints.respond(owner, c.id, "Sorry, come back tomorrow")
    services.complaints.resolve(owner, c.id, "Recut")
    clock.advance(days=2)
    w = _screen(qtbot, services, owner)
    w.open(tab="complaints")
    ct = w.complaints
    row = [ct.table.model().index(0, col).data() for col in range(ct.table.model().columnCount())]
    assert "! Call back" in row and any(str(x).startswith("! Call back ") for x in row)
    assert ct.callback_btn.isEnabled() and not ct.resolve_btn.isEnabled()

    ct.callback_btn.click()
    dlg = ct.dialog
    assert isinstance(dlg, ComplaintCallbackDialog)
    assert f"#{c.id}" in dlg.header.text() and "Li Na" in dlg.header.text()
    dlg.no.click()
    dlg.save()
    assert dlg.result() == 0 and dlg.error.text()  # why, or nothing changes
    assert rows(services.db, Complaint)[0].status == ComplaintStatus.RESOLVED
    dlg.note.setPlainText("Still uneven on the left")
    dlg.save()
    assert dlg.result() == 1, dlg.error.text()
    reopened = ct.current()
    assert reopened is not None and reopened.id == c.id and reopened.status == ComplaintStatus.RESPONDED
    assert reopened.reopened_count == 1 and ct.resolve_btn.isEnabled() and not ct.callback_btn.isEnabled()
    row = [ct.table.model().index(0, col).data() for col in range(ct.table.model().columnCount())]
    assert "! Reopened" in row and any(str(x).startswith("Resolve by") for x in row)

    services.complaints.resolve(owner, c.id, "Senior stylist recut it")
    ct.refresh()
    ct.callback_btn.click()
    dlg2 = ct.dialog
    assert isinstance(dlg2, ComplaintCallbackDialog)
    dlg2.yes.click()
    dlg2.save()
    assert dlg2.result() == 1, dlg2.error.text()
    stored = rows(services.db, Complaint)[0]
    assert (stored.status, stored.callback_result) == (ComplaintStatus.CLOSED, "satisfied")


def test_an_inquiry_answered_later_from_the_contacts_list(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    """Log a phone inquiry not answered on the spot, with its rings; the list says by when it is
    due; Answered... records the answer and the list says so."""
    from desk_app.db.models import Contact
    from ui.aftercare.complaint_dialogs import ContactAnswerDialog
    from ui.aftercare.contact_dialog import ContactLogDialog

    w = _screen(qtbot, services, owner)
    w.open(tab="complaints")
    ct = w.complaints
    ct.log_contact()
    dlg = ct.dialog
    assert isinstance(dlg, ContactLogDialog)
    dlg.fill(kind="inquiry", summary="Do you do keratin?", caller_name="Ms Gao")
    assert dlg.rings.isVisible() and dlg.answered.isVisible()
    dlg.rings.setValue(4)
    dlg.answered.setChecked(False)
    dlg.save()
    assert dlg.result() == 1, dlg.error.text()
    stored = rows(services.db, Contact)[0]
    assert (stored.rings, stored.replied_at) == (4, None)
    answer_cell = ct.contacts.model().index(0, 5).data()
    assert answer_cell.startswith("! Answer by")
    ct.contacts.selectRow(0)
    assert ct.answer_contact_btn.isEnabled()
    ct.answer_contact_btn.click()
    ans = ct.dialog
    assert isinstance(ans, ContactAnswerDialog) and "Ms Gao" in ans.header.text()
    ans.text.setPlainText("Yes, 2 hours, from 680")
    ans.save()
    assert ans.result() == 1, ans.error.text()
    assert ct.contacts.model().index(0, 5).data() == "✓ answered"
    assert rows(services.db, Contact)[0].reply == "Yes, 2 hours, from 680"


def test_resolving_with_another_stylist_and_the_booking_dialog_then_warns(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    """The remedy "replace the staff member": chosen in the resolve dialog (only when the ticket
    names someone); the booking dialog then says so when the old stylist is chosen."""
    from tests.integration.test_aftercare_data import add_staff
    from ui.calendar.booking import BookingDialog

    leo = add_staff(services.db, owner.branch_id, "Leo", "stylist")
    mia = add_staff(services.db, owner.branch_id, "Mia", "stylist")
    li = add_client(services.db, "Li Na", "+8613900001111")
    named = services.complaints.open_complaint(owner, description="Rude", client_id=li, staff_involved_id=leo.staff_id)
    w = _screen(qtbot, services, owner)
    w.open(tab="complaints")
    ct = w.complaints
    ct.select(named.id)
    ct.refresh()
    ct.resolve_btn.click()
    dlg = ct.dialog
    assert isinstance(dlg, ComplaintResolveDialog)
    assert dlg.replace_box.isVisibleTo(dlg) and "Leo" in dlg.replace.text()
    names = [dlg.replace_staff.itemText(i) for i in range(dlg.replace_staff.count())]
    assert "Leo" not in names and "Mia" in names
    assert not dlg.replace_staff.isEnabled()
    dlg.replace.setChecked(True)
    dlg.replace_staff.setCurrentIndex(dlg.replace_staff.findData(mia.staff_id))
    dlg.choose(Compensation.NONE, "Mia does her hair from now on")
    dlg.ok_btn.click()
    assert dlg.result() == 1, dlg.error.text()
    assert rows(services.db, Complaint, id=named.id)[0].replacement_staff_id == mia.staff_id

    ctx = w.ctx
    book = BookingDialog(ctx, clock() + timedelta(days=1), staff_id=leo.staff_id, client_id=li)
    qtbot.addWidget(book)
    book.show()
    qtbot.waitUntil(lambda: book.client_id == li and book.staff.currentData() is not None)
    book.staff.setCurrentIndex(book.staff.findData(leo.staff_id))
    assert book.staff_warning.isVisibleTo(book)
    assert f"#{named.id}" in book.staff_warning.text() and "Mia" in book.staff_warning.text()
    book.staff.setCurrentIndex(book.staff.findData(mia.staff_id))
    assert not book.staff_warning.isVisibleTo(book)
    # a ticket that names nobody offers no replacement
    other = services.complaints.open_complaint(owner, description="Long wait", client_id=li)
    ct.select(other.id)
    ct.refresh()
    ct.resolve_btn.click()
    assert isinstance(ct.dialog, ComplaintResolveDialog) and not ct.dialog.replace_box.isVisibleTo(ct.dialog)
    ct.dialog.reject()
