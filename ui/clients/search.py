"""The client search box used everywhere a client is picked (greeting, calendar, clients list).

Search as you type: one query per keystroke on this computer's shop (one ~200 ms
after the last keystroke in server mode, a round trip each), run off the GUI
thread; an answer older than the newest search is dropped. Down/Up to move,
Enter to choose (after the pending search has answered), Ctrl+N for a new
client with what was typed. Signals:
``client_chosen(int)`` and ``new_client_requested(str)``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from math import ceil
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QPainter, QShortcut, QStaticText, QTransform
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.views import ClientHit
from desk_app.i18n import _, format_date, format_money, language, local
from ui.context import UiContext
from ui.runner import SEARCH_DEBOUNCE_MS, Latest, debounce_timer
from ui.shared.widgets import Button, keep_room
from ui.theme import COLORS, TONE_BG, icon

ROW_HEIGHT = 56


HitRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class ClientHitModel(QAbstractListModel):
    """The result rows (30 at most), updated in place on each answer: the rows both lists have
    change their data, the rest are inserted or removed (no model reset, so the view keeps its
    layout and only repaints)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hits: list[ClientHit] = []

    def set_hits(self, hits: list[ClientHit]) -> None:
        old, new = len(self.hits), len(hits)
        if new < old:
            self.beginRemoveRows(QModelIndex(), new, old - 1)
            self.hits = self.hits[:new]
            self.endRemoveRows()
        elif new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
            self.hits = self.hits + hits[old:]
            self.endInsertRows()
        common = min(old, new)
        self.hits = list(hits)
        if common:
            self.dataChanged.emit(self.index(0, 0), self.index(common - 1, 0))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.hits):
            return None
        h = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{h.name}  {h.client_number}  {h.phone}"
        if role == HitRole:
            return h
        if role == Qt.ItemDataRole.ToolTipRole and h.has_allergy:
            return _("This client has allergies or contraindications: open the profile before any service.")
        return None


def badge_texts(h: ClientHit) -> list[tuple[str, str]]:
    """(text, tone) badges shown next to a client's name."""
    out: list[tuple[str, str]] = []
    if h.has_allergy:
        out.append(("⚠ " + _("allergy"), "bad"))
    if h.is_vip:
        out.append(("★ " + _("VIP"), "warn"))
    return out


@lru_cache(maxsize=4096)
def _day_text(day: date, language: str) -> str:
    """Dates repeat across clients: format each local day once (Babel costs ~0.4 ms a call)."""
    return format_date(day)


