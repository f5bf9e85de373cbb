"""pytest-qt: Settings tabs: a service with a bad price is refused with a message, then saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from desk_app.domain.permissions import Actor, Role
from desk_app.settings import S
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.settings.editor import ItemEditor
from ui.settings.screen import SettingsScreen
from ui.settings.shop import RulesPanel, ShopDetailsPanel
from ui.settings.staff import StaffPanel

pytestmark = pytest.mark.qt_log_ignore("parseHexColor: Unknown color name '#2F6FDE_dark'")


def _line(editor: ItemEditor, key: str) -> QLineEdit:
    w = editor.form.widgets[key]
    assert isinstance(w, QLineEdit)
    return w


def test_add_service_bad_price_then_fixed(qtbot: QtBot, ctx: UiContext) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    editor = screen.tab("services")
    assert isinstance(editor, ItemEditor)
    before = len(ctx.services.catalog.services(include_inactive=True))
    assert editor.table.rowCount() == before
    editor.new_button.click()
    qtbot.keyClicks(_line(editor, "name_en"), "Fringe trim")
    qtbot.keyClicks(_line(editor, "price_minor"), "12,5x")
    _line(editor, "duration_min").setText("15")
    editor.save_button.click()
    assert "not an amount" in editor.form.errors["price_minor"].text()
    assert not editor.form.errors["price_minor"].isHidden()
    assert len(ctx.services.catalog.services(include_inactive=True)) == before
    _line(editor, "price_minor").setText("38.50")
    editor.save_button.click()
    assert editor.form.errors["price_minor"].isHidden()
    assert editor.status.text() == "Saved."
    added = [s for s in ctx.services.catalog.services_menu() if s.name_en == "Fringe trim"]
    assert len(added) == 1 and added[0].price == Decimal("38.50") and added[0].duration_min == 15
    assert editor.table.rowCount() == before + 1
    # editing the selected row changes the price, audited by the service
    _line(editor, "price_minor").setText("40")
    editor.save()
    assert [s.price for s in ctx.services.catalog.services_menu() if s.id == added[0].id] == [
        Decimal("40.00")
    ]


def test_every_tab_opens(qtbot: QtBot, ctx: UiContext) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    for key in (
        "shop",
        "services",
        "categories",
        "products",
        "packages",
        "staff",
        "resources",
        "questions",
        "rules",
        "backups",
        "import",
        "audit",
    ):
        w = screen.tab(key)
        assert w is not None
        if isinstance(w, QLabel):  # a tab from a module not installed yet
            assert key in ("backups", "import", "audit")
    questions = screen.tab("questions")
    editor = questions.editor  # type: ignore[attr-defined]
    assert editor.table.rowCount() == len(ctx.services.catalog.questions("hair", include_inactive=True))


def test_shop_details_and_rules_show_field_messages(qtbot: QtBot, ctx: UiContext) -> None:
    shop = ShopDetailsPanel(ctx)
    qtbot.addWidget(shop)
    name = shop.form.widgets["name"]
    assert isinstance(name, QLineEdit)
    name.setText("")
    shop.save()
    assert "receipts" in shop.form.errors["name"].text() and not shop.saving()
    name.setText("Lotus Spa Jing'an")
    shop.save()
    assert shop.error.isHidden() and shop.status.text().startswith("Saved.")
    assert ctx.shop.name == "Lotus Spa Jing'an"
    rules = RulesPanel(ctx)
    qtbot.addWidget(rules)
    greet = rules.inputs["standards.greet_seconds"]
    greet.setText("soon")
    rules.inputs["standards.service_start_minutes"].setText("20")
    rules.save()
    assert "1 values need a correction" in rules.status.text()
    assert rules.errors["standards.greet_seconds"].text() == "✕ Enter a whole number of at least 1."
    assert ctx.services.settings.get(S.STANDARDS_SERVICE_START_MINUTES) == 20  # the good value was kept
    greet.setText("45")
    rules.save()
    assert rules.status.text() == "Saved (1 changed)."
    assert ctx.services.settings.get(S.STANDARDS_GREET_SECONDS) == 45


def test_staff_new_member_with_hours_and_pin(qtbot: QtBot, ctx: UiContext) -> None:
    panel = StaffPanel(ctx)
    qtbot.addWidget(panel)
    ed = panel.editor
    ed.new_button.click()
    _line(ed, "name").setText("Leo")
    ed.save()
    assert "PIN" in ed.form.errors["pin"].text()
    _line(ed, "pin").setText("5678")
    on, start, end, b1, b2 = panel.hours.rows["sun"]
    on.setChecked(False)
    ed.save()
    assert ed.status.text() == "Saved."
    leo = [s for s in ctx.services.auth.list_staff() if s.name == "Leo"][0]
    assert (
        leo.role == "stylist"
        and leo.working_hours["sun"] == []
        and leo.working_hours["mon"] == [["10:00", "21:00"]]
    )
    assert ctx.services.auth.sign_in(leo.id, "5678").role == Role.STYLIST


def test_settings_refused_for_a_stylist(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    v = ctx.services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    stylist = Actor(staff_id=v.id, name="Leo", role=Role.STYLIST, branch_id=owner.branch_id)
    sctx = UiContext(services=ctx.services, runner=TaskRunner(synchronous=True), shop=ctx.shop, actor=stylist)
    screen = SettingsScreen(sctx)
    qtbot.addWidget(screen)
    assert screen.tabs.isHidden() and not screen.denied.isHidden()


def test_a_time_zone_not_in_the_list_is_kept(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    ctx.services.shop_details.save_details(
        owner, {"name": "Lotus", "timezone": "Europe/Berlin", "region": "DE"}
    )
    shop = ShopDetailsPanel(ctx)
    qtbot.addWidget(shop)
    assert shop.form.values()["timezone"] == "Europe/Berlin"
    shop.save()
    assert shop.error.isHidden()
    assert ctx.services.shop_details.details().timezone == "Europe/Berlin"
