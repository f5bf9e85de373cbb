"""Changes are announced by the data layer after commit, and reach the screens on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app.container import Services
from desk_app.db.engine import Change
from desk_app.db.models import Client
from tests.integration import visit_helpers as h
from ui.context import UiContext


def test_a_commit_on_a_worker_thread_is_announced_on_the_gui_thread(
    qtbot: QtBot, ctx: UiContext, services: Services
) -> None:
    seen: list[tuple[str, int, bool]] = []
    gui = QApplication.instance()
    assert gui is not None

    def on_change(kind: str, ident: int) -> None:
        seen.append((kind, ident, QThread.currentThread() is gui.thread()))

    ctx.signals.data_changed.connect(on_change)
    made: list[int] = []
    worker = threading.Thread(target=lambda: made.append(h.add_client(services.db, "王小明")))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: ("client", made[0], True) in seen)
    assert all(on_gui for *_, on_gui in seen)


def test_nothing_is_announced_for_a_unit_of_work_that_did_not_commit(services: Services) -> None:
    heard: list[frozenset[Change]] = []

    def listen(changes: frozenset[Change]) -> None:
        heard.append(changes)

    services.db.changes.subscribe(listen)
    with services.db.uow() as uow:
        uow.session.add(Client(client_number="C999999", name="Draft", phone="", phone_digits="", search_text="Draft"))
        uow.flush()  # written, then rolled back on exit
    assert heard == []
    cid = h.add_client(services.db, "李娜")
    assert heard == [frozenset({("client", cid)})]


def test_a_commit_after_the_screens_went_away_is_not_an_error(
    ctx: UiContext, services: Services, caplog: object
) -> None:
    import logging

    import pytest
    import shiboken6

    assert isinstance(caplog, pytest.LogCaptureFixture)
    shiboken6.delete(ctx.signals)  # the window closed while a desk's write was still running
    with caplog.at_level(logging.INFO):
        h.add_client(services.db, "晚到")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
