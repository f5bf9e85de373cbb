"""Small building blocks every screen uses, so screens look and behave alike."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import NotAllowed
from desk_app.domain.visit import TransitionError
from desk_app.errors import DatabaseBusy, ServerUnavailable, ServiceError, is_busy_error, is_server_gone
from desk_app.i18n import _
from ui.theme import COLORS, TONE_BG, TONE_SYMBOL, icon

log = logging.getLogger(__name__)


class Button(QPushButton):
    """kind: primary | secondary | danger | ghost. Large enough for a finger."""

    def __init__(self, text: str, icon_name: str | None = None, kind: str = "secondary",
                 parent: QWidget | None = None, *, icon: str | None = None) -> None:
        super().__init__(text, parent)
        self.setProperty("kind", kind)
        self.setMinimumHeight(44)
        # Enter presses a focused button everywhere, as in a dialog (outside one Qt answered Space only)
        self.setAutoDefault(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        name = icon_name or icon
        if name:
            color = "#FFFFFF" if kind in ("primary", "danger") else COLORS["text"]
            self.setIcon(_icon(name, color))
            self.setIconSize(QSize(20, 20))


def _icon(name: str, color: str) -> QIcon:
    return icon(name, color)


class StatusChip(QLabel):
    """A coloured pill that always carries a symbol and a word."""

    def __init__(self, text: str = "", tone: str = "neutral", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusChip")
        self.set_status(text, tone)

    def set_status(self, text: str, tone: str) -> None:
        self.tone = tone
        sym = TONE_SYMBOL.get(tone, "•")
        self.setText(f"{sym} {text}")
        fg = COLORS.get(tone, COLORS["neutral"])
        bg = TONE_BG.get(tone, TONE_BG["neutral"])
        self.setStyleSheet(
            f"QLabel#statusChip {{ color: {fg}; background: {bg}; border-radius: 11px;"
            f" padding: 3px 10px; font-weight: 600; }}"
        )
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)


class EmptyState(QFrame):
    """What to show when a list is empty: an icon, what it means, what to do next."""

    action = Signal()

    def __init__(self, icon_name: str, title: str, hint: str, action_text: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        lay = QVBoxLayout(self)
        lay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.setSpacing(8)
        pic = QLabel()
        pic.setPixmap(icon(icon_name, COLORS["muted"], 48).pixmap(48, 48))
        pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        t = QLabel(title)
        t.setObjectName("emptyTitle")
        t.setAlignment(Qt.AlignmentFlag.AlignCenter)
        h = QLabel(hint)
        h.setObjectName("muted")
        h.setWordWrap(True)
        h.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(pic)
        lay.addWidget(t)
        lay.addWidget(h)
        if action_text:
            b = Button(action_text, kind="primary")
            b.clicked.connect(self.action)
            row = QHBoxLayout()
            row.addStretch()
            row.addWidget(b)
            row.addStretch()
            lay.addLayout(row)
            self.action_button = b


class Card(QFrame):
    def __init__(self, title: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 14, 16, 14)
        self.body.setSpacing(10)
        if title:
            lbl = QLabel(title)
            lbl.setObjectName("cardTitle")
            self.body.addWidget(lbl)
            self.title_label = lbl


class ElidedLabel(QLabel):
    """One line of text that gives way when the row is short: it ends in "…" and shows the whole
    text as its tooltip, instead of pushing the page wider than the screen (a client named
    "Alexandra Konstantinopoulou-Featherstonehaugh" in the visit's header did)."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 160), hint.height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        self.style().drawItemText(
            painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text, self.foregroundRole()
        )


