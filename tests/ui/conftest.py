"""UI test helpers: a UiContext on a real migrated database, tasks run inline."""

from __future__ import annotations

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
