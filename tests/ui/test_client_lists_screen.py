"""Clients › Lists (ui/clients/lists.py): a filter gives the count and the rows, a list is saved and
recalled, the CSV is written, a message is sent to the list after a confirmation; a stylist sees the
list but not the owner's buttons. The reads go through the runner (synchronous in tests)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.container import Services
from desk_app.db.models import OutboxMessage
from desk_app.domain.client_filter import ClientFilter
from desk_app.domain.permissions import Actor
from tests.integration.messages_helpers import email_set_up
from tests.integration.test_aftercare_data import add_staff
from tests.integration.test_client_lists import Shop
from ui.clients import lists as lists_mod
from ui.clients.lists import ClientListsPanel
from ui.clients.screen import ClientsScreen
from ui.context import UiContext


def _open_lists(qtbot: QtBot, ctx: UiContext) -> tuple[ClientsScreen, ClientListsPanel]:
    screen = ClientsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1100, 680)
    screen.show()
    screen.show_view("lists")
    panel = screen.lists
    assert panel is not None and screen.stack.currentWidget() is panel
    qtbot.waitUntil(lambda: not panel.loading(), timeout=5000)
    return screen, panel


def _names(panel: ClientListsPanel) -> set[str]:
    return {r.name for r in panel.rows}


def _settle(qtbot: QtBot, panel: ClientListsPanel) -> None:
    qtbot.waitUntil(lambda: not panel.loading(), timeout=5000)


def test_a_filter_gives_the_count_and_the_rows(qtbot: QtBot, ctx: UiContext, services: Services,
                                               owner: Actor) -> None:
    shop = Shop(services, owner)
    screen, panel = _open_lists(qtbot, ctx)
    assert panel.count_label.text() == "4 clients" and len(panel.rows) == 4  # the erased one never
    assert screen.search_button.isChecked() is False and screen.lists_button.isChecked()
    panel.vip.setCurrentIndex(panel.vip.findData(True))
    _settle(qtbot, panel)
    assert panel.count_label.text() == "1 client" and _names(panel) == {"Recent VIP"}
    assert panel.table.model_.rows[0][1] == "Recent VIP" and "VIP" in str(panel.table.model_.rows[0][6])
    panel.vip.setCurrentIndex(0)
    panel.last_mode.setCurrentIndex(panel.last_mode.findData(lists_mod.LAST_NOT_SEEN))
    panel.last_days.setValue(180)
    _settle(qtbot, panel)
    assert _names(panel) == {"Lapsed Lucy", "Old Olga"}
    served = panel.served.findData(shop.leo)
    assert served > 0  # the stylists were read into the box
    panel.served.setCurrentIndex(served)
    _settle(qtbot, panel)
    assert _names(panel) == {"Old Olga"} and panel.served_days.isEnabled()
    panel.spend_min.setText("lots")  # not an amount: said, nothing read, no figures of another filter left
    qtbot.wait(300)
    assert panel.spend_error.isVisible() and _names(panel) == set()
    assert panel.count_label.text() == "Put the filter right to count" and not panel.save_btn.isEnabled()
    panel.spend_min.setText("1000")
    _settle(qtbot, panel)
    assert panel.count_label.text() == "0 clients" and panel.table.showing_empty().startswith("No client matches")
    assert not panel.export_btn.isEnabled() and not panel.send_btn.isEnabled()
    panel.clear_filters()
    _settle(qtbot, panel)
    assert panel.count_label.text() == "4 clients" and panel.filter == ClientFilter()
    # Enter on a row opens the client's profile
    opened: list[int] = []
    screen.open_client = opened.append  # type: ignore[method-assign]
    panel.client_chosen.disconnect()
    panel.client_chosen.connect(screen.open_client)
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, lists_mod.Qt.Key.Key_Return)
    assert opened == [panel.rows[0].id]
    screen.show_view("search")
    assert screen.stack.currentWidget() is screen.list_card


def test_save_recall_and_delete_a_list(qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    Shop(services, owner)
    _screen, panel = _open_lists(qtbot, ctx)
    panel.birthday.setCurrentIndex(panel.birthday.findData(3))
    panel.marketing.setCurrentIndex(panel.marketing.findData(True))
    _settle(qtbot, panel)
    assert _names(panel) == {"Recent VIP", "Lapsed Lucy"}
    monkeypatch.setattr(lists_mod, "ask_name", lambda *_a: "March birthdays")
    panel.save_segment()
    assert [s.name for s in services.client_lists.segments(owner)] == ["March birthdays"]
    assert panel.segment_box.currentText() == "March birthdays" and panel.delete_btn.isVisible()
    panel.clear_filters()
    _settle(qtbot, panel)
    assert len(panel.rows) == 4 and panel.segment_box.currentIndex() == 0
    panel.segment_box.setCurrentIndex(panel.segment_box.findData("March birthdays"))
    panel._segment_chosen()
    _settle(qtbot, panel)
    assert _names(panel) == {"Recent VIP", "Lapsed Lucy"}
    assert panel.filter == ClientFilter(birthday_month=3, marketing=True)
    asked: list[str] = []
    monkeypatch.setattr(lists_mod, "confirm", lambda _p, title, *_a, **_k: asked.append(title) or True)
    panel.delete_segment()
    assert asked == ["Delete the list March birthdays?"]
    assert services.client_lists.segments(owner) == [] and panel.segment_box.count() == 1


def test_export_writes_the_shown_list(qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor,
                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    Shop(services, owner)
    _screen, panel = _open_lists(qtbot, ctx)
    panel.no_shows.setValue(2)
    _settle(qtbot, panel)
    out = tmp_path / "no-shows.csv"
    monkeypatch.setattr(lists_mod.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), ""))
    said: list[str] = []
    monkeypatch.setattr(lists_mod, "show_info", lambda _p, text, *_a: said.append(text))
    panel.export_csv()
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["name"] for r in rows) == ["Lapsed Lucy", "Old Olga"]
    assert said == [f"2 clients saved to {out}."]


def test_send_a_message_to_the_list(qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    Shop(services, owner)
    email_set_up(services.settings, 2525)
    _screen, panel = _open_lists(qtbot, ctx)
    panel.birthday.setCurrentIndex(panel.birthday.findData(3))
    _settle(qtbot, panel)
    asked: list[tuple[str, str]] = []
    said: list[str] = []
    monkeypatch.setattr(lists_mod, "confirm", lambda _p, title, text, **_k: asked.append((title, text)) or True)
    monkeypatch.setattr(lists_mod, "show_info", lambda _p, text, *_a: said.append(text))
    panel.send_message()
    # two in the list: Lucy agreed to texts only, and texts are not set up here
    assert asked and asked[0][0] == "Send a message to 1 client?"
    assert asked[0][1].startswith("2 clients in the list; 1 will get it; "
                                  "1 agreed only to a way of sending that is not set up (Messages › Channels).")
    with services.db.uow(write=False) as uow:
        rows = list(uow.session.execute(select(OutboxMessage.kind, OutboxMessage.channel)))
    assert [tuple(r) for r in rows] == [("campaign", "email")]
    assert said and said[0].startswith("1 messages queued")
    panel.send_message()  # again: nothing more, and said so
    assert "had this message already" in said[-1]
    with services.db.uow(write=False) as uow:
        assert len(list(uow.session.execute(select(OutboxMessage.id)))) == 1


def test_a_stylist_sees_lists_but_not_the_owners_buttons(qtbot: QtBot, ctx: UiContext, services: Services,
                                                         owner: Actor) -> None:
    Shop(services, owner)
    services.client_lists.save_segment(owner, "VIPs", ClientFilter(vip=True))
    ctx.actor = add_staff(services.db, owner.branch_id, "Kai")
    _screen, panel = _open_lists(qtbot, ctx)
    assert len(panel.rows) == 4 and all("*" in r.phone for r in panel.rows if r.phone)
    assert not panel.save_btn.isVisible() and not panel.send_btn.isVisible() and not panel.export_btn.isVisible()
    assert [panel.segment_box.itemText(i) for i in range(panel.segment_box.count())][1:] == ["VIPs"]
    panel.segment_box.setCurrentIndex(1)
    panel._segment_chosen()
    _settle(qtbot, panel)
    assert _names(panel) == {"Recent VIP"} and not panel.delete_btn.isVisible()
    panel.save_segment()  # the shortcut does nothing for them
    assert [s.name for s in services.client_lists.segments(owner)] == ["VIPs"]
    # the owner signs in at this desk: they start from every client, not from Kai's list
    ctx.actor = owner
    panel.apply_rights()
    _settle(qtbot, panel)
    assert len(panel.rows) == 4 and panel.segment_box.currentIndex() == 0