class PageHeader(QWidget):
    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        col = QVBoxLayout()
        col.setSpacing(2)
        self.title = ElidedLabel(title)
        self.title.setToolTip(title)
        self.title.setObjectName("pageTitle")
        col.addWidget(self.title)
        self.subtitle = ElidedLabel(subtitle)
        self.subtitle.setObjectName("muted")
        self.subtitle.setVisible(bool(subtitle))
        col.addWidget(self.subtitle)
        row.addLayout(col, 1)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        # ``actions`` (the layout for header buttons) shadows QWidget.actions() on purpose
        self.actions = actions  # type: ignore[method-assign,assignment]
        row.addLayout(actions)

    def set_subtitle(self, text: str) -> None:
        self.subtitle.setText(text)
        self.subtitle.setVisible(bool(text))


class AllergyBanner(QFrame):
    """A red banner that cannot be missed: allergies and contraindications."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allergyBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 14, 10)
        pic = QLabel()
        pic.setPixmap(icon("alert", COLORS["bad"], 22).pixmap(22, 22))
        row.addWidget(pic)
        self.label = QLabel()
        self.label.setObjectName("allergyText")
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        # one warning sign: the icon beside the text (a second "⚠" in the text was one too many)
        self.label.setText(_("Allergies / contraindications:") + " " + text if text else "")
        if not text.strip():
            self.hide()
        elif self.parentWidget() is not None:  # never show a parentless banner as its own window
            self.show()


class ErrorLabel(QLabel):
    """The message under a form field; hidden when there is nothing wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, message: str | None) -> None:
        self.setText(("✕ " + message) if message else "")
        self.setVisible(bool(message))


def keep_room(widget: QWidget, lines: int = 0) -> None:
    """``widget`` keeps its room while hidden: what is below it never moves when it comes and goes.
    ``lines``: also room for that many lines of a label's text, however short the text shown."""
    keep = widget.sizePolicy()
    keep.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(keep)
    if lines:
        widget.setMinimumHeight(lines * widget.fontMetrics().lineSpacing() + 4)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def error_text(exc: BaseException | str) -> str:
    """What a person should read for an error: what happened and what to do."""
    if isinstance(exc, str):
        return exc
    # imported here: the sign-in page shows these words before the services (and SQLAlchemy) load
    from desk_app.core.service import ValidationError

    if isinstance(exc, ValidationError):
        return "\n".join(exc.errors.values())
    if isinstance(exc, ServiceError):
        return exc.message
    if isinstance(exc, NotAllowed):
        return _("You are not allowed to do this. Ask the owner to sign in or to give you the permission.")
    if isinstance(exc, TransitionError):
        return str(exc)
    if is_busy_error(exc):  # "database is locked" from outside a unit of work: the same words
        log.warning("the database was busy: %s", exc)
        return DatabaseBusy().message
    if is_server_gone(exc):  # another desk is restoring a backup, or the server is away: say so
        log.warning("the server could not be reached: %s", exc)
        return ServerUnavailable().message
    log.exception("unexpected error", exc_info=exc)
    return _(
        "Something went wrong and nothing was changed. Please try again; if it happens again, "
        "tell the owner (details are in the log)."
    )


def show_error(parent: QWidget | None, exc: BaseException | str, title: str | None = None) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or _("Please check"))
    box.setText(error_text(exc))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def show_info(parent: QWidget | None, text: str, title: str | None = None) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title or _("Done"))
    box.setText(text)
    box.exec()


