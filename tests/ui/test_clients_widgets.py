"""pytest-qt: the client search box and the new-client dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app.core.service import ValidationError
from desk_app.domain.permissions import Actor
from ui.clients.new_client import NewClientDialog, split_initial_text
from ui.clients.search import ClientSearchBox
from ui.context import UiContext

# the shared stylesheet's '@primary_dark' is replaced as '@primary' + '_dark' (reported to the lead)
pytestmark = pytest.mark.qt_log_ignore("parseHexColor: Unknown color name '#2F6FDE_dark'")


def _clients(ctx: UiContext, owner: Actor) -> dict[str, int]:
    c = ctx.services.clients
    return {
        "zhang": c.create(owner, {"name": "张三", "phone": "13812345678", "allergies": "latex"}).id,
        "zhao": c.create(owner, {"name": "赵六", "phone": "13900001111"}).id,
        "amy": c.create(owner, {"name": "Amy Wu", "phone": "15011112222"}).id,
    }


def test_type_pinyin_then_move_and_choose_with_enter(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    ids = _clients(ctx, owner)
    box = ClientSearchBox(ctx)
    qtbot.addWidget(box)
    assert len(box.hits()) == 3  # empty box: recent clients
    qtbot.keyClicks(box.edit, "z")
    assert box.pending()  # typing: the search runs once the typing pauses
    qtbot.waitUntil(lambda: not box.pending())
    assert {h.id for h in box.hits()} == {ids["zhang"], ids["zhao"]}
    qtbot.keyClicks(box.edit, "hangs")
    qtbot.waitUntil(lambda: not box.pending())
    assert [h.id for h in box.hits()] == [ids["zhang"]]
    assert box.hits()[0].has_allergy
    box.clear()
    qtbot.keyClicks(box.edit, "zs")
    qtbot.waitUntil(lambda: not box.pending())
    assert [h.id for h in box.hits()] == [ids["zhang"]]
    box.clear()
    qtbot.keyClicks(box.edit, "1")  # every client's phone has a 1: three rows
    qtbot.waitUntil(lambda: not box.pending())
    assert len(box.hits()) == 3
    first = box.current_hit()
    assert first is not None
    qtbot.keyClick(box.edit, Qt.Key.Key_Down)
    second = box.current_hit()
    assert second is not None and second.id != first.id
    with qtbot.waitSignal(box.client_chosen, timeout=1000) as sig:
        qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    assert sig.args == [second.id]
    box.clear()
    qtbot.keyClicks(box.edit, "5678")
    with qtbot.waitSignal(box.client_chosen, timeout=1000) as sig2:
        qtbot.keyClick(box.edit, Qt.Key.Key_Enter)
    assert sig2.args == [ids["zhang"]]


def test_ctrl_n_asks_for_a_new_client_with_the_typed_text(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    box = ClientSearchBox(ctx)
    qtbot.addWidget(box)
    box.set_text("王小明")  # QTest cannot type non-ASCII keys
    assert box.hits() == []
    assert "Ctrl+N" in box.status.text()
    with qtbot.waitSignal(box.new_client_requested, timeout=1000) as sig:
        qtbot.keyClick(box.edit, "n", Qt.KeyboardModifier.ControlModifier)
    assert sig.args == ["王小明"]


def test_split_initial_text() -> None:
    assert split_initial_text("138 1234 5678") == ("", "138 1234 5678")
    assert split_initial_text("张三") == ("张三", "")
    assert split_initial_text("Amy 5") == ("Amy 5", "")


def test_new_client_with_field_errors_then_saved(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    dlg = NewClientDialog(ctx, "李雷")
    qtbot.addWidget(dlg)
    assert dlg.name.text() == "李雷" and dlg.phone.text() == ""
    qtbot.keyClicks(dlg.phone, "12345")
    dlg.save()
    assert not dlg.errors["phone"].isHidden()
    assert "not valid" in dlg.errors["phone"].text()
    assert dlg.client_id is None
    dlg.phone.setText("13700001234")
    dlg.privacy.setChecked(True)
    dlg.save()
    assert dlg.client_id is not None and dlg.result() == NewClientDialog.DialogCode.Accepted
    p = ctx.services.clients.get(owner, dlg.client_id)
    assert p.name == "李雷" and p.privacy_consent and not p.marketing_consent


def test_new_client_duplicate_warning_and_use_existing(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    ids = _clients(ctx, owner)
    dlg = NewClientDialog(ctx, "138 1234 5678")
    qtbot.addWidget(dlg)
    assert dlg.phone.text() == "138 1234 5678"
    qtbot.keyClicks(dlg.name, "Zhang San")
    dlg.save()  # first click: the duplicate is shown, nothing saved
    assert dlg.client_id is None
    assert not dlg.dup_frame.isHidden()
    assert [d.id for d in dlg.duplicates()] == [ids["zhang"]]
    assert dlg.save_button.text() == "Save as a new client anyway"
    use = dlg.dup_frame.findChildren(type(dlg.save_button), "useExisting")
    assert len(use) == 1
    qtbot.mouseClick(use[0], Qt.MouseButton.LeftButton)
    assert dlg.client_id == ids["zhang"]
    assert dlg.result() == NewClientDialog.DialogCode.Accepted


def test_new_client_saved_anyway_after_seeing_the_duplicate(
    qtbot: QtBot, ctx: UiContext, owner: Actor
) -> None:
    ids = _clients(ctx, owner)
    dlg = NewClientDialog(ctx, "张三")
    qtbot.addWidget(dlg)
    dlg.phone.setText("13812345678")
    dlg.save()
    assert dlg.client_id is None and dlg.duplicates()
    dlg.save()
    assert dlg.client_id is not None and dlg.client_id not in ids.values()


def test_new_client_and_profile_form_ask_for_texts_and_email(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    """Issue 19: "May receive text messages" / "May receive email" on both forms, with when each was given."""
    from ui.clients.form import ClientForm

    dlg = NewClientDialog(ctx, "韩梅梅")
    qtbot.addWidget(dlg)
    assert dlg.sms.text() == "May receive text messages" and dlg.email_ok.text() == "May receive email"
    dlg.phone.setText("13700004321")
    dlg.privacy.setChecked(True)
    dlg.sms.setChecked(True)
    dlg.save()
    assert dlg.client_id is not None
    p = ctx.services.clients.get(owner, dlg.client_id)
    assert p.sms_consent and not p.email_consent

    form = ClientForm([])
    qtbot.addWidget(form)
    form.load(p)
    assert form.sms.isChecked() and not form.email_ok.isChecked()
    assert "Text messages: yes on" in form.consent_note.text() and "Email: no on" in form.consent_note.text()
    assert form.changes() == {}
    form.email_ok.setChecked(True)
    form.sms.setChecked(False)
    assert form.changes() == {"email_consent": True, "sms_consent": False}
    with pytest.raises(ValidationError) as e:  # email, with no address to send it to: said under the field
        ctx.services.clients.update(owner, p.id, p.version, form.changes())
    assert set(e.value.errors) == {"email"}
    form.email.setText("meimei@example.com")
    p2 = ctx.services.clients.update(owner, p.id, p.version, form.changes())
    form.load(p2)
    assert form.email_ok.isChecked() and not form.sms.isChecked()
    assert "Email: yes on" in form.consent_note.text()
