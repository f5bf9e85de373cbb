"""pytest-qt: Settings tabs: a service with a bad price is refused with a message, then saved."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from desk_app.domain.permissions import Actor, Role
from desk_app.settings import S
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.settings.editor import ItemEditor
from ui.settings.screen import SettingsScreen
from ui.settings.shop import CategoryRates, RulesPanel, ShopDetailsPanel
from ui.settings.staff import StaffPanel
from ui.shared.unit_edit import MoneyEdit, PercentEdit

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
    # a new service's category is chosen, never the first one by default
    assert "Choose a category." in editor.form.errors["category_id"].text()
    combo = editor.form.widgets["category_id"]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(0)
    editor.save_button.click()
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
        "rewards",
        "staff",
        "branches",
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
    assert "1 value needs a correction" in rules.status.text()
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
    _line(ed, "base_pay").setText("6000")
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
    assert ctx.services.auth.base_pays(ctx.require_actor())[leo.id] == 6000  # for the appraisal


def test_settings_refused_for_a_stylist(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    v = ctx.services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    stylist = Actor(staff_id=v.id, name="Leo", role=Role.STYLIST, branch_id=owner.branch_id)
    sctx = UiContext(services=ctx.services, runner=TaskRunner(synchronous=True), shop=ctx.shop, actor=stylist)
    screen = SettingsScreen(sctx)
    qtbot.addWidget(screen)
    assert screen.parts.isHidden() and not screen.denied.isHidden()
    assert not screen.parts._built  # nothing of the shop's setup is built (read) for someone refused


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


# ------------------------------------------------------------------ #13 item 13: money and percent
def _rules(qtbot: QtBot, ctx: UiContext) -> RulesPanel:
    rules = RulesPanel(ctx)
    qtbot.addWidget(rules)
    return rules


def test_amounts_are_typed_in_yuan_and_stored_in_minor_units(qtbot: QtBot, ctx: UiContext) -> None:
    """The deposit and the low-balance line used to ask for cents ("10000"). Now "100.50" is typed
    beside the shop's currency sign, 10050 is stored, and "100.50" is what the next panel shows."""
    rules = _rules(qtbot, ctx)
    deposit = rules.inputs[S.CALENDAR_NO_SHOW_DEPOSIT_MINOR.key]
    low = rules.inputs[S.OUTREACH_LOW_BALANCE_MINOR.key]
    assert isinstance(deposit, MoneyEdit) and deposit.prefix_label.text() == "CN¥"
    assert low.text() == "100.00"  # the stored 10000 minor units, shown as yuan
    deposit.clear()
    qtbot.keyClicks(deposit, "100.50")
    low.setText("1,250")
    rules.save()
    assert rules.status.text() == "Saved (2 changed)."
    assert ctx.services.settings.get(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR) == 10050
    assert ctx.services.settings.get(S.OUTREACH_LOW_BALANCE_MINOR) == 125000
    assert deposit.text() == "100.50" and low.text() == "1250.00"
    again = _rules(qtbot, ctx)
    assert again.inputs[S.CALENDAR_NO_SHOW_DEPOSIT_MINOR.key].text() == "100.50"


@pytest.mark.parametrize(("typed", "stored", "shown"), [("6.5", 650, "6.5"), ("6.5 %", 650, "6.5"), ("13", 1300, "13")])
def test_tax_rates_are_typed_in_percent_and_stored_in_basis_points(
    qtbot: QtBot, ctx: UiContext, typed: str, stored: int, shown: str
) -> None:
    rules = _rules(qtbot, ctx)
    tax = rules.inputs[S.MONEY_TAX_RATE_SERVICE_BP.key]
    assert isinstance(tax, PercentEdit) and tax.suffix_label.text() == "%" and tax.text() == "0"
    tax.setText(typed)
    rules.save()
    assert ctx.services.settings.get(S.MONEY_TAX_RATE_SERVICE_BP) == stored
    assert tax.text() == shown and rules.errors[S.MONEY_TAX_RATE_SERVICE_BP.key].isHidden()
    again = _rules(qtbot, ctx)
    assert again.inputs[S.MONEY_TAX_RATE_SERVICE_BP.key].text() == shown