def confirm(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    yes: str | None = None,
    no: str | None = None,
    default_yes: bool = True,
) -> bool:
    """Ask a yes/no question. The question (``title``) is also the box's own first line: some
    window managers, macOS sheets and a kiosk with none show no window title. An either/or
    question names its two answers (``yes``, ``no``: "Close with this difference" / "Count
    again", never Yes / No), and Enter takes the safe one when ``default_yes`` is False."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)  # names typed by the shop are not markup
    box.setText(title)
    box.setInformativeText(text)
    yes_btn = box.addButton(yes or _("Yes"), QMessageBox.ButtonRole.AcceptRole)
    no_btn = box.addButton(no or _("No"), QMessageBox.ButtonRole.RejectRole)
    for b in (yes_btn, no_btn):  # the whole answer, whatever the box's width ("Deactivate anywa")
        b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 56)
    box.setDefaultButton(yes_btn if default_yes else no_btn)
    box.exec()
    return box.clickedButton() is yes_btn


class Dialog(QDialog):
    """The base of every dialog of the app.

    Its layout is settled before its window exists, so it opens at its final size and never
    resizes itself on screen (and Qt needs no size-hint change on an already shown window,
    which some platforms cannot do: the offscreen one warns "does not support propagateSizeHints").
    """

    def setVisible(self, visible: bool) -> None:
        if visible and not self.testAttribute(Qt.WidgetAttribute.WA_WState_Created):
            lay = self.layout()
            if lay is not None:
                lay.activate()
        super().setVisible(visible)
        if not visible:  # the window under it takes the keyboard back (with no window manager the
            # keys went nowhere: F1..F11 did nothing after the clock's sign-in prompt until a click)
            owner = self.parentWidget()
            if owner is not None and owner.window().isVisible():
                owner.window().activateWindow()


class SubmitDialog(Dialog):
    """A form whose save runs on the runner (the caller sets ``submit``): OK checks what was typed
    (``problem``: what to fix, or None), then submits; a refusal (``refused``) is said in the box,
    which stays open with what was typed. The subclass places ``self.error`` in its layout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.submit: Callable[[], None] | None = None
        self.error = ErrorLabel()

    def ok_cancel(self, ok: str, cancel: str) -> QDialogButtonBox:
        """The dialog's OK and Cancel, labelled ``ok`` and ``cancel``: OK checks and submits
        (``_ok``), Cancel closes; the subclass places the box in its layout."""
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel)
        box.accepted.connect(self._ok)
        box.rejected.connect(self.reject)
        return box

    def problem(self) -> str | None:
        return None

    def _ok(self) -> None:
        said = self.problem()
        if said:
            self.error.show_error(said)
            return
        if self.submit is None:
            self.accept()
            return
        self.error.show_error(None)
        self.submit()

    def refused(self, exc: Exception) -> None:
        self.error.show_error(error_text(exc))


# The tallest a dialog may be: a 1366x768 counter screen less its task bar and the title bar.
DIALOG_MAX_HEIGHT = 690


class FormScroll(QScrollArea):
    """A dialog's form that scrolls (vertically only) when the screen is too short for it, so the
    dialog's own actions (Save, Book…) below it stay on screen. Asks for the form's whole height;
    the dialog caps itself at ``DIALOG_MAX_HEIGHT``."""

    def __init__(self, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(body)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        body = self.widget()
        if body is None:
            return super().sizeHint()
        hint = body.sizeHint()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())


class PageStack(QWidget):
    """Pages shown one at a time, asking for the size of the page shown: the others are hidden, and
    a layout leaves hidden widgets out. (A QStackedWidget asks for its largest page, its size and its
    height-for-width alike, so one wide or tall page it was not showing made every other page of
    the visit scroll on a 1366x768 screen.) The QStackedWidget calls the screens use."""

    currentChanged = Signal(int)  # noqa: N815 - Qt's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: list[QWidget] = []
        self._current = -1
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(0)

    def addWidget(self, page: QWidget) -> int:  # noqa: N802 - Qt's name
        self._pages.append(page)
        self._lay.addWidget(page)
        if self._current < 0:
            self._current = 0
            page.show()
        else:
            page.hide()
        return len(self._pages) - 1

    def count(self) -> int:
        return len(self._pages)

    def widget(self, index: int) -> QWidget | None:
        return self._pages[index] if 0 <= index < len(self._pages) else None

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 - Qt's name
        return self._pages.index(page) if page in self._pages else -1

    def currentIndex(self) -> int:  # noqa: N802 - Qt's name
        return self._current

    def currentWidget(self) -> QWidget | None:  # noqa: N802 - Qt's name
        return self.widget(self._current)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 - Qt's name
        self.setCurrentIndex(self.indexOf(page))

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802 - Qt's name
        if not 0 <= index < len(self._pages) or index == self._current:
            return
        old = self.currentWidget()
        self._current = index
        new = self._pages[index]
        new.show()
        if old is not None:
            old.hide()
        self.currentChanged.emit(index)


