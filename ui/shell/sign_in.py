"""Sign in (and unlock): tap your name, type your PIN on the keypad or keyboard.

In demo mode the staff and their PINs are listed, so a newcomer can get in. The staff list and
the PIN check run on the runner: checking a PIN is slow on purpose (the hash), so meanwhile the
keypad says it is checking and ignores keys, and one OK is one sign-in.

The tiles are the staff of this desk's branch (``DeskSettings.branch`` in this computer's desk.json)
and the owners; whoever signs in works at that branch (desk_app.trust.auth.AuthService.sign_in).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk import load_desk
from desk_app.domain.permissions import role_label
from desk_app.i18n import _
from ui.runner import Latest, TaskRunner
from ui.shared.widgets import Button, Card, ErrorLabel, error_text, keep_room
from ui.theme import icon

if TYPE_CHECKING:  # the page shows before the services load (ui/app.py run_gui): imported there
    from desk_app.container import Services
    from desk_app.domain.permissions import Actor
    from desk_app.trust.auth import StaffView
    from desk_app.trust.timeclock import ClockStatus


class SignInPage(QWidget):
    """``services`` None: the app is starting and the shop is being opened; the page shows with
    its keypad off and no names until ``attach`` gives it the services (and the shop's name)."""

    signed_in = Signal(object)  # Actor

    def __init__(self, services: Services | None, runner: TaskRunner, shop_name: str, demo_mode: bool = False,
                 parent: QWidget | None = None, desk_branch: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInPage")
        # this desk's branch code, read when the staff are listed and at each sign-in (off the GUI thread)
        self.desk_branch: Callable[[], str] = desk_branch or (lambda: load_desk().branch)
        self.services = services
        self.runner = runner
        self.demo_mode = demo_mode
        self._pin = ""
        self.short_pin = False
        self._staff: list[StaffView] = []
        self._staff_latest = Latest()
        self._checking = False
        self.selected_id: int | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 16, 40, 16)  # with the demo's PIN list, fits a 1366x768 screen
        outer.addStretch(1)
        self.title = title = QLabel(shop_name)
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(title)
        self.subtitle = QLabel(_("Who is signing in? Tap your name, then type your PIN."))
        self.subtitle.setObjectName("muted")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.subtitle)
        # a shop with several branches: which one this desk is at, and why someone is not listed
        self.branch_note = QLabel()
        self.branch_note.setObjectName("muted")
        self.branch_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.branch_note.setWordWrap(True)
        self.branch_note.setVisible(False)
        outer.addWidget(self.branch_note)
        outer.addSpacing(16)

        row = QHBoxLayout()
        row.addStretch(1)
        self.tiles_card = Card()
        self.tiles = QGridLayout()
        self.tiles.setSpacing(10)
        self.tiles_card.body.addLayout(self.tiles)
        row.addWidget(self.tiles_card, 3)
        row.addSpacing(20)

        pad = Card()
        self.dots = QLabel("")
        self.dots.setObjectName("pinDots")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setMinimumHeight(44)
        pad.body.addWidget(self.dots)
        grid = QGridLayout()
        grid.setSpacing(8)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        self.key_buttons: dict[str, QPushButton] = {}
        for i, k in enumerate(keys):
            b = QPushButton(_("OK") if k == "OK" else k)
            b.setObjectName("keypadKey")
            if k == "OK":
                b.setProperty("kind", "primary")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _c=False, key=k: self._key(key))
            grid.addWidget(b, i // 3, i % 3)
            self.key_buttons[k] = b
        pad.body.addLayout(grid)
        # clock in or out with the PIN, without signing in (a stylist who never uses the desk)
        self.clock_btn = Button(_("Clock in / out"), "clock", "secondary")
        self.clock_btn.setToolTip(_("Tap your name, type your PIN, then this: clocks you in, or out, without signing in (Ctrl+K)"))
        self.clock_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clock_btn.clicked.connect(self.clock)
        pad.body.addWidget(self.clock_btn)
        QShortcut(QKeySequence("Ctrl+K"), self).activated.connect(self.clock)
        self.clock_note = QLabel()
        self.clock_note.setObjectName("okText")
        self.clock_note.setWordWrap(True)
        self.clock_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        keep_room(self.clock_note)  # the keypad never moves when the note comes and goes
        self.clock_note.setText(" ")
        self.clock_note.hide()
        pad.body.addWidget(self.clock_note)
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(12_000)
        self._note_timer.timeout.connect(self.clock_note.hide)
        self.error = ErrorLabel()
        pad.body.addWidget(self.error)
        row.addWidget(pad, 2)
        row.addStretch(1)
        outer.addLayout(row)

        self.demo_label = QLabel()
        self.demo_label.setObjectName("demoPins")
        self.demo_label.setWordWrap(True)
        self.demo_label.setVisible(False)
        demo_row = QHBoxLayout()
        demo_row.addStretch(1)
        demo_row.addWidget(self.demo_label, 4)
        demo_row.addStretch(1)
        outer.addSpacing(8)
        outer.addLayout(demo_row)
        outer.addStretch(2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if services is None:
            self._set_keys_enabled(False)
        self.reload()

    def attach(self, services: Services, shop_name: str, demo_mode: bool) -> None:
        """The shop is open: its name, the keypad, and the staff list (asked for now)."""
        self.services = services
        self.demo_mode = demo_mode
        self.title.setText(shop_name)
        self._set_keys_enabled(True)
        self.reload(None)

    @property
    def staff(self) -> list[StaffView]:
        """The names shown (empty until the list arrives)."""
        return list(self._staff)

    # ----------------------------------------------------------------- data
    def reload(self, locked_for: Actor | None = None) -> None:
        """Ask for the staff list (off the GUI thread); the tiles follow when it arrives."""
        if locked_for is not None:
            self.subtitle.setText(_("The screen is locked. Type your PIN to go on, or tap another name."))
            self.selected_id = locked_for.staff_id
        else:
            self.subtitle.setText(_("Who is signing in? Tap your name, then type your PIN."))
            # switching user: nobody is chosen (a PIN typed now must not be checked against the
            # person before, whose tile is no longer marked)
            self.selected_id = None
        self._clear()
        if self.services is None:  # still opening the shop: attach() asks for the list
            return
        auth, branch = self.services.auth, self.desk_branch
        seq = self._staff_latest.next()
        self.runner.run(
            self,
            lambda: (auth.sign_in_staff(branch()), auth.desk_branch_name(branch())),
            on_done=self._staff_latest.guard(seq, self._show_loaded),
            on_error=self._staff_latest.guard(seq, lambda exc: self.error.show_error(error_text(exc))),
        )

    def staff_loading(self) -> bool:
        """The staff list was asked for and has not arrived yet (or the shop is still opening)."""
        return self.services is None or self._staff_latest.pending

    def _show_loaded(self, loaded: tuple[list[StaffView], str | None]) -> None:
        staff, branch_name = loaded
        self._show_branch(branch_name)
        self._show_staff(staff)

    def _show_branch(self, branch_name: str | None) -> None:
        self.branch_note.setVisible(branch_name is not None)
        if branch_name is not None:
            self.branch_note.setText(_(
                "This desk is at {branch}: its staff and the owners sign in here. Not listed? "
                "The owner adds the branch to you in Settings › Staff."
            ).format(branch=branch_name))

    def _show_staff(self, staff: list[StaffView]) -> None:
        while self.tiles.count():
            item = self.tiles.takeAt(0)
            w = item.widget() if item else None
            if w is not None:
                self.group.removeButton(w)  # type: ignore[arg-type]
                w.deleteLater()
        self._staff = staff
        for i, s in enumerate(self._staff):
            b = QPushButton(f"{s.name}\n{role_label(s.role)}")
            b.setObjectName("staffTile")
            b.setCheckable(True)
            b.setIcon(icon("user", s.color, 28))
            b.setIconSize(QSize(28, 28))
            b.setEnabled(not self._checking)
            b.clicked.connect(lambda _c=False, sid=s.id: self.select(sid))
            self.group.addButton(b)
            self.tiles.addWidget(b, i // 3, i % 3)
        if self.selected_id is None and len(self._staff) == 1:
            self.selected_id = self._staff[0].id
        # the tiles arrive after the page shows: mark the chosen one, keep a PIN already typed
        self._check_selected_tile()
        self._show_demo_pins()

    def _check_selected_tile(self) -> None:
        for b, s in zip(self.group.buttons(), self._staff, strict=False):
            b.setChecked(s.id == self.selected_id)

    def _show_demo_pins(self) -> None:
        if not self.demo_mode or self.services is None:
            self.demo_label.setVisible(False)
            return
        from desk_app.settings import S

        pins = self.services.settings.get(S.DEMO_PINS)  # {staff id as text: PIN}
        people = [
            f"{html.escape(s.name)} · {html.escape(role_label(s.role))} · PIN <b>{html.escape(pin)}</b>"
            for s in self._staff if (pin := pins.get(str(s.id)))
        ]
        # two to a row: one to a line, a demo's six staff made the page taller than a 768-px screen
        rows = "".join(
            "<tr>" + "".join(f"<td style='padding: 1px 18px 1px 0'>{p}</td>" for p in people[i:i + 2]) + "</tr>"
            for i in range(0, len(people), 2)
        )
        intro = html.escape(_("Demo shop: sign in as any of these staff (PINs are shown only in the demo)."))
        self.demo_label.setTextFormat(Qt.TextFormat.RichText)
        self.demo_label.setText(f"<p style='margin: 0 0 4px 0'>{intro}</p><table>{rows}</table>")
        self.demo_label.setVisible(True)

    def select(self, staff_id: int) -> None:
        if self._checking:
            return
        self.selected_id = staff_id
        self._check_selected_tile()
        self._clear()
        self.clock_note.hide()  # the next person: the last one's clock note is not theirs
        self.setFocus()

    # ----------------------------------------------------------------- PIN entry
    def _clear(self) -> None:
        self._pin = ""
        self.dots.setText("")

    def checking(self) -> bool:
        """True while a PIN is being checked (keys and name taps wait)."""
        return self._checking

    def _set_checking(self, on: bool) -> None:
        self._checking = on
        self._set_keys_enabled(not on)
        if on:
            self.dots.setText(_("Checking…"))

    def _set_keys_enabled(self, on: bool) -> None:
        for key in self.key_buttons.values():
            key.setEnabled(on)
        self.clock_btn.setEnabled(on)
        for tile in self.group.buttons():
            tile.setEnabled(on)

    def _key(self, key: str) -> None:
        if self._checking or self.services is None:  # a PIN waits for the shop to be open
            return
        from desk_app.trust.pins import MAX_PIN_DIGITS

        if key == "⌫":
            self._pin = self._pin[:-1]
        elif key == "OK":
            self.submit()
            return
        elif len(self._pin) < MAX_PIN_DIGITS:
            self._pin += key
        self.dots.setText("●" * len(self._pin))
        self.error.show_error(None)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if self._checking or self.services is None:  # one PIN at a time: keys typed while it is checked are ignored
            event.accept()
            return
        text = event.text()
        if text.isdigit():
            self._key(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self._key("⌫")
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self._staff:
            ids = [s.id for s in self._staff]
            cur = ids.index(self.selected_id) if self.selected_id in ids else 0
            step = 1 if event.key() == Qt.Key.Key_Right else -1
            self.select(ids[(cur + step) % len(ids)])
        else:
            super().keyPressEvent(event)

    def type_pin(self, pin: str) -> None:
        for ch in pin:
            self._key(ch)

    def submit(self) -> None:
        if self._checking or self.services is None:
            return
        from desk_app.trust.pins import STRONG_PIN_DIGITS

        if self.selected_id is None:
            self.error.show_error(_("Tap your name first."))
            return
        auth, staff_id, pin, branch = self.services.auth, self.selected_id, self._pin, self.desk_branch
        self._set_checking(True)
        # a wrong PIN is counted (and can lock the staff member): a write, kept in order
        self.runner.run(
            self,
            lambda: auth.sign_in(staff_id, pin, branch()),
            on_done=lambda actor: self._signed_in(actor, len(pin) < STRONG_PIN_DIGITS),
            on_error=self._refused,
            in_order=True,
        )

    def clock(self) -> None:
        """Clock the chosen person in (or out, when on the clock) with the PIN typed; they stay
        signed out. A wrong PIN counts as at sign-in."""
        if self._checking or self.services is None:
            return
        if self.selected_id is None:
            self.error.show_error(_("Tap your name first."))
            return
        if not self._pin:
            self.error.show_error(_("Type your PIN, then tap Clock in / out."))
            return
        tc, auth, staff_id, pin, branch = (self.services.timeclock, self.services.auth, self.selected_id, self._pin,
                                           self.desk_branch)  # fmt: skip
        self._set_checking(True)
        self.runner.run(self, lambda: tc.clock_with_pin(staff_id, pin, auth, branch()), on_done=self._clocked,
                        on_error=self._refused, in_order=True)  # fmt: skip

    def _clocked(self, result: tuple[str, ClockStatus]) -> None:
        from desk_app import i18n
        from desk_app.domain import timesheet as ts

        kind, st = result
        self._set_checking(False)
        self._clear()
        self.error.show_error(None)
        when = i18n.format_time(i18n.local(st.at))
        if kind == ts.IN:
            text = _("{name} clocked in at {time}.").format(name=st.name, time=when)
        elif kind == ts.BACK:
            text = _("{name} is back from the break at {time}.").format(name=st.name, time=when)
        else:
            text = _("{name} clocked out at {time} ({hours} worked today).").format(
                name=st.name, time=when, hours=i18n.format_duration_minutes(st.worked_today_seconds // 60))
        self.clock_note.setText(text)
        self.clock_note.show()
        self._note_timer.start()

    def _signed_in(self, actor: Actor, short_pin: bool = False) -> None:
        self._set_checking(False)
        self._clear()
        self.short_pin = short_pin  # read by the shell to nudge an owner towards a longer PIN
        self.signed_in.emit(actor)

    def _refused(self, exc: Exception) -> None:
        from desk_app.trust.auth import SignInError

        self._set_checking(False)
        self.clock_note.hide()  # a note about someone before next to this person's error misleads
        self.error.show_error(exc.message if isinstance(exc, SignInError) else error_text(exc))
        self._clear()