@pytest.mark.parametrize(
    ("setting", "typed", "message"),
    [
        (S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, "-5", "The amount cannot be negative."),
        (S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, "100.505", "Use at most 2 decimal places, for example 100.50."),
        (S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, "ten", "This is not an amount. Type digits, for example 100 or 100.50."),
        (S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, "1e3", "This is not an amount. Type digits, for example 100 or 100.50."),
        (S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, "", "Enter an amount, for example 100 or 100.50."),
        (S.MONEY_TAX_RATE_PRODUCT_BP, "101", "The percentage cannot be above 100 %."),
        (S.MONEY_TAX_RATE_PRODUCT_BP, "-1", "A percentage cannot be negative."),
        (S.MONEY_TAX_RATE_PRODUCT_BP, "6.125", "Use at most two decimal places, for example 6.25."),
        (S.MONEY_TAX_RATE_PRODUCT_BP, "six", "This is not a percentage. Type digits, for example 6 or 6.5."),
        (S.VIP_DISCOUNT_PERCENT, "120", "The percentage cannot be above 100 %."),
    ],
)
def test_a_wrong_amount_or_rate_is_explained_and_not_stored(
    qtbot: QtBot, ctx: UiContext, setting: Any, typed: str, message: str
) -> None:
    before = ctx.services.settings.get(setting)
    rules = _rules(qtbot, ctx)
    rules.inputs[setting.key].setText(typed)
    rules.inputs[S.STANDARDS_GREET_SECONDS.key].setText("40")  # a good value beside it is still saved
    rules.save()
    assert rules.errors[setting.key].text() == "✕ " + message and not rules.errors[setting.key].isHidden()
    assert rules.inputs[setting.key].property("invalid") is True
    assert "1 value needs a correction" in rules.status.text()
    assert ctx.services.settings.get(setting) == before
    assert ctx.services.settings.get(S.STANDARDS_GREET_SECONDS) == 40


def test_amount_messages_read_naturally_in_chinese(qtbot: QtBot, ctx: UiContext) -> None:
    from desk_app import i18n

    i18n.set_language("zh_CN")
    try:
        rules = _rules(qtbot, ctx)
        tax = rules.inputs[S.MONEY_TAX_RATE_SERVICE_BP.key]
        tax.setText("101")
        deposit = rules.inputs[S.CALENDAR_NO_SHOW_DEPOSIT_MINOR.key]
        deposit.setText("-3")
        rules.save()
        assert rules.errors[S.MONEY_TAX_RATE_SERVICE_BP.key].text() == "✕ 百分比不能超过 100%。"
        assert rules.errors[S.CALENDAR_NO_SHOW_DEPOSIT_MINOR.key].text() == "✕ 金额不能为负数。"
        assert deposit.prefix_label.text() == "¥"
    finally:
        i18n.set_language("en")
    assert ctx.services.settings.get(S.MONEY_TAX_RATE_SERVICE_BP) == 0


def test_catalog_prices_show_the_currency_sign(qtbot: QtBot, ctx: UiContext) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    editor = screen.tab("services")
    assert isinstance(editor, ItemEditor)
    price = editor.form.widgets["price_minor"]
    assert isinstance(price, MoneyEdit) and price.prefix_label.text() == "CN¥"
    item = editor.items[0]
    assert price.text() == str(item.price) and "." in price.text()  # yuan, not cents


