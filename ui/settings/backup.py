"""Settings > Backups: the last backup, back up now, the backup folder (e.g. a USB drive), restore one.

Backing up and restoring run through ``ctx.runner`` with a progress bar. A restore
asks first, keeps the replaced database beside it, and tells every screen to reload.
Reading the last backups and the folder's files, and saving the folder and how many to keep,
run on the runner too.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.i18n import _, format_number, format_when, local
from desk_app.settings import S
from desk_app.trust.at_rest import EncryptResult
from desk_app.trust.backup import BackupInfo, Restored
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Card, StatusChip, confirm, show_error

Index = QModelIndex | QPersistentModelIndex


def reason_label(reason: str) -> str:
    return {
        "manual": _("by hand"),
        "daily": _("daily"),
        "close_of_day": _("close of day"),
        "pre-migration": _("before an update"),
        "migration": _("before an update"),
    }.get(reason, reason or _("other"))


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return _("{n} MB").format(n=format_number(Decimal(n * 10 // (1024 * 1024)) / 10, 1))
    return _("{n} KB").format(n=format_number(max(1, n // 1024)))


class BackupFiles(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[BackupInfo] = []

    def reset(self, rows: list[BackupInfo]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 4

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [_("Made"), _("Kind"), _("Size"), _("File")][section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        b = self.rows[index.row()]
        return [
            format_when(b.at),
            reason_label(b.reason),
            size_text(b.size_bytes),
            Path(b.path).name,
        ][index.column()]


class BackupPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.svc = ctx.services.backup
        self._state_latest = Latest()
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)

        self.server_note = QLabel(
            _(
                "This shop runs on a PostgreSQL server. The app backs it up with the server's pg_dump "
                "(one desk a day, and at close of day), checks each copy by restoring it into a scratch "
                "database, and keeps the copies in the folder below. A restore disconnects every other "
                "desk while it runs."
            )
        )
        self.server_note.setObjectName("infoBanner")
        self.server_note.setWordWrap(True)
        root.addWidget(self.server_note)

        now_card = Card(_("Back up"))
        row = QHBoxLayout()
        self.status = StatusChip()
        row.addWidget(self.status)
        self.last_label = QLabel()
        self.last_label.setObjectName("muted")
        self.last_label.setWordWrap(True)
        row.addWidget(self.last_label, 1)
        self.backup_button = Button(_("Back up now"), "database", kind="primary")
        self.backup_button.setShortcut("Ctrl+B")
        self.backup_button.clicked.connect(self.backup_now)
        row.addWidget(self.backup_button)
        now_card.body.addLayout(row)
        folder_row = QHBoxLayout()
        lbl = QLabel(_("Folder:"))
        folder_row.addWidget(lbl)
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder_row.addWidget(self.folder_label, 1)
        self.folder_button = Button(_("Choose folder…"), "file")
        self.folder_button.clicked.connect(self._ask_folder)
        folder_row.addWidget(self.folder_button)
        keep_lbl = QLabel(_("Keep"))
        folder_row.addWidget(keep_lbl)
        self.keep = QSpinBox()
        self.keep.setRange(1, 365)
        self.keep.setMinimumHeight(40)
        self.keep.setSuffix(" " + _("daily backups"))
        keep_lbl.setBuddy(self.keep)
        folder_row.addWidget(self.keep)
        now_card.body.addLayout(folder_row)
        # server mode: where PostgreSQL's pg_dump is, when it is not found by itself
        tools_row = QHBoxLayout()
        self.tools_title = QLabel(_("pg_dump:"))
        tools_row.addWidget(self.tools_title)
        self.tools_label = QLabel()
        self.tools_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tools_label.setWordWrap(True)
        tools_row.addWidget(self.tools_label, 1)
        self.tools_button = Button(_("Choose tools folder…"), "file")
        self.tools_button.clicked.connect(self._ask_tools)
        tools_row.addWidget(self.tools_button)
        now_card.body.addLayout(tools_row)
        hint = QLabel(
            _(
                "The app backs up by itself once a day and at close of day, and checks every copy. "
                "Pick a USB drive or a synced folder so a copy survives if this computer fails."
            )
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        now_card.body.addWidget(hint)
        # data at rest: encrypted or not, the recovery key, or encrypting now
        rest_row = QHBoxLayout()
        self.rest_status = StatusChip()
        rest_row.addWidget(self.rest_status)
        self.rest_label = QLabel()
        self.rest_label.setObjectName("muted")
        self.rest_label.setWordWrap(True)
        rest_row.addWidget(self.rest_label, 1)
        self.key_button = Button(_("Recovery key…"), "lock")
        self.key_button.clicked.connect(self.show_recovery_key)
        rest_row.addWidget(self.key_button)
        self.encrypt_button = Button(_("Encrypt…"), "lock")
        self.encrypt_button.clicked.connect(self.ask_encrypt)
        rest_row.addWidget(self.encrypt_button)
        now_card.body.addLayout(rest_row)
        self.quit_app: Callable[[], None] = QApplication.quit  # after encrypting, the app opens again
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        now_card.body.addWidget(self.progress)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        now_card.body.addWidget(self.notice)
        root.addWidget(now_card)

        restore_card = Card(_("Restore a backup"))
        warn = QLabel(
            _(
                "Restoring replaces everything in the app with the backup's contents. "
                "The current data is kept beside it, so a restore can be undone."
            )
        )
        warn.setObjectName("muted")
        warn.setWordWrap(True)
        restore_card.body.addWidget(warn)
        self.files = BackupFiles()
        self.table = QTableView()
        self.table.setModel(self.files)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(36)
        hh = self.table.horizontalHeader()
        for col, width in enumerate((170, 130, 90)):
            hh.resizeSection(col, width)
        hh.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self._restore_selected())
        restore_card.body.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.other_button = Button(_("Restore from another file…"), "upload")
        self.other_button.clicked.connect(self._ask_restore_file)
        buttons.addWidget(self.other_button)
        buttons.addStretch()
        self.restore_button = Button(_("Restore selected…"), "refresh", kind="danger")
        self.restore_button.clicked.connect(self._restore_selected)
        buttons.addWidget(self.restore_button)
        restore_card.body.addLayout(buttons)
        root.addWidget(restore_card, 1)
        self.keep.valueChanged.connect(self._keep_changed)
        self.refresh()

    # -- state -----------------------------------------------------------------
    def refresh(self) -> None:
        server = self.svc.server
        self.server_note.setVisible(server)
        self.rest_status.setVisible(not server)  # a server's data at rest is the server's business
        self.rest_label.setVisible(not server)
        for w in (self.tools_title, self.tools_label, self.tools_button):
            w.setVisible(server)
        self.keep.blockSignals(True)
        self.keep.setValue(self.ctx.services.settings.get(S.BACKUP_KEEP))
        self.keep.blockSignals(False)
        self.folder_label.setText(str(self.svc.folder()))
        if server:
            self.key_button.setVisible(False)
            self.encrypt_button.setVisible(False)
            tools = str(self.ctx.services.settings.get(S.BACKUP_PG_BIN) or "")
            self.tools_label.setText(tools or _("found by itself (PATH, the PostgreSQL folders)"))
        else:
            self._show_rest()
        svc = self.svc
        seq = self._state_latest.next()

        def read() -> tuple[BackupInfo | None, BackupInfo | None, list[BackupInfo]]:
            return svc.last_backup(ok_only=False), svc.last_backup(), svc.list_files()

        self.ctx.runner.run(
            self,
            read,
            on_done=self._state_latest.guard(seq, self._show_state),
            on_error=self._state_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _show_rest(self) -> None:
        from desk_app.db import cipher

        encrypted = bool(self.svc.encrypted())
        self.key_button.setVisible(encrypted)
        self.encrypt_button.setVisible(not encrypted)
        if encrypted:
            self.rest_status.set_status(_("Encrypted"), "ok")
            self.rest_label.setText(
                _("A copy of the database or of a backup cannot be read without the shop's key.")
            )
        elif cipher.key_store_available():
            self.rest_status.set_status(_("Not encrypted"), "warn")
            self.rest_label.setText(
                _("Anyone with a copy of the database file or a backup can read the clients' data.")
            )
        else:
            self.rest_status.set_status(_("Not encrypted"), "warn")
            self.rest_label.setText(
                _("This computer has no password store to keep a key in, so the data cannot be encrypted here.")
            )
        self.encrypt_button.setEnabled(not encrypted and cipher.key_store_available())

    def _show_state(self, state: tuple[BackupInfo | None, BackupInfo | None, list[BackupInfo]]) -> None:
        last, last_ok, files = state
        today = local(self.ctx.services.clock()).date()
        if last is not None and not last.ok:
            self.status.set_status(_("Last backup failed"), "bad")
            self.last_label.setText(last.message)
        elif last_ok is None:
            self.status.set_status(_("No backup yet"), "warn")
            self.last_label.setText(_("Back up now, then the app keeps one every day."))
        else:
            fresh = local(last_ok.at).date() == today
            self.status.set_status(
                _("Backed up today") if fresh else _("Backup is old"), "ok" if fresh else "warn"
            )
            self.last_label.setText(
                _("Last: {when}, {kind}, {size}").format(
                    when=format_when(last_ok.at),
                    kind=reason_label(last_ok.reason),
                    size=size_text(last_ok.size_bytes),
                )
            )
        self.files.reset(files)
        self.restore_button.setEnabled(bool(self.files.rows))

    def _say(self, text: str, tone: str = "ok") -> None:
        self.notice.setObjectName("infoBanner" if tone == "ok" else "warnBanner")
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.setText(text)
        self.notice.setVisible(True)

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.progress.setRange(0, 0 if on else 1)
        for w in (self.backup_button, self.restore_button, self.other_button, self.folder_button):
            w.setEnabled(not on)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    # -- actions ------------------------------------------------------------------
    def backup_now(self) -> None:
        actor, svc = self.ctx.require_actor(), self.svc
        self._busy(True)

        def done(info: BackupInfo) -> None:
            self._busy(False)
            if info.message:  # checked less than fully (a server login without CREATEDB): said
                self._say(_("✓ Backed up: {path}").format(path=info.path) + "\n" + info.message, "warn")
            else:
                self._say(_("✓ Backed up and checked: {path}").format(path=info.path))
            self.refresh()

        def failed(exc: Exception) -> None:
            self._busy(False)
            self.refresh()
            show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda progress: svc.backup(actor=actor, progress=progress),
            on_done=done,
            on_error=failed,
            on_progress=self._progress,
        )

    def _ask_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, _("Choose the backup folder"), str(self.svc.folder()))
        if path:
            self.set_folder(path)

    def set_folder(self, path: str) -> None:
        actor, svc = self.ctx.require_actor(), self.svc
        self.folder_button.setEnabled(False)

        def done(_folder: Path) -> None:
            self.folder_button.setEnabled(True)
            self._say(_("✓ Backups now go to {path}").format(path=path))
            self.refresh()

        def failed(exc: Exception) -> None:  # shown to the person
            self.folder_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(
            self, lambda: svc.set_folder(actor, path), on_done=done, on_error=failed, in_order=True
        )

    def _keep_changed(self, value: int) -> None:
        # through the catalog service: checked, owner only, and written to the audit log
        actor, details = self.ctx.require_actor(), self.ctx.services.shop_details
        self.ctx.runner.run(
            self,
            lambda: details.save_setting(actor, "backup.keep", value),
            on_error=lambda exc: show_error(self, exc),
            in_order=True,
        )

    def _restore_selected(self) -> None:
        idx = self.table.currentIndex()
        if not idx.isValid() and self.files.rows:
            idx = self.files.index(0, 0)
        if not idx.isValid():
            return
        self.restore(Path(self.files.rows[idx.row()].path))

    def _ask_restore_file(self) -> None:
        kinds = (
            _("Server backups (*.dump);;All files (*)") if self.svc.server
            else _("Backups (*.sqlite3 *.db);;All files (*)")
        )
        path, _f = QFileDialog.getOpenFileName(self, _("Choose a backup"), str(self.svc.folder()), kinds)
        if path:
            self.restore(Path(path))

    def _ask_tools(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, _("Choose the folder of PostgreSQL's pg_dump"), str(self.ctx.services.settings.get(S.BACKUP_PG_BIN))
        )
        if path:
            self.set_tools(path)

    def set_tools(self, path: str) -> None:
        """Server mode: name the folder that holds pg_dump and pg_restore (owner; audited)."""
        actor, details = self.ctx.require_actor(), self.ctx.services.shop_details

        def done(_v: object) -> None:
            self.ctx.services.settings.refresh()
            self._say(_("✓ pg_dump is taken from {path}").format(path=path))
            self.refresh()

        self.ctx.runner.run(
            self,
            lambda: details.save_setting(actor, S.BACKUP_PG_BIN.key, path),
            on_done=done,
            on_error=lambda exc: show_error(self, exc),
            in_order=True,
        )

    def restore(self, path: Path) -> None:
        """Check the file (on the runner: on a server that asks pg_restore), ask, then restore."""
        svc = self.svc
        self._busy(True)

        def checked(problem: str | None) -> None:
            self._busy(False)
            if problem:
                show_error(self, problem)
                return
            self._confirm_restore(path)

        def failed(exc: Exception) -> None:
            self._busy(False)
            show_error(self, exc)

        self.ctx.runner.run(self, lambda: svc.check_file(path), on_done=checked, on_error=failed)

    def _confirm_restore(self, path: Path) -> None:
        if self.svc.server:
            question = _(
                "Everything in the app will be replaced by the backup {name}. Every other desk is "
                "disconnected while it runs; the data it replaces is kept on the server as a separate "
                "database. Continue?"
            )
        else:
            question = _(
                "Everything in the app will be replaced by the backup {name}. Anything entered since "
                "then is set aside (kept in a file beside the database). Continue?"
            )
        if not confirm(self, _("Restore this backup?"), question.format(name=path.name)):
            return
        actor, svc = self.ctx.require_actor(), self.svc
        self._busy(True)

        def done(res: Restored) -> None:
            self._busy(False)
            msg = _("✓ Restored {name}.").format(name=path.name)
            if res.kept:
                msg += " " + _("The data it replaced is kept as {kept}.").format(kept=str(res.kept))
            if res.kept_database:
                msg += " " + _("The data it replaced is kept on the server as the database {name}.").format(
                    name=res.kept_database
                )
            lines = res.erasures.lines(new_file=False)
            if lines:
                msg += "\n" + "\n".join(lines)
            self._say(msg)
            self.ctx.changed("database", 0)
            self.refresh()

        def failed(exc: Exception) -> None:
            self._busy(False)
            self.refresh()
            show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda progress: svc.restore(actor, path, progress=progress),
            on_done=done,
            on_error=failed,
            on_progress=self._progress,
        )

    # -- data at rest ----------------------------------------------------------------
    def show_recovery_key(self) -> None:
        actor, svc = self.ctx.require_actor(), self.svc
        self.ctx.runner.run(
            self,
            lambda: svc.recovery_key(actor),
            on_done=lambda text: RecoveryKeyDialog(text, self).open(),
            on_error=lambda exc: show_error(self, exc),
            in_order=True,
        )

    def ask_encrypt(self) -> None:
        if confirm(
            self,
            _("Encrypt the shop's data?"),
            _(
                "The database and every backup in the backup folder are encrypted with a new key that this "
                "computer keeps in its password store. Close the app on every other desk first. You will be "
                "shown a recovery key to write down; then the app closes, and you open it again."
            ),
        ):
            self.encrypt()

    def encrypt(self) -> None:
        actor, svc = self.ctx.require_actor(), self.svc
        self._busy(True)
        self.encrypt_button.setEnabled(False)

        def done(res: EncryptResult) -> None:
            from desk_app.db import cipher

            self._busy(False)
            RecoveryKeyDialog(
                cipher.recovery_text(res.key),
                self,
                _("Encrypted: the database and {n} backups. The app closes now; open it again.").format(
                    n=len(res.backups)
                ),
            ).exec()
            self.quit_app()

        def failed(exc: Exception) -> None:
            self._busy(False)
            self.refresh()
            show_error(self, exc)

        self.ctx.runner.run(self, lambda: svc.encrypt_data(actor), on_done=done, on_error=failed, in_order=True)


class RecoveryKeyDialog(QDialog):
    """The recovery key, large and selectable, with what it is for."""

    def __init__(self, text: str, parent: QWidget | None = None, headline: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Recovery key"))
        lay = QVBoxLayout(self)
        lay.setSpacing(12)
        if headline:
            top = QLabel(headline)
            top.setWordWrap(True)
            lay.addWidget(top)
        self.key = QLabel(text)
        self.key.setObjectName("recoveryKey")
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setWordWrap(True)
        lay.addWidget(self.key)
        why = QLabel(
            _(
                "Write it down or print it and keep it away from this computer. On another computer, or if "
                "this one is replaced, the shop and its backups open only with this key."
            )
        )
        why.setWordWrap(True)
        why.setObjectName("muted")
        lay.addWidget(why)
        ok = Button(_("I have written it down"), "check", kind="primary")
        ok.clicked.connect(self.accept)
        lay.addWidget(ok, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(560, 280)