class ReasonDialog(Dialog):
    def __init__(self, parent: QWidget | None, title: str, prompt: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        lbl = QLabel(prompt)
        lbl.setWordWrap(True)
        lay.addWidget(lbl)
        self.edit = QPlainTextEdit()
        # a reason is a line: Enter gives it (it once added a new line, and only an unlabelled
        # Ctrl+Enter did), Shift+Enter starts a new line
        self.edit.setPlaceholderText(_("Type the reason, then Enter (Shift+Enter for a new line)"))
        self.edit.setMinimumHeight(90)
        self.edit.installEventFilter(self)
        lay.addWidget(self.edit)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self._ok)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            obj is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self._ok()
            return True
        return super().eventFilter(obj, event)

    def _ok(self) -> None:
        if not self.edit.toPlainText().strip():
            self.error.show_error(_("A reason is needed."))
            return
        self.accept()

    def reason(self) -> str:
        return self.edit.toPlainText().strip()


def ask_reason(parent: QWidget | None, title: str, prompt: str) -> str | None:
    dlg = ReasonDialog(parent, title, prompt)
    if dlg.exec() == QDialog.DialogCode.Accepted:
        return dlg.reason()
    return None


class PinDialog(Dialog):
    """The owner's approval: says why it is asked (``title``) and whose PIN it wants. Asked again
    after a refusal, it shows why (``error``); while the PIN is paused (``wait_seconds``) it says how
    long to wait and takes no PIN until then."""

    def __init__(self, parent: QWidget | None, title: str, error: str = "", wait_seconds: int = 0) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Owner's PIN"))
        lay = QVBoxLayout(self)
        self.reason = QLabel(title)
        self.reason.setObjectName("sectionTitle")
        self.reason.setWordWrap(True)
        lay.addWidget(self.reason)
        lay.addWidget(QLabel(_("The owner types their PIN (4 to 8 digits).")))
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(8)
        self.edit.setInputMask("")
        self.edit.setObjectName("pinEdit")
        self.edit.setMinimumHeight(44)
        lay.addWidget(self.edit)
        self.error = ErrorLabel()
        self.error.show_error(error)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.pause_timer = QTimer(self)  # a child: gone with the dialog
        self.pause_timer.setSingleShot(True)
        self.pause_timer.timeout.connect(lambda: self._pause(False))
        if wait_seconds > 0:
            self._pause(True)
            self.pause_timer.start(wait_seconds * 1000)

    def _pause(self, on: bool) -> None:
        self.edit.setEnabled(not on)
        self.ok_button.setEnabled(not on)
        if not on:
            self.error.show_error("")
            self.edit.setFocus()

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return
        super().accept()


def ask_pin(parent: QWidget | None, title: str, error: str = "", wait_seconds: int = 0) -> str | None:
    dlg = PinDialog(parent, title, error, wait_seconds)
    if dlg.exec() == QDialog.DialogCode.Accepted:
        return dlg.edit.text().strip()
    return None


def ask_pin_again(parent: QWidget | None, title: str, exc: BaseException) -> str | None:
    """After a refused PIN (a wrong one, or paused): the same dialog with the reason, or None when
    ``exc`` is not about the PIN (the caller shows it as usual)."""
    from desk_app.trust.pins import PinRefused

    if not isinstance(exc, PinRefused):
        return None
    return ask_pin(parent, title, exc.message, exc.wait_seconds)


def hline() -> QFrame:
    f = QFrame()
    f.setObjectName("hline")
    f.setFrameShape(QFrame.Shape.HLine)
    return f
