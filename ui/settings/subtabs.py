"""Parts of Settings under tabs, each built when first shown; leaving a part with unsaved edits asks
first (ui/shared/unsaved.py). Settings' own row of tabs is one; a tab that holds related parts under
tabs of its own (Services: the services and their categories) is another, so the top row keeps every
tab in view at 1366 px."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from desk_app.i18n import _
from ui.context import UiContext
from ui.shared.unsaved import HoldsUnsaved, may_leave

log = logging.getLogger(__name__)

Part = tuple[str, str, Callable[[UiContext], QWidget]]  # key, title, builder


class SubTabs(QWidget):
    def __init__(
        self, ctx: UiContext, parts: list[Part], *, name: str = "subTabs", top_margin: int = 8,
        may_build: Callable[[], bool] = lambda: True,
    ) -> None:
        """``may_build``: whether parts may be built now (Settings: only for someone allowed)."""
        super().__init__()
        self.ctx = ctx
        self._parts = parts
        self._may_build = may_build
        self._built: dict[str, QWidget] = {}
        self._holders: dict[str, QVBoxLayout] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName(name)
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        for key, title, _build in parts:
            holder = QWidget()
            hl = QVBoxLayout(holder)
            hl.setContentsMargins(0, top_margin, 0, 0)
            self._holders[key] = hl
            self.tabs.addTab(holder, title)
        lay.addWidget(self.tabs, 1)
        self._index = 0
        self.tabs.currentChanged.connect(self._changed)
        self.ensure_current()

    def ensure_current(self) -> None:
        """Build the part on show, if it is not yet."""
        self._ensure(self._index)

    def keys(self) -> list[str]:
        return [k for k, _t, _b in self._parts]

    def _ensure(self, index: int) -> None:
        key, _title, build = self._parts[index]
        if key in self._built or not self._may_build():
            return
        try:
            widget = build(self.ctx)
        except Exception as exc:  # one broken part must not take Settings down
            log.exception("settings part %s failed", key, exc_info=exc)
            widget = QLabel(_("This part of Settings could not be opened. Details are in the log."))
            widget.setObjectName("muted")
        self._built[key] = widget
        self._holders[key].addWidget(widget, 1)

    def _current(self) -> QWidget | None:
        return self._built.get(self._parts[self._index][0])

    def _changed(self, index: int) -> None:
        old = self._current()
        if index != self._index and isinstance(old, HoldsUnsaved) and old.unsaved_changes():
            self._show(self._index)  # the part being edited stays on show while the person answers
            if not may_leave(old, self):
                return
            self._show(index)
        self._index = index
        self._ensure(index)

    def _show(self, index: int) -> None:
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(index)
        self.tabs.blockSignals(False)

    def current_key(self) -> str:
        return self._parts[self._index][0]

    def part(self, key: str) -> QWidget:
        """Show a part by key and return its content (the one on show when its edits were kept)."""
        self.tabs.setCurrentIndex(self.keys().index(key))
        self.ensure_current()
        return self._built[self.current_key()]

    def unsaved_changes(self) -> str | None:
        part = self._current()
        return part.unsaved_changes() if isinstance(part, HoldsUnsaved) else None

    def discard_changes(self) -> None:
        discard = getattr(self._current(), "discard_changes", None)
        if callable(discard):
            discard()
