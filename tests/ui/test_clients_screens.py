"""pytest-qt: the clients list and the client profile (banner, field errors, concurrent edit)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app.domain.permissions import Actor
from ui.clients.profile import ClientProfileScreen
from ui.clients.screen import ClientsScreen
from ui.context import UiContext

pytestmark = pytest.mark.qt_log_ignore("parseHexColor: Unknown color name '#2F6FDE_dark'")


def _nav(ctx: UiContext) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    ctx.navigate = lambda name, **kw: calls.append((name, kw))
    return calls


def test_clients_screen_empty_then_search_and_open(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    calls = _nav(ctx)
    screen = ClientsScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.stack.currentWidget() is screen.empty
    cid = ctx.services.clients.create(owner, {"name": "张三", "phone": "13812345678"}).id
    ctx.changed("client", cid)
    screen.refresh()
    assert screen.stack.currentWidget() is screen.list_card
    qtbot.keyClicks(screen.search.edit, "zhangsan")
    qtbot.keyClick(screen.search.edit, Qt.Key.Key_Return)
    assert calls == [("client", {"client_id": cid})]


def test_profile_shows_allergy_banner_history_and_field_errors(
    qtbot: QtBot, ctx: UiContext, owner: Actor
) -> None:
    calls = _nav(ctx)
    cid = ctx.services.clients.create(
        owner,
        {"name": "李梅", "phone": "13911112222", "allergies": "PPD hair dye", "preferences": ["likes quiet"]},
    ).id
    screen = ClientProfileScreen(ctx)
    qtbot.addWidget(screen)
    screen.open(client_id=cid)
    assert not screen.banner.isHidden() and "PPD hair dye" in screen.banner.label.text()
    assert screen.form.prefs.items() == ["likes quiet"]
    assert "C000001" in screen.header.subtitle.text()
    assert "Standard" in screen.summary.values["value"].text()  # no spend, no visit yet
    # privacy, marketing, texts and email: each asked at registration (issue 19 added the last two)
    assert screen.history.consents.rowCount() == 4
    shown = {screen.history.consents.item(r, 1).text() for r in range(4)}
    assert shown == {"Privacy", "Marketing", "Text messages", "Email"}
    screen.form.email.setText("not-an-email")
    screen.form.birthday.setText("2090-01-01")
    screen.form.edited.emit()
    assert screen.save_button.isEnabled()
    screen.save()
    assert "e-mail" in screen.form.errors["email"].text()
    assert "future" in screen.form.errors["birthday"].text()
    screen.form.email.setText("li@example.com")
    screen.form.birthday.setText("1990-05-31")
    screen.save()
    assert screen.status.text() == "Saved."
    p = ctx.services.clients.get(owner, cid)
    assert p.email == "li@example.com" and str(p.birthday) == "1990-05-31"
    screen.book_button.click()
    screen.visit_button.click()
    assert calls == [("calendar", {"client_id": cid}), ("visit", {"client_id": cid})]


def test_second_desk_save_is_refused_and_latest_values_shown(
    qtbot: QtBot, ctx: UiContext, owner: Actor
) -> None:
    cid = ctx.services.clients.create(owner, {"name": "王芳", "phone": "13733334444"}).id
    desk_a = ClientProfileScreen(ctx)
    desk_b = ClientProfileScreen(ctx)
    qtbot.addWidget(desk_a)
    qtbot.addWidget(desk_b)
    desk_a.open(client_id=cid)
    desk_b.open(client_id=cid)
    desk_a.form.notes.setPlainText("prefers mornings")
    desk_a.save()
    assert desk_a.status.text() == "Saved."
    desk_b.form.notes.setPlainText("likes tea")
    desk_b.save()
    assert not desk_b.conflict.isHidden()
    text = desk_b.conflict_text.text()
    assert "Someone else changed" in text and "likes tea" in text and "prefers mornings" in text
    assert desk_b.form.notes.toPlainText() == "prefers mornings"  # the latest values are on screen
    assert ctx.services.clients.get(owner, cid).notes == "prefers mornings"
    desk_b.form.notes.setPlainText("prefers mornings; likes tea")
    desk_b.save()
    assert ctx.services.clients.get(owner, cid).notes == "prefers mornings; likes tea"


def test_owner_exports_and_erases(
    qtbot: QtBot, ctx: UiContext, owner: Actor, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = ctx.services.clients.create(owner, {"name": "赵敏", "phone": "13755556666"}).id
    screen = ClientProfileScreen(ctx)
    qtbot.addWidget(screen)
    screen.open(client_id=cid)
    assert not screen.export_button.isHidden() and not screen.erase_button.isHidden()
    told: list[str] = []
    monkeypatch.setattr("ui.clients.profile.show_info", lambda _parent, text, *a, **k: told.append(text))
    screen.export_to(tmp_path / "export")
    paths = sorted((tmp_path / "export").iterdir())
    assert [p.suffix for p in paths] == [".json", ".pdf"]
    assert len(told) == 1 and all(str(p) in told[0] for p in paths)
    assert screen.export_button.isEnabled()
    screen.erase("the client asked")
    assert screen.profile is not None and screen.profile.erased
    assert screen.erase_button.isHidden()
    # the owner is told what was done, here and in the backups
    assert len(told) == 2 and "is erased" in told[1] and "audit entries redacted" in told[1]
    assert "Backups: erased inside 0; 0 did not hold the client." in told[1]


def test_stylist_sees_a_read_only_profile_with_masked_phone(
    qtbot: QtBot, ctx: UiContext, owner: Actor
) -> None:
    from desk_app.domain.permissions import Role
    from ui.runner import TaskRunner

    cid = ctx.services.clients.create(owner, {"name": "孙丽", "phone": "13766667777", "allergies": "nuts"}).id
    v = ctx.services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    leo = Actor(staff_id=v.id, name="Leo", role=Role.STYLIST, branch_id=owner.branch_id)
    sctx = UiContext(services=ctx.services, runner=TaskRunner(synchronous=True), shop=ctx.shop, actor=leo)
    screen = ClientProfileScreen(sctx)
    qtbot.addWidget(screen)
    screen.open(client_id=cid)
    assert not screen.banner.isHidden()
    assert not screen.form.isEnabled() and screen.save_button.isHidden()
    assert screen.export_button.isHidden() and screen.erase_button.isHidden()
    assert screen.form.phone.text() == "137****7777"
    assert not screen.visit_button.isHidden()  # stylists run visits


def test_profile_reads_the_stylists_with_the_first_client_and_keeps_the_favourite(
    qtbot: QtBot, ctx: UiContext, owner: Actor
) -> None:
    leo = ctx.services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    cid = ctx.services.clients.create(
        owner, {"name": "周洁", "phone": "13788889999", "favourite_staff_id": leo.id}
    ).id
    screen = ClientProfileScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.form.fav.count() == 1  # built empty: the stylists come with the first profile
    screen.open(client_id=cid)
    assert screen.form.fav.currentData() == leo.id and screen.form.fav.currentText() == "Leo"
    assert screen.form.changes() == {}  # the favourite is not lost on the next save
    screen.form.notes.setPlainText("likes tea")
    screen.save()
    assert ctx.services.clients.get(owner, cid).favourite_staff_id == leo.id
