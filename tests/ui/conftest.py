"""UI test helpers: a UiContext on a real migrated database, tasks run inline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desk_app.container import Services
from desk_app.domain.permissions import Actor
from ui.context import UiContext
from ui.runner import TaskRunner


@pytest.fixture
def ctx(qtbot: object, services: Services, owner: Actor) -> UiContext:
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app)
    return UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)


# A modal box or dialog nobody answers would wait forever in a test (its exec() runs Qt's own event
# loop, which pytest-timeout's alarm cannot break into): after this long the watchdog reads what it
# says, closes it and fails the test with those words. Tests that answer their dialogs do so at once.
MODAL_PATIENCE_S = 20.0


@pytest.fixture(autouse=True)
def modal_watchdog(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """What the watchdog closed (a test that means to leave a box unanswered empties it)."""
    closed: list[str] = []
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield closed
        return
    request.getfixturevalue("qapp")
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    seen: dict[int, float] = {}

    def look() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            seen.clear()
            return
        first = seen.setdefault(id(box), time.monotonic())
        if time.monotonic() - first < MODAL_PATIENCE_S:
            return
        words = [type(box).__name__, box.windowTitle()]
        if isinstance(box, QMessageBox):
            words += [box.text(), box.informativeText()]
        closed.append(" | ".join(w for w in words if w))
        seen.pop(id(box), None)
        if isinstance(box, QDialog):
            box.reject()
        else:
            box.close()

    timer = QTimer()
    timer.setInterval(1000)
    timer.timeout.connect(look)
    timer.start()
    yield closed
    timer.stop()
    # work a test left running on the shared pool finishes now, not inside the next test
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)
    if closed:
        pytest.fail(f"a modal window waited for an answer and was closed by the watchdog: {closed}")