class ClientHitDelegate(QStyledItemDelegate):
    """Two lines per client: name and badges; number, phone, last visit, prepaid balance.

    Painted by hand with fonts and colours made once: a keystroke repaints about ten rows.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fonts: tuple[QFont, QFont] | None = None
        self._colors = {k: QColor(v) for k, v in COLORS.items()}
        self._tone_bg = {k: QColor(v) for k, v in TONE_BG.items()}
        self._selected = QColor("#DCE7FB")
        self._lines: dict[tuple[ClientHit, str], str] = {}
        self._texts: dict[tuple[int, str], QStaticText] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # noqa: N802
        return QSize(200, ROW_HEIGHT)

    def _static(self, text: str, font: QFont, which: int) -> QStaticText:
        """The text laid out once (QStaticText): shaping Chinese text is most of a row's paint, and
        typing repaints the same names again and again."""
        key = (which, text)
        st = self._texts.get(key)
        if st is None:
            if len(self._texts) > 4000:
                self._texts.clear()
            st = QStaticText(text)
            st.setTextFormat(Qt.TextFormat.PlainText)
            st.prepare(QTransform(), font)
            self._texts[key] = st
        return st

    def _font_pair(self, base: QFont) -> tuple[QFont, QFont]:
        if self._fonts is None:
            bold = QFont(base)
            bold.setBold(True)
            bold.setPixelSize(15)
            small = QFont(base)
            small.setPixelSize(13)
            self._fonts = (bold, small)
        return self._fonts

    def second_line(self, h: ClientHit) -> str:
        """Made once per client shown (and language): typing repaints the same rows again and again."""
        key = (h, language())
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) > 2000:
                self._lines.clear()
            line = self._lines[key] = self._second_line(h)
        return line

    def _second_line(self, h: ClientHit) -> str:
        parts = [h.client_number]
        if h.phone:
            parts.append(h.phone)
        if h.last_visit_at is not None:
            day = local(h.last_visit_at).date()
            parts.append(_("last visit {date}").format(date=_day_text(day, language())))
        return "  ·  ".join(parts)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        h = index.data(HitRole)
        if not isinstance(h, ClientHit):
            return
        c = self._colors
        painter.save()
        r: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:  # the list's own background (style.qss) is the surface colour already
            painter.fillRect(r, self._selected)
        painter.setPen(c["border"])
        painter.drawLine(r.left() + 12, r.bottom(), r.right() - 12, r.bottom())
        bold, small = self._font_pair(option.font)
        x = r.left() + 14
        painter.setFont(bold)
        painter.setPen(c["text"])
        name = self._static(h.name, bold, 0)
        painter.drawStaticText(QPointF(x, r.top() + 6 + (24 - name.size().height()) / 2), name)
        x += ceil(name.size().width()) + 10
        painter.setFont(small)
        badges = badge_texts(h)
        if badges:
            fm = painter.fontMetrics()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for text, tone in badges:
                w = fm.horizontalAdvance(text) + 14
                badge = QRect(x, r.top() + 9, w, 20)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self._tone_bg[tone])
                painter.drawRoundedRect(badge, 10, 10)
                painter.setPen(c[tone])
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
                x += w + 6
        painter.setPen(c["muted"])
        line2 = QRect(r.left() + 14, r.top() + 30, r.width() - 28, 20)
        second = self._static(self.second_line(h), small, 1)
        painter.drawStaticText(QPointF(line2.left(), line2.top() + (20 - second.size().height()) / 2), second)
        if h.prepaid_balance:
            painter.drawText(
                line2,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                _("Prepaid {amount}").format(amount=format_money(h.prepaid_balance)),
            )
        painter.restore()


class ClientSearchBox(QWidget):
    """A search line and its result list. Stable API: other screens embed it."""

    client_chosen = Signal(int)
    new_client_requested = Signal(str)

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        *,
        show_new_button: bool = True,
        enter_hint: str | None = None,
    ) -> None:
        """``enter_hint``: what Enter does with the highlighted client on this screen, in words
        (default: it opens the client)."""
        super().__init__(parent)
        self.ctx = ctx
        self.enter_hint = enter_hint
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.edit = QLineEdit()
        self.edit.setObjectName("searchBox")
        self.edit.setClearButtonEnabled(True)
        self.edit.setPlaceholderText(_("Name, pinyin (zs, zhangsan), phone digits or client number"))
        self.edit.addAction(icon("search", COLORS["muted"]), QLineEdit.ActionPosition.LeadingPosition)
        self.edit.setAccessibleName(_("Find a client"))
        row.addWidget(self.edit, 1)
        self.new_button = Button(_("New client") + "  (Ctrl+N)", "user-plus", "secondary")
        self.new_button.clicked.connect(self._request_new)
        self.new_button.setVisible(show_new_button)
        row.addWidget(self.new_button)
        lay.addLayout(row)

        self.model = ClientHitModel(self)
        self.view = QListView()
        self.view.setObjectName("clientResults")
        self.view.setModel(self.model)
        self.view.setItemDelegate(ClientHitDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.view.setAccessibleName(_("Matching clients"))
        # one click only picks a row (the list can move as answers arrive); the person confirms
        # with "Use …", a double click or Enter
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._picked_row)
        # the list, "Use …" and the line under them: one panel, in the flow of the screen, or
        # floating over it (``float_over``)
        self.results = QFrame()
        panel = QVBoxLayout(self.results)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.setSpacing(8)
        panel.addWidget(self.view, 1)
        self.use_button = Button("", "check", "primary")
        self.use_button.setObjectName("useClient")
        self.use_button.clicked.connect(self._use_picked)
        self.use_button.setVisible(False)
        # its place is kept while hidden: picking a row does not shrink the list under the pointer
        keep_room(self.use_button)
        panel.addWidget(self.use_button)
        self._picked: ClientHit | None = None
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        panel.addWidget(self.status)
        lay.addWidget(self.results, 1)
        self._lay, self._panel_lay = lay, panel
        self._host: QWidget | None = None

        self._latest = Latest()
        # on this computer's shop a search costs about a millisecond, even at a million clients
        # (docs/performance.md, "Client search"): one per keystroke (the 0 ms timer still folds keys
        # that arrive together, a paste); on a server, one once typing pauses (a round trip each)
        pause = 0 if ctx.services.db.is_sqlite else SEARCH_DEBOUNCE_MS
        self._typing = debounce_timer(self, self._search_now, pause)
        self._choose_when_answered = False
        self.edit.textChanged.connect(self._typed)
        self.edit.installEventFilter(self)
        self.view.installEventFilter(self)
        sc = QShortcut(QKeySequence("Ctrl+N"), self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(self._request_new)
        ctx.signals.data_changed.connect(self._data_changed)
        ctx.signals.actor_changed.connect(self.refresh)
        self.refresh()

    # -- public ---------------------------------------------------------------------
    def float_over(self, host: QWidget) -> None:
        """Show the results over ``host`` (a screen) under the search line instead of in the flow,
        while something is typed and the search has the focus: what is below does not move when
        the list opens (Today's tables stay where the pointer left them)."""
        self._host = host
        self._lay.removeWidget(self.results)
        self.results.setParent(host)
        self.results.setObjectName("floatingResults")
        self.results.setAutoFillBackground(True)
        # a border and no drop shadow: a graphics effect renders the whole panel again through an
        # off-screen blur at every repaint of the list (a 30-70 ms stall of the GUI thread here)
        self._panel_lay.setContentsMargins(12, 12, 12, 12)
        # one height while open, whatever the number of matches: "Use …" below the list stays put
        # as answers come (it moved down the screen as the list grew)
        if self.view.maximumHeight() < 10_000:
            self.view.setMinimumHeight(self.view.maximumHeight())
        host.installEventFilter(self)
        self.installEventFilter(self)
        self.edit.textChanged.connect(self._place_results)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self._place_results()

    def _inside(self, w: QWidget | None) -> bool:
        return w is not None and (self.isAncestorOf(w) or w is self.results or self.results.isAncestorOf(w))

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._host is not None and new is not None and new.window() is self.window():
            self._place_results()

    def _place_results(self, *_args: object) -> None:
        """The floating panel under the search line, as wide as the search, as tall as its
        contents allow above the host's bottom; shown while there is text and the focus is on
        the search or the panel."""
        host, panel = self._host, self.results
        if host is None:
            return
        focus = QApplication.focusWidget()
        wanted = bool(self.edit.text().strip()) and self.isVisible() and (focus is None or self._inside(focus))
        if not wanted:
            panel.hide()
            return
        top_left = self.edit.mapTo(host, QPoint(0, self.edit.height() + 6))
        width = self.width()
        room = max(120, host.height() - top_left.y() - 12)
        panel.setGeometry(top_left.x(), top_left.y(), width, min(panel.sizeHint().height(), room))
        panel.show()
        panel.raise_()

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        """Set the text and search at once (no typing pause)."""
        self.edit.setText(text)
        self._search_now()

    def clear(self) -> None:
        self.edit.clear()
        self._search_now()

    def focus_search(self) -> None:
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.edit.selectAll()

    def hits(self) -> list[ClientHit]:
        return list(self.model.hits)

    def current_hit(self) -> ClientHit | None:
        idx = self.view.currentIndex()
        if idx.isValid():
            h = idx.data(HitRole)
            return h if isinstance(h, ClientHit) else None
        return None

    def pending(self) -> bool:
        """True while the typed text waits for its search (the typing pause or the answer)."""
        return self._typing.isActive() or self._latest.pending

    def refresh(self) -> None:
        self._search_now()

    # -- internals --------------------------------------------------------------------
    def _typed(self, _text: str) -> None:
        self._typing.start()  # restarted by each keystroke: one search once typing pauses

    def _search_now(self) -> None:
        self._typing.stop()
        text = self.edit.text()
        actor = self.ctx.actor
        if actor is None:
            self._latest.cancel()
            self._choose_when_answered = False
            self.model.set_hits([])
            self.status.setText(_("Sign in to search for clients."))
            return
        seq = self._latest.next()
        client_search = self.ctx.services.client_search
        self.ctx.runner.run(
            self,
            lambda: client_search.search(actor, text),
            on_done=self._latest.guard(seq, lambda hits: self._show_hits(text, hits)),
            on_error=self._latest.guard(seq, self._search_failed),
        )

    def _search_failed(self, exc: Exception) -> None:
        """Shown in place: the box must keep working while typing."""
        from ui.shared.widgets import error_text

        self._choose_when_answered = False
        self.model.set_hits([])
        self.status.setText(error_text(exc))

    def _show_hits(self, text: str, hits: list[ClientHit]) -> None:
        self.model.set_hits(hits)
        picked_row = next((i for i, h in enumerate(hits) if self._picked and h.id == self._picked.id), None)
        if picked_row is None:
            self._pick(None)
        if hits and not text.strip() and picked_row is None:
            # the recent clients: nothing is highlighted, so Enter cannot pick the last client
            # used by mistake (a new booking once started with them already chosen)
            self.view.setCurrentIndex(QModelIndex())
            self.view.clearSelection()  # the model is updated in place: a row kept may still be selected
            self.status.setText(_("Recent clients: click one, or type to search"))
        elif hits:
            # the selection follows the picked client (by id), not a row number
            self.view.setCurrentIndex(self.model.index(picked_row or 0, 0))
            self.status.setText(
                (self.enter_hint or _("Enter opens the highlighted client. ↑ ↓ move."))
                if text.strip()
                else _("Recent clients")
            )
        elif text.strip():
            self.status.setText(
                _("No client matches “{text}”. Press Ctrl+N to add a new client.").format(text=text.strip())
            )
        else:
            self.status.setText(_("No clients yet. Press Ctrl+N to add the first one."))
        if self._choose_when_answered:
            self._choose_when_answered = False
            self._choose_current()

    def _move(self, delta: int) -> None:
        n = self.model.rowCount()
        if not n:
            return
        row = self.view.currentIndex().row()
        row = max(0, min(n - 1, (row if row >= 0 else -1) + delta))
        self.view.setCurrentIndex(self.model.index(row, 0))

    def _choose_current(self) -> None:
        h = self.current_hit()
        if h is None and self.model.hits and self.edit.text().strip():
            h = self.model.hits[0]  # typed a search: Enter takes the best match
        if h is not None:
            self.client_chosen.emit(h.id)
        elif self.edit.text().strip():
            self._request_new()

    def _activated(self, index: QModelIndex) -> None:
        h = index.data(HitRole)
        if isinstance(h, ClientHit):
            self._pick(None)
            self.client_chosen.emit(h.id)

    def _picked_row(self, index: QModelIndex) -> None:
        h = index.data(HitRole)
        self._pick(h if isinstance(h, ClientHit) else None)

    def _pick(self, hit: ClientHit | None) -> None:
        self._picked = hit
        if hit is not None:
            self.use_button.setText(_("Use {name} ({number})").format(name=hit.name, number=hit.client_number))
        self.use_button.setVisible(hit is not None)

    def _use_picked(self) -> None:
        hit = self._picked
        if hit is not None:
            self._pick(None)
            self.client_chosen.emit(hit.id)

    def _request_new(self) -> None:
        self.new_client_requested.emit(self.edit.text().strip())

    def _data_changed(self, kind: str, _ident: int) -> None:
        if kind == "client":
            self.refresh()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._host is not None and (obj is self._host or obj is self) and event.type() in (
            QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.Hide
        ):
            self._place_results()
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key == Qt.Key.Key_Down:
                self._move(1)
                return True
            if key == Qt.Key.Key_Up:
                self._move(-1)
                return True
            if key == Qt.Key.Key_PageDown:
                self._move(8)
                return True
            if key == Qt.Key.Key_PageUp:
                self._move(-8)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.pending():  # choose from what was typed, once its search has answered
                    self._choose_when_answered = True
                    if self._typing.isActive():
                        self._search_now()
                else:
                    self._choose_current()
                return True
            if key == Qt.Key.Key_N and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._request_new()  # when the Ctrl+N shortcut is not active (window not shown)
                return True
            if key == Qt.Key.Key_Escape and obj is self.edit and self.edit.text():
                self.edit.clear()
                return True
        return super().eventFilter(obj, event)