# ------------------------------------------------------------------ #13 item 3: unsaved settings
def _answer_next_box(button_text: str, seen: list[str]) -> None:
    """Click ``button_text`` on the next modal message box (opened with exec()), noting its text."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, answer)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_leaving_settings_with_an_unsaved_rule_asks_first(qtbot: QtBot, ctx: UiContext) -> None:
    """A rule typed and not saved was lost without a word when a side-bar item was clicked."""
    from ui.main_window import MainArea

    main = MainArea(ctx)
    qtbot.addWidget(main)
    main.navigate("settings", tab="rules")
    screen = main.current_screen()
    assert isinstance(screen, SettingsScreen)
    rules = screen.tab("rules")
    assert isinstance(rules, RulesPanel)
    deposit = rules.inputs[S.CALENDAR_NO_SHOW_DEPOSIT_MINOR.key]
    deposit.setText("80")
    seen: list[str] = []
    _answer_next_box("Keep editing", seen)
    main.nav_buttons["today"].click()
    assert seen == ["Your changes to the time standards and rules are not saved."]
    assert main.current == "settings" and deposit.text() == "80"
    assert not main.nav_buttons["today"].isChecked()

    _answer_next_box("Leave without saving", seen)
    main.nav_buttons["today"].click()
    assert main.current == "today" and len(seen) == 2
    assert ctx.services.settings.get(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR) == 0  # nothing was stored
    main.navigate("settings")
    assert deposit.text() == "0.00"  # the discarded edit is gone, so leaving again asks nothing
    main.navigate("today")
    assert main.current == "today" and len(seen) == 2


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_switching_settings_tab_with_an_unsaved_price_asks_first(qtbot: QtBot, ctx: UiContext) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    editor = screen.tab("services")
    assert isinstance(editor, ItemEditor)
    item = editor.items[0]
    price = _line(editor, "price_minor")
    price.setText("999")
    seen: list[str] = []
    _answer_next_box("Keep editing", seen)
    screen.tabs.setCurrentIndex(0)  # the person clicks "Shop details"
    assert seen == [f"Your changes to “{item.name}” are not saved."]
    assert screen.tabs.currentIndex() == 1 and price.text() == "999"

    _answer_next_box("Leave without saving", seen)
    shop = screen.tab("shop")
    assert isinstance(shop, ShopDetailsPanel) and screen.tabs.currentIndex() == 0
    assert price.text() == str(item.price)  # shown as saved again
    assert [s.price for s in ctx.services.catalog.services(include_inactive=True) if s.id == item.id] == [item.price]

    # shop details take part too; nothing typed, nothing asked
    name = shop.form.widgets["name"]
    assert isinstance(name, QLineEdit)
    screen.tab("staff")
    assert len(seen) == 2
    screen.tab("shop")
    name.setText("Lotus Two")
    _answer_next_box("Keep editing", seen)
    screen.tab("rules")
    assert seen[-1] == "Your changes to the shop details are not saved."
    assert screen.tabs.currentIndex() == 0 and name.text() == "Lotus Two"


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_staff_hours_and_another_row_count_as_unsaved(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    ctx.services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    panel = StaffPanel(ctx)
    qtbot.addWidget(panel)
    ed = panel.editor
    assert panel.unsaved_changes() is None
    on = panel.hours.rows["mon"][0]
    on.setChecked(not on.isChecked())
    first = ed.form_title.text()
    assert panel.unsaved_changes() == f"“{first}”"
    seen: list[str] = []
    _answer_next_box("Keep editing", seen)
    ed.table.selectRow(1)  # another person in the list
    assert len(seen) == 1 and ed.form_title.text() == first
    assert ed.table.selectionModel().selectedRows()[0].row() == 0
    _answer_next_box("Leave without saving", seen)
    ed.new_button.click()
    assert len(seen) == 2 and ed.current_id is None and panel.unsaved_changes() is None


def test_balances_and_bookings_are_imported_from_the_settings(
    qtbot: QtBot, ctx: UiContext, owner: Actor, tmp_path: Path
) -> None:
    """Settings > Import > 2. Balances, packages and bookings: check first (nothing saved), then import; the rows not
    imported are listed with their reason."""
    from tests.integration.test_aftercare_data import add_client
    from ui.settings.opening_import import OpeningImportPanel

    cid = add_client(ctx.services.db, "Ann Lee", "+8613900000001")
    number = ctx.services.clients.get(owner, cid).client_number
    f = tmp_path / "balances.csv"
    f.write_text(f"Client number,Balance\n{number},250\nC999999,10\n", encoding="utf-8")
    panel = OpeningImportPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.import_button.isEnabled()  # no file yet
    panel.choose_file(f)
    panel.check_button.click()
    assert "nothing was saved: 1 rows can be imported" in panel.result_label.text()
    assert panel.rejected_model.rowCount() == 1
    assert ctx.services.clients.get(owner, cid).prepaid_balance == 0
    panel.import_button.click()
    assert panel.result_label.text().startswith("✓") and "C999999" in panel.rejected_model.rows[0].reason
    assert ctx.services.clients.get(owner, cid).prepaid_balance == 250
    panel.kind.setCurrentIndex(1)  # appointments: the last result no longer applies
    assert panel.result_card.isHidden()


@pytest.mark.parametrize(
    ("lang", "region", "currency", "zone"),
    [("en", "China (CN)", "Chinese Yuan (CNY)", "China (Shanghai) Time"), ("zh_CN", "中国 (CN)", "人民币 (CNY)", "中国（上海）时间")],
)
def test_the_shops_country_currency_and_time_zone_are_in_words(
    qtbot: QtBot, ctx: UiContext, lang: str, region: str, currency: str, zone: str
) -> None:
    """The second newcomer's walk: the shop's drop-downs listed codes ("CN", "CNY", "Asia/Shanghai"),
    in Chinese too. They say the country, the currency and the time zone in the screen's language
    (the code beside a country and a currency); the value saved is still the code."""
    from PySide6.QtWidgets import QComboBox

    from desk_app import i18n

    i18n.set_language(lang)
    try:
        shop = ShopDetailsPanel(ctx)
        qtbot.addWidget(shop)
        combos = {k: w for k, w in shop.form.widgets.items() if isinstance(w, QComboBox)}
        qtbot.waitUntil(lambda: combos["region"].count() > 1)
        for key, words, code in (("region", region, "CN"), ("currency", currency, "CNY"), ("timezone", zone, "Asia/Shanghai")):
            i = combos[key].findData(code)
            assert i >= 0 and combos[key].itemText(i) == words, (key, combos[key].itemText(i))
        assert shop.form.values()["currency"] == ctx.services.shop_details.details().currency
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("key", ["services", "staff", "safety"])
def test_an_editors_form_takes_its_panels_width(qtbot: QtBot, ctx: UiContext, key: str) -> None:
    """The second newcomer's walk: the side editors put long labels ("A patch test with no reaction
    allows it within (days)") beside their fields, squeezed them to "e allergy (PPD) /" and scrolled
    sideways. Each label now stands above its field and the form never scrolls sideways."""
    from PySide6.QtWidgets import QScrollArea

    from ui.settings.editor import ItemEditor

    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366 - 212, 768)
    screen.show()
    tab = screen.tab(key)
    screen.tabs.setCurrentWidget(tab)
    editors = [tab] if isinstance(tab, ItemEditor) else tab.findChildren(ItemEditor)
    assert editors
    ed = editors[0]
    qtbot.waitUntil(lambda: ed.table.rowCount() > 0)
    ed.table.selectRow(0)
    qtbot.wait(50)
    scroll = next(a for a in ed.findChildren(QScrollArea) if a.widget() is ed.form)
    assert not scroll.horizontalScrollBar().isVisible()
    for w in ed.form.widgets.values():
        if w.isVisible():
            assert w.width() >= scroll.viewport().width() - 30, (type(w).__name__, w.width())


def test_loyalty_points_rates_by_kind_and_by_service_category(qtbot: QtBot, ctx: UiContext) -> None:
    """Settings > Rules > Loyalty points: the rates, and a box a service category for its own rate
    (empty: as services); a wrong rate is said beside it and nothing of it is stored."""
    rules = _rules(qtbot, ctx)
    rates = rules.inputs[S.POINTS_CATEGORY_RATES.key]
    assert isinstance(rates, CategoryRates) and "colour" in rates.boxes  # the catalog's categories
    assert rates.boxes["colour"].text() == "" and rates.boxes["colour"].placeholderText() == "as services"
    rules.inputs[S.POINTS_RATE_PRODUCT.key].setText("0")
    rates.boxes["colour"].setText("3")
    rules.save()
    assert ctx.services.settings.get(S.POINTS_CATEGORY_RATES) == {"colour": "3"}
    assert ctx.services.settings.get(S.POINTS_RATE_PRODUCT) == 0
    assert not rules.unsaved_changes()
    rates.boxes["hair"].setText("lots")
    rates.boxes["nails"].setText("-5")
    rules.save()
    err = rules.errors[S.POINTS_CATEGORY_RATES.key]
    assert not err.isHidden() and "Hair, Nails" in err.text() and "0 to 100" in err.text()  # each wrong one named
    assert rates.boxes["hair"].property("invalid") is True and rates.boxes["nails"].property("invalid") is True
    assert rates.boxes["colour"].property("invalid") is not True
    labels = [rates.form.labelForField(b).text() for b in rates.boxes.values()]
    assert "Colour && perm" in labels  # shown as "Colour & perm" (a lone & would be a shortcut letter)
    assert ctx.services.settings.get(S.POINTS_CATEGORY_RATES) == {"colour": "3"}
    again = _rules(qtbot, ctx)
    assert again.inputs[S.POINTS_CATEGORY_RATES.key].boxes["colour"].text() == "3"


def test_categories_sit_inside_services_and_ask_before_unsaved_edits_are_left(
    qtbot: QtBot, ctx: UiContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seventeen tabs did not fit at 1366 px: the services' categories are a tab inside Services, and
    leaving one of its parts with typed changes asks first, as leaving a Settings tab does."""
    from PySide6.QtWidgets import QMessageBox

    from ui.settings.subtabs import SubTabs

    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    top = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert "Categories" not in top and "Rewards" in top
    cats = screen.tab("categories")
    assert isinstance(cats, ItemEditor) and cats.spec.title == "Service categories"
    holder = screen.tab("services")
    assert isinstance(holder, ItemEditor) and holder.spec.title == "Services"
    inner = screen.parts.part("services")
    assert isinstance(inner, SubTabs) and inner.current_key() == "services"
    holder.new_button.click()
    _line(holder, "name_en").setText("Typed, not saved")
    asked: list[str] = []

    def stay(box: QMessageBox) -> int:
        asked.append(box.text())
        return 0  # "Keep editing": nothing clicked that leaves

    monkeypatch.setattr(QMessageBox, "exec", stay)
    inner.tabs.setCurrentIndex(1)
    assert asked and inner.current_key() == "services" and inner.tabs.currentIndex() == 0
    assert screen.unsaved_changes()
