"""The shop's server, for this desk: the Connect dialog (from the welcome screen and from
Settings > This desk), and the Server card of This desk (change, disconnect, move this one-desk
shop onto the server). The connection test and the move run on the runner: the GUI thread never
waits on a database (desk_app.db.server, desk_app.transfer.to_server)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.db import cipher
from desk_app.db.server import (
    DEFAULT_PORT,
    Outcome,
    ServerAddress,
    ServerCheck,
    check_address,
    check_server,
    forget_password,
    parse_address,
    save_password,
)
from desk_app.desk import DeskSettings, load_desk, save_desk
from desk_app.domain.permissions import Role
from desk_app.i18n import _
from desk_app.transfer.to_server import MoveResult, move_to_server
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.shared.widgets import (
    Button,
    Card,
    Dialog,
    ErrorLabel,
    ask_pin,
    confirm,
    mark_invalid,
    show_error,
    show_info,
)


def _save_server(address: ServerAddress, password: str) -> str:
    """On a worker: this desk remembers the server (desk.json) and its password (the password
    store). Returns a note for the person when the password could not be kept ("" when it was)."""
    save_desk(replace(load_desk(), server=address.saved))
    if not password:
        return ""
    try:
        save_password(address, password)
    except cipher.NoKeyStore:
        return _("This computer has no password store, so the password was not kept; "
                 "the server must let this desk in without one (pg_hba.conf).")
    return ""


class ServerDialog(Dialog):
    """Connect this desk to the shop's server: the address, Test connection, Save and connect.
    ``mode="move"``: the server a one-desk shop is moved onto (the main button says so, nothing is
    saved by the dialog). After ``accept()``, ``address`` and ``password`` are what was chosen.
    ``can_move``: this desk's shop is in a file and could be moved instead (Settings > This desk, the
    owner): an empty server then says that connecting starts a new shop, and how to move this one."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, saved: str = "",
                 mode: str = "connect", can_move: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.runner = runner
        self.mode = mode
        self.can_move = can_move
        self.address: ServerAddress | None = None
        self.password = ""
        self.note = ""  # said after saving (e.g. the password could not be kept)
        self.last: ServerCheck | None = None
        self.setWindowTitle(_("Move this shop onto the server") if mode == "move" else _("Connect to the shop's server"))
        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        intro = QLabel(
            _("The server must hold an empty database: the shop is copied into it, then this desk works "
              "on the server.") if mode == "move" else
            _("When several desks share one shop, its data lives on a PostgreSQL server in the shop "
              "(docs/server-mode.md). Ask whoever set it up for these details."))
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.host = QLineEdit()
        self.host.setPlaceholderText(_("e.g. 192.168.1.10 or server.local"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = QLineEdit()
        self.database.setPlaceholderText(_("e.g. salon"))
        self.user = QLineEdit()
        self.user.setPlaceholderText(_("e.g. desk"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        for w in (self.host, self.port, self.database, self.user, self.password_edit):
            w.setMinimumHeight(40)
        form.addRow(_("Server"), self.host)
        form.addRow(_("Port"), self.port)
        form.addRow(_("Database"), self.database)
        form.addRow(_("User"), self.user)
        form.addRow(_("Password"), self.password_edit)
        lay.addLayout(form)
        self.outcome_label = QLabel(_("Test the connection before saving."))
        self.outcome_label.setObjectName("muted")
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setMinimumHeight(60)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.outcome_label)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.test_button = Button(_("Test connection"), "refresh", "secondary")
        self.test_button.clicked.connect(self.test)
        self.cancel_button = Button(_("Cancel"), None, "secondary")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = Button(_("Move the shop here") if mode == "move" else _("Save and connect"), "check", "primary")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        lay.addLayout(row)
        self.password_edit.returnPressed.connect(self.save)
        self.setMinimumWidth(560)
        if saved:
            try:
                address, _pw = parse_address(saved)
            except ValueError:
                address = None
            if address is not None:
                self.host.setText(address.host)
                self.port.setValue(address.port)
                self.database.setText(address.database)
                self.user.setText(address.user)
        self.host.setFocus()

    def chosen(self) -> ServerAddress | None:
        """The typed address, or None after showing what is wrong with it."""
        for w in (self.host, self.database, self.user):
            mark_invalid(w, False)
        try:
            address = check_address(self.host.text(), self.port.value(), self.database.text(), self.user.text())
        except ValueError as exc:
            self.error.show_error(str(exc))
            for w, empty in ((self.host, not self.host.text().strip()), (self.database, not self.database.text().strip()),
                             (self.user, not self.user.text().strip())):
                mark_invalid(w, empty)
            return None
        self.error.show_error("")
        return address

    def busy(self) -> bool:
        return not self.test_button.isEnabled()

    def test(self, then_save: bool = False) -> None:
        address = self.chosen()
        if address is None or self.busy():
            return
        password = self.password_edit.text()
        self._enable(False)
        self.outcome_label.setText(_("Connecting to {server}…").format(server=str(address)))
        self.runner.run(self, lambda: check_server(address, password),
                        on_done=lambda found: self._tested(address, password, found, then_save),
                        on_error=self._failed)

    def _tested(self, address: ServerAddress, password: str, found: ServerCheck, then_save: bool) -> None:
        self._enable(True)
        self.last = found
        if self.mode == "move" and found.ok and found.outcome != Outcome.EMPTY:  # only into an empty one
            found = ServerCheck(Outcome.NOT_APP, _(
                "The server's database already holds a shop: a shop is moved only into an empty database. "
                "Create a new database on the server (docs/server-mode.md, step 2)."))
            self.last = found
        said = ("✓ " if found.ok else "✕ ") + found.message
        if self.mode == "connect" and self.can_move and found.outcome == Outcome.EMPTY:
            said += "\n" + _("This desk's shop stays in its file and is not copied: to bring it onto the "
                             "server, cancel and choose “Move this shop onto the server…”.")
        self.outcome_label.setText(said)
        self.outcome_label.setObjectName("muted" if found.ok else "fieldError")
        self.outcome_label.style().unpolish(self.outcome_label)
        self.outcome_label.style().polish(self.outcome_label)
        if not then_save or not found.ok:
            return
        self.address, self.password = address, password
        if self.mode == "move":
            self.accept()
            return
        self._enable(False)
        self.runner.run(self, lambda: _save_server(address, password), on_done=self._saved,
                        on_error=self._failed, in_order=True)

    def _saved(self, note: str) -> None:
        self._enable(True)
        self.note = note
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._enable(True)
        self.error.show_error(str(exc) if isinstance(exc, (ValueError, OSError)) else _("Could not save: {error}").format(error=exc))

    def save(self) -> None:
        """Test first; save (and close) only a connection that works."""
        self.test(then_save=True)

    def _enable(self, on: bool) -> None:
        for b in (self.test_button, self.save_button):
            b.setEnabled(on)


class ServerCard(Card):
    """Settings > This desk: which database this desk opens, and the ways to change it."""

    switched = Signal()  # this desk now opens another database: the app opens it

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(_("The shop's data"), parent)
        self.ctx = ctx
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setObjectName("muted")
        self.body.addWidget(self.where)
        row = QHBoxLayout()
        self.connect_button = Button(_("Connect to the shop's server…"), "database", "secondary")
        self.connect_button.clicked.connect(self.connect_server)
        self.disconnect_button = Button(_("Disconnect"), None, "secondary")
        self.disconnect_button.clicked.connect(self.disconnect_server)
        self.move_button = Button(_("Move this shop onto the server…"), "upload", "secondary")
        self.move_button.clicked.connect(self.move_shop)
        for b in (self.connect_button, self.disconnect_button, self.move_button):
            row.addWidget(b)
        row.addStretch(1)
        self.body.addLayout(row)
        self.show_state()

    def show_state(self) -> None:
        desk = self.ctx.desk
        on_server = not self.ctx.services.db.is_sqlite
        file = self.ctx.services.db.sqlite_file
        if on_server:
            text = _("This desk works on the shop's server {server}.").format(
                server=self._label(desk.server) or _("(given at start: --db or DESK_APP_DB)"))
        else:
            text = _("This desk keeps the shop in a file on this computer: {path}.").format(path=str(file))
            if desk.server:
                text += " " + _("It is set to open the server {server} at the next start.").format(
                    server=self._label(desk.server))
        self.where.setText(text)
        self.connect_button.setText(_("Change the server…") if desk.server else _("Connect to the shop's server…"))
        self.disconnect_button.setEnabled(bool(desk.server))
        self.move_button.setVisible(self._can_move())

    def _can_move(self) -> bool:
        """The owner at a desk whose (real, not demo) shop is in a file may move it onto a server."""
        owner = self.ctx.actor is not None and self.ctx.actor.role == Role.OWNER
        return owner and self.ctx.services.db.is_sqlite and not self.ctx.demo_mode

    @staticmethod
    def _label(saved: str) -> str:
        try:
            return str(parse_address(saved)[0])
        except ValueError:
            return ""

    def connect_server(self) -> None:
        dlg = ServerDialog(self.ctx.runner, self, self.ctx.desk.server, can_move=self._can_move())
        if dlg.exec() != Dialog.DialogCode.Accepted or dlg.address is None:
            return
        self.ctx.desk = replace(self.ctx.desk, server=dlg.address.saved)
        self.show_state()
        show_info(self, " ".join(x for x in (_("This desk now opens the shop on {server}.").format(
            server=str(dlg.address)), dlg.note) if x))
        self.switched.emit()
        self.ctx.signals.data_changed.emit("server", 0)  # the app opens what this desk now opens

    def disconnect_server(self) -> None:
        saved = self.ctx.desk.server
        if not saved or not confirm(self, _("Disconnect"), _(
                "This desk will no longer open the shop's server; at the next start it opens the shop's file on "
                "this computer. The server and its data stay as they are. Disconnect?")):
            return

        def work() -> DeskSettings:
            try:
                forget_password(parse_address(saved)[0])
            except ValueError:
                pass
            return save_desk(replace(load_desk(), server=""))

        def done(desk: DeskSettings) -> None:
            self.ctx.desk = replace(self.ctx.desk, server=desk.server)
            self.show_state()
            self.switched.emit()
        self.ctx.signals.data_changed.emit("server", 0)  # the app opens what this desk now opens

        self.ctx.runner.run(self, work, on_done=done, on_error=lambda e: show_error(self, e), in_order=True)

    def move_shop(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        dlg = ServerDialog(self.ctx.runner, self, self.ctx.desk.server, mode="move")
        if dlg.exec() != Dialog.DialogCode.Accepted or dlg.address is None:
            return
        address, password = dlg.address, dlg.password
        if not confirm(self, _("Move this shop onto the server"), _(
                "Every client, visit, sale and setting is copied onto {server}, checked, and this desk then works "
                "there. The file on this computer is put aside and not used any more. Other desks must be closed. "
                "Go on?").format(server=str(address))):
            return
        pin = ask_pin(self, _("Moving the shop onto the server needs the owner's PIN."))
        if pin is None:
            return
        services = self.ctx.services
        progress = QProgressDialog(_("Moving the shop onto the server…"), "", 0, 1000, self)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        progress.setMinimumDuration(0)
        progress.setValue(0)
        label = [""]

        def work(report: object) -> MoveResult:
            assert callable(report)
            owner = services.auth.sign_in(actor.staff_id, pin)

            def step(fraction: float, text: str) -> None:
                label[0] = text
                report(int(1000 * fraction), 1000)

            result = move_to_server(services.db, address.url(password, timeout_s=10), owner, step)
            _save_server(address, password)
            return result

        def shown(done: int, _total: int) -> None:
            progress.setValue(min(done, 999))
            if label[0]:
                progress.setLabelText(_("Moving the shop onto the server…") + "\n" + label[0])

        def finished(result: MoveResult) -> None:
            progress.close()
            self.ctx.desk = replace(self.ctx.desk, server=address.saved)
            show_info(self, _("The shop is on the server now: {rows} records copied and checked. The old file is "
                              "kept as {path}.").format(rows=result.rows, path=str(result.moved_file)))
            self.switched.emit()
        self.ctx.signals.data_changed.emit("server", 0)  # the app opens what this desk now opens

        def failed(exc: Exception) -> None:
            progress.close()
            show_error(self, exc)

        self.ctx.runner.run(self, work, finished, failed, shown, in_order=True)

