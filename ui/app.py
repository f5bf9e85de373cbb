"""Start the GUI: open (and migrate) the database, welcome or sign in, then the main area.

``Shell`` is the one top-level window. It holds three pages: the welcome (empty
database), sign-in/lock, and the signed-in main area. Locking or switching
user never destroys the main area, so work in progress stays as it was.

At start-up (``run_gui``) the window shows at once with the sign-in page waiting for the
shop, before SQLAlchemy, the models, the services and the screens are imported; the database
is opened (and those modules imported) on the runner meanwhile, and the page takes a PIN once
the shop is read (``Shell(open_now=False)``, ``open_at_start``; docs/performance.md,
"Start-up"). Later openings (the demo, a restore, a change of the shop) go through the runner
too. ``Shell(db)`` without ``open_now=False`` (tests, scripts) opens the database before it returns.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QEventLoop, QLibraryInfo, QObject, Qt, QTimer, QTranslator
from PySide6.QtGui import QCloseEvent, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QStackedWidget,
    QWidget,
)

# Only what the first window needs is imported here: the sign-in page shows before SQLAlchemy,
# the models, the services and the screens load (on a worker, while the PIN is typed; see
# run_gui and docs/performance.md, "Start-up"). The rest is imported where it is used.
from desk_app import i18n
from desk_app.cli import lang_arg
from desk_app.clock import Clock, system_clock
from desk_app.desk import saved_server
from desk_app.domain.permissions import Role
from desk_app.i18n import _
from desk_app.paths import default_db, demo_db
from ui.runner import TaskRunner
from ui.shared.widgets import show_error
from ui.shell.sign_in import SignInPage
from ui.theme import apply_theme, icon

if TYPE_CHECKING:
    from desk_app.container import Services
    from desk_app.db.engine import Database
    from desk_app.domain.permissions import Actor
    from desk_app.shop.service import ShopInfo
    from desk_app.trust.at_rest import EncryptResult
    from desk_app.trust.auth import PinAlert
    from desk_app.trust.timeclock import ClockStatus
    from ui.context import UiContext
    from ui.main_window import MainArea
    from ui.shell.welcome import WelcomePage

log = logging.getLogger(__name__)
T0 = time.perf_counter()

DEMO_CLIENTS = 300
MESSAGES_EVERY_MS = 60 * 1000  # the sender's pass while the app is open
DEMO_MONTHS = 3
DEMO_STAFF = 6
WARM_UP_REST_MS = 1500  # after the shop opens: every service's modules (Shell._warm_up_services)


def parse_gui_args(argv: Sequence[str]) -> argparse.Namespace:
    """The window's options; anything else is refused with a usage line (exit 2), never ignored."""
    p = argparse.ArgumentParser(prog="desk-app", add_help=False,
                                epilog="desk-app --help lists the commands that need no window.")
    p.add_argument("--db", help="the shop's SQLite file or SQLAlchemy URL")
    p.add_argument("--demo", action="store_true", help="the demo shop")
    p.add_argument("--fresh-demo", action="store_true", help="the demo shop, made anew")
    p.add_argument("--lang", type=lang_arg, help="zh_CN or en (default: the shop's)")
    return p.parse_args(list(argv))


def no_screen() -> str | None:
    """Why no window can open here, in words (Linux without a display), or None."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("desk-app: no screen found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window "
            "cannot open. Start it from the desktop session; the commands that need no window work "
            "anywhere: desk-app --help")


def build_demo_database(
    runner: TaskRunner,
    owner: QObject,
    path: str,
    on_done: Callable[[str], None],
    on_error: Callable[[Exception], None],
    *,
    fresh: bool = False,
    clock: Clock = system_clock,
    parent: QWidget | None = None,
) -> None:
    """Create the small demo shop on a worker (a few seconds), with a progress dialog that stays
    responsive; then ``on_done(path)`` on the GUI thread. An existing demo is used as it is (at
    once) unless ``fresh``. The shop is written to ``path + '.part'`` and moved into place only
    when complete, so a failed or interrupted build leaves no half shop behind."""
    from desk_app.demo.shop import generate

    p = Path(path)
    if p.exists() and not fresh:
        on_done(path)
        return
    dlg = QProgressDialog(_("Preparing the demo shop…"), "", 0, 1000, parent)
    dlg.setCancelButton(None)
    dlg.setWindowTitle(_("Demo shop"))
    dlg.setWindowModality(Qt.WindowModality.ApplicationModal)
    dlg.setMinimumDuration(0)
    dlg.setValue(0)
    dlg.show()
    lang = i18n.language()
    label = [""]  # the worker's latest step, read on the GUI thread with the progress

    def work(progress: Callable[[int, int], None]) -> str:
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(str(p) + suffix).unlink(missing_ok=True)
        tmp = str(p) + ".part"
        for suffix in ("", "-wal", "-shm"):
            Path(tmp + suffix).unlink(missing_ok=True)

        def report(done: float, step: str) -> None:
            if step:
                label[0] = step
            progress(int(1000 * done), 1000)

        generate(tmp, clients=DEMO_CLIENTS, months=DEMO_MONTHS, staff=DEMO_STAFF, seed=7,
                 lang=lang, progress=report, clock=clock)
        os.replace(tmp, p)
        return path

    def shown(done: int, _total: int) -> None:
        dlg.setValue(min(done, 999))
        if label[0]:
            dlg.setLabelText(_("Preparing the demo shop…") + "\n" + label[0])

    def finished(result: str) -> None:
        dlg.close()
        dlg.deleteLater()
        on_done(result)

    def failed(exc: Exception) -> None:
        dlg.close()
        dlg.deleteLater()
        on_error(exc)

    runner.run(owner, work, finished, failed, shown, in_order=True)


def ensure_demo_database(path: str, fresh: bool = False, clock: Clock = system_clock) -> str:
    """At startup (``--demo``), before any window: build the demo if needed and wait for it with
    the progress dialog turning (an event loop runs meanwhile; the work is on a worker)."""
    if Path(path).exists() and not fresh:
        return path
    runner, loop = TaskRunner(), QEventLoop()
    outcome: dict[str, object] = {}
    holder = QObject()

    def done(result: str) -> None:
        outcome["path"] = result
        loop.quit()

    def failed(exc: Exception) -> None:
        outcome["error"] = exc
        loop.quit()

    build_demo_database(runner, holder, path, done, failed, fresh=fresh, clock=clock)
    if not outcome:
        loop.exec()
    runner.wait_for_done()
    if "error" in outcome:
        raise cast(Exception, outcome["error"])
    return cast(str, outcome["path"])


@dataclass(frozen=True)
class OpenedShop:
    database: Database
    services: Services
    shop: ShopInfo | None  # None: an empty database, the welcome sets the shop up


def open_shop(db_str: str, clock: Clock) -> OpenedShop:
    """Open (and migrate) the database and read the shop: the database work of opening a file.
    At start-up it runs on a worker, so it is also where SQLAlchemy, the models and the services
    are first imported."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services

    database = open_database(db_str, clock=clock)
    services = Services(database)
    try:
        shop = services.shop.info() if services.shop.is_set_up() else None
    except Exception:
        database.dispose()
        raise
    return OpenedShop(database, services, shop)


class Shell(QMainWindow):
    def __init__(
        self,
        db_str: str,
        demo_mode: bool,
        app: QApplication,
        use_shop_language: bool = False,
        clock: Clock = system_clock,
        runner: TaskRunner | None = None,
        open_now: bool = True,
    ) -> None:
        """``open_now=False`` (the app's start): the window shows the sign-in page waiting for the
        shop, and ``open_at_start`` opens the database on a worker; otherwise it is opened here."""
        super().__init__()
        self.clock = clock  # the app's one clock: the database, the services and the demo's history run on it
        self.use_shop_language = use_shop_language
        self.app = app
        self.db_str = db_str
        # while switching to another database (Settings > This desk, the welcome): the one before,
        # opened again if the new one cannot be (the screens were already put away)
        self._switched_from: str | None = None
        self._clock_asked: set[tuple[int, str]] = set()  # (staff id, day) already asked to clock in
        self.demo_mode = demo_mode
        self.setWindowTitle(_("Front desk"))
        self.setWindowIcon(icon("store", "#2F6FDE", 64))
        self.resize(1366, 768)
        self.setMinimumSize(1100, 680)
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        # the system's own "quit" keys (Cmd+Q on macOS), else Ctrl+Q (Alt+F4 also closes on Windows)
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")]
        self._quit = [QShortcut(keys, self) for keys in quit_keys]
        for shortcut in self._quit:
            shortcut.activated.connect(self.close)
        self.runner = runner or TaskRunner()
        self.ctx: UiContext | None = None
        self.shop: ShopInfo | None = None  # the shop as last read (at opening, after each change of it)
        self.welcome: WelcomePage | None = None
        self._retired: list[object] = []
        self.main: MainArea | None = None
        self.sign_in: SignInPage | None = None
        self._last_activity = time.monotonic()
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(5000)
        self._idle_timer.timeout.connect(self._check_idle)
        self._backup_timer = QTimer(self)
        self._backup_timer.setInterval(60 * 60 * 1000)  # the daily backup is checked every hour
        self._backup_timer.timeout.connect(self._maybe_backup)
        # bookings whose client never came are marked no-show (and a held deposit taken) by the app
        # itself, not only when someone opens the calendar (docs/money-model.md, "Deposits")
        self._no_show_timer = QTimer(self)
        self._no_show_timer.setInterval(5 * 60 * 1000)
        self._no_show_timer.timeout.connect(self.mark_no_shows)
        # the messages to clients due now go out from the outbox while the app is open (a pass a
        # minute, never two at once; docs/messages.md): the sender, not the person, waits on the network
        self._messages_timer = QTimer(self)
        self._messages_timer.setInterval(MESSAGES_EVERY_MS)
        self._messages_timer.timeout.connect(self.send_messages)
        self._messages_running = False
        if not open_now:  # the sign-in page at once; its names and keypad follow the shop
            self.sign_in = self._new_sign_in_page(None)
            self._show_page(self.sign_in)
            return
        # no window is shown yet (the caller shows it), so the database is opened and the shop
        # read here, on the GUI thread; later openings use the runner
        self._opened(open_shop(db_str, self.clock))

    def open_at_start(self, on_error: Callable[[Exception], None]) -> None:
        """The first opening, on a worker while the sign-in page shows (``open_now=False``)."""
        db_str, clock = self.db_str, self.clock
        self.runner.run(self, lambda: open_shop(db_str, clock), on_done=self._opened,
                        on_error=on_error, in_order=True)

    # ------------------------------------------------------------------ database
    def _open(self, db_str: str) -> None:
        """Open another database file while the window is up (the demo, after a restore)."""
        self.db_str = db_str
        clock = self.clock
        self.runner.run(self, lambda: open_shop(db_str, clock), on_done=self._opened,
                        on_error=self._open_failed, in_order=True)

    def _open_failed(self, exc: Exception) -> None:
        log.error("could not open %s: %s", self.db_str, exc)
        back, self._switched_from = self._switched_from, None
        if back is not None:  # not a blank window: say it, and open what this desk opened before
            QMessageBox.critical(self, _("Cannot open the shop database"),
                                 _("This desk could not open the shop's server:") + f"\n\n{exc}\n\n"
                                 + _("It goes on with the database it had open. Check the connection in "
                                     "Settings › This desk, or disconnect this desk there."))
            self._open(back)
            return
        if self.welcome is not None:  # the demo could not be opened: the welcome is still there
            self.welcome.setEnabled(True)
        QMessageBox.critical(self, _("Cannot open the shop database"),
                             _("The app could not open its database:") + f"\n\n{exc}\n\n"
                             + _("Check the --db value or DESK_APP_DB, or restore a backup."))

    def _opened(self, opened: OpenedShop) -> None:
        self._switched_from = None
        self.database = opened.database
        self.services = opened.services
        self.shop = shop = opened.shop
        waiting = self.sign_in is not None and self.sign_in.services is None
        if shop is None:
            if waiting:  # a new shop: the welcome, not the sign-in page shown while opening
                self._drop_waiting_sign_in()
            self._show_welcome()
            return
        self.demo_mode = self.demo_mode or shop.is_demo
        if self.use_shop_language:  # the shop's language unless the person asked for one
            if waiting and shop.locale != i18n.language():  # its words in the shop's language
                self._drop_waiting_sign_in()
            i18n.set_language(shop.locale)
            install_qt_translator(self.app, i18n.language())
            self.setWindowTitle(_("Front desk"))
        i18n.set_timezone(shop.timezone)
        i18n.set_currency(shop.currency)
        self._show_sign_in()
        self._warm_up_services()

    def _warm_up_services(self) -> None:
        """On a worker while the sign-in page waits for a PIN: first what signing in needs (the
        main area's and the first screen's modules, the calendar's service), so the GUI thread
        does not import them when the PIN is accepted; then, a moment later (or once signed in),
        every other service's modules, not by the first tap that needs one (importing after-care
        held the GUI thread ~100 ms). The rest waits so that it does not compete (2 cores, one
        GIL) with a PIN typed at once: a person takes a few seconds, the start-up bench none."""
        services = self.services
        self.runner.run(self, lambda: warm_up_sign_in(services), lambda _n: None, on_error=_log_warm_up_failure)
        QTimer.singleShot(WARM_UP_REST_MS, self, self._warm_up_rest)

    def _warm_up_rest(self) -> None:
        services = self.services
        if services.warmed or getattr(self, "_warming", None) is services:
            return
        self._warming = services
        self.runner.run(self, services.warm_up, lambda _n: None, on_error=_log_warm_up_failure)

    def _show_page(self, page: QObject) -> None:
        self.pages.addWidget(page)  # type: ignore[arg-type]
        self.pages.setCurrentWidget(page)  # type: ignore[arg-type]

    def _drop_waiting_sign_in(self) -> None:
        if self.sign_in is not None:
            self.pages.removeWidget(self.sign_in)
            self.sign_in.hide()
            self.sign_in.deleteLater()
            self.sign_in = None

    def _show_welcome(self) -> None:
        from ui.shell.welcome import WelcomePage

        old, self.welcome = self.welcome, WelcomePage(self.services, self.runner, i18n.language())
        self.welcome.shop_created.connect(self._after_setup)
        self.welcome.demo_requested.connect(self._open_demo)
        self.welcome.language_chosen.connect(self._welcome_language)
        self.welcome.server_chosen.connect(self.switch_database)
        self._show_page(self.welcome)
        if old is not None:  # the welcome in the language chosen before
            self.pages.removeWidget(old)
            old.deleteLater()

    def _welcome_language(self, lang: str) -> None:
        i18n.set_language(lang)
        install_qt_translator(self.app, i18n.language())
        self._show_welcome()  # the database is still empty: only the page's words change

    def _open_demo(self) -> None:
        if self.welcome is not None:  # its database closes now; the demo's sign-in follows
            self.welcome.setEnabled(False)
        self.database.dispose()
        build_demo_database(self.runner, self, demo_db(), self._demo_ready, self._demo_failed,
                            clock=self.clock, parent=self)

    def _demo_ready(self, path: str) -> None:
        self.demo_mode = True
        self._open(path)

    def _demo_failed(self, exc: Exception) -> None:
        log.error("could not build the demo shop: %r", exc)
        if self.welcome is not None:
            self.welcome.setEnabled(True)
        show_error(self, _("The demo shop could not be prepared: {error}").format(error=exc))

    def _after_setup(self, actor: Actor) -> None:
        if self.welcome is not None and self.welcome.encrypt.isChecked():
            self._encrypt_new_shop(actor)
            return
        shop = self.services.shop
        self.runner.run(self, shop.info, on_done=lambda info: self._set_up(actor, info),
                        on_error=lambda exc: show_error(self, exc))

    def _encrypt_new_shop(self, actor: Actor) -> None:
        """The owner asked for encryption: the new shop's file is encrypted, the recovery key shown,
        and the shop opened again with its key (the owner then signs in)."""
        from desk_app.db import cipher
        from ui.settings.backup import RecoveryKeyDialog

        backup = self.services.backup
        assert self.welcome is not None
        self.welcome.setEnabled(False)

        def done(res: EncryptResult) -> None:
            RecoveryKeyDialog(
                cipher.recovery_text(res.key),
                self,
                _("Your shop is set up and its data is encrypted. This is its recovery key."),
            ).exec()
            self._open(self.db_str)

        def failed(exc: Exception) -> None:  # the shop exists, unencrypted: say so and go on
            show_error(self, _("The shop is set up, but its data could not be encrypted: {error}").format(error=exc))
            self._open(self.db_str)

        self.runner.run(self, lambda: backup.encrypt_data(actor), on_done=done, on_error=failed, in_order=True)

    def _set_up(self, actor: Actor, shop: ShopInfo) -> None:
        self.shop = shop
        i18n.set_language(shop.locale)
        i18n.set_timezone(shop.timezone)
        i18n.set_currency(shop.currency)
        self._signed_in(actor)
        self._warm_up_services()

    # ------------------------------------------------------------------ sign-in / lock
    def _new_sign_in_page(self, services: Services | None) -> SignInPage:
        page = SignInPage(services, self.runner, self.shop.name if self.shop else "", self.demo_mode)
        page.signed_in.connect(self._signed_in)
        return page

    def _show_sign_in(self, locked_for: Actor | None = None) -> None:
        if self.sign_in is None:
            assert self.shop is not None
            self.sign_in = self._new_sign_in_page(self.services)
            self.pages.addWidget(self.sign_in)
        elif self.sign_in.services is None:  # the page shown while opening: the shop is read now
            assert self.shop is not None
            self.sign_in.attach(self.services, self.shop.name, self.demo_mode)
        else:
            self.sign_in.reload(locked_for)
        self.pages.setCurrentWidget(self.sign_in)
        self.sign_in.setFocus()

    def _signed_in(self, actor: Actor) -> None:
        if self.ctx is None:
            from ui.context import UiContext
            from ui.main_window import MainArea

            assert self.shop is not None
            self.ctx = UiContext(services=self.services, runner=self.runner, shop=self.shop,
                                 actor=actor, demo_mode=self.demo_mode)
            self.main = MainArea(self.ctx)
            self.main.switch_user_requested.connect(lambda: self.lock(switch=True))
            self.ctx.signals.data_changed.connect(self._data_changed)
            self._backup_timer.start()
            self._no_show_timer.start()
            self._messages_timer.start()
            self.mark_no_shows()  # the first look on signing in: last night's missed bookings too
            self.pages.addWidget(self.main)
            self.pages.setCurrentWidget(self.main)
            self.main.navigate("my_clients" if actor.role == Role.STYLIST else "today")
        else:
            changed = self.ctx.actor != actor
            self.ctx.actor = actor
            assert self.main is not None
            self.pages.setCurrentWidget(self.main)
            if changed:
                self.main.apply_actor()
                self.ctx.signals.actor_changed.emit()
        self._last_activity = time.monotonic()
        self._idle_timer.start()
        assert self.main is not None
        self.main.show_pin_notice("")  # the owner's note about their PIN is for them only
        if actor.role == Role.OWNER:
            QTimer.singleShot(0, self._owner_alerts)
        else:  # staff not on the clock are asked to clock in (owners clock in from the side bar)
            QTimer.singleShot(0, lambda: self._clock_prompt(actor))
        self._maybe_backup()
        QTimer.singleShot(500, self, self._warm_up_rest)  # signed in before it started: after the first paint

    def _clock_prompt(self, actor: Actor) -> None:
        """Ask someone who is not on the clock to clock in as they sign in -- once a day each
        ("Not now" holds until the shop's next day), and never when the owner turned it off."""
        from desk_app.settings import S

        settings, tc = self.services.settings, self.services.timeclock

        def read() -> tuple[bool, ClockStatus]:
            return bool(settings.get(S.TIMECLOCK_ASK_AT_SIGN_IN)), tc.status(actor)

        def show(result: tuple[bool, ClockStatus]) -> None:
            from desk_app.domain import timesheet as ts

            ask, status = result
            main = self.main
            if main is not None and self.ctx is not None and self.ctx.actor is actor:
                main.show_clock(actor, status)
                key = (actor.staff_id, i18n.local(status.at).date().isoformat())
                if ask and status.state == ts.OFF and key not in self._clock_asked:
                    self._clock_asked.add(key)
                    main.clock_dialog(actor, status, prompt=True)

        self.runner.run(self, read, on_done=show,
                        on_error=lambda exc: log.warning("could not read the time clock at sign-in: %s", exc))

    def _owner_alerts(self) -> None:
        if self.ctx is not None:
            from ui.aftercare.complaint_alert import show_overdue_at_sign_in

            show_overdue_at_sign_in(self.ctx, self)
            self._pin_notice()

    def _pin_notice(self) -> None:
        """Tell the owner about wrong PINs typed for them and nudge towards a longer PIN."""
        ctx, owner = self.ctx, self.ctx.actor if self.ctx is not None else None
        if ctx is None or owner is None or self.main is None:
            return
        short = self.sign_in is not None and self.sign_in.short_pin and not self.demo_mode  # demo PINs are 4 digits by design
        auth = self.services.auth

        from ui.trust.pin_notice import pin_notice_text

        def show(alert: PinAlert | None) -> None:
            if self.main is None or ctx.actor is None or ctx.actor.staff_id != owner.staff_id:
                return  # someone else signed in meanwhile
            self.main.show_pin_notice(pin_notice_text(alert, short))

        self.runner.run(self.main, lambda: auth.pin_alert(owner), on_done=show,
                        on_error=lambda exc: log.warning("PIN alerts not read: %s", exc))

    def _maybe_backup(self) -> None:
        services = self.services  # on a server one desk dumps (an advisory lock; docs/server-mode.md §6)

        def work() -> object:
            return services.backup.maybe_daily_backup(services.clock())

        self.runner.run(self, work, on_error=lambda exc: log.warning("automatic backup failed: %s", exc))

    def mark_no_shows(self) -> None:
        """On the runner: bookings past their grace period with nobody arrived become no-shows."""
        services = self.services  # the calendar service is built on the worker (its import is heavy)
        self.runner.run(self, lambda: services.calendar.auto_no_shows(), in_order=True,
                        on_error=lambda exc: log.warning("marking no-shows failed: %s", exc))

    def send_messages(self) -> None:
        """On the runner: one pass of the sender (what is due goes out, failures are retried later).
        A pass still running when the next is due is left to finish; a failure is logged, never shown."""
        if self._messages_running or self.ctx is None:
            return
        messages = self.services.messages
        self._messages_running = True

        def finished(result: object) -> None:
            self._messages_running = False
            errors = getattr(result, "errors", ())
            for line in errors:
                log.info("a message was not sent: %s", line)

        def failed(exc: Exception) -> None:
            self._messages_running = False
            log.warning("sending the messages due failed: %s", exc)

        self.runner.run(self, lambda: messages.run_due(), on_done=finished, on_error=failed)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._messages_timer.stop()  # no new pass starts while the window closes
        super().closeEvent(event)

    def _data_changed(self, kind: str, _ident: int) -> None:
        if kind == "database":  # a backup was restored: start again on the restored file
            QTimer.singleShot(0, self.reopen)
        elif kind == "server":  # Settings > This desk connected, disconnected or moved the shop
            QTimer.singleShot(0, self.switch_database)
        elif kind == "shop":
            shop = self.services.shop
            self.runner.run(self, shop.info, on_done=self._shop_read,
                            on_error=lambda exc: log.warning("could not read the shop's details: %s", exc))

    def _shop_read(self, shop: ShopInfo) -> None:
        self.shop = shop
        if shop.locale != i18n.language():
            QTimer.singleShot(0, self.apply_shop_language)

    def apply_shop_language(self) -> None:
        """The owner changed the shop's language in Settings: rebuild the screens in it.

        Everything is saved as it happens, so rebuilding loses nothing; the signed-in
        person stays signed in and lands back on Settings."""
        if self.ctx is None or self.main is None or self.shop is None:
            return
        i18n.set_language(self.shop.locale)
        install_qt_translator(self.app, i18n.language())
        self.setWindowTitle(_("Front desk"))
        actor, current = self.ctx.actor, self.main.current
        if self.main is not None:
            self.main.close_display()  # the new main area makes its own
        for page in (self.main, self.sign_in):
            if page is not None:
                self.pages.removeWidget(page)
                page.hide()
        self._retired.append((self.main, self.sign_in, self.ctx))
        self.main, self.sign_in, self.ctx = None, None, None
        if actor is not None:
            self._signed_in(actor)
            if self.main is not None and current:
                self.main.navigate(current)

    def reopen(self) -> None:
        """Drop every screen and service and open the database file again (after a restore)."""
        self._idle_timer.stop()
        self._backup_timer.stop()
        self._no_show_timer.stop()
        self._messages_timer.stop()
        if self.main is not None:
            self.main.close_display()  # the new main area makes its own
        for page in (self.main, self.sign_in):
            if page is not None:
                self.pages.removeWidget(page)
                page.hide()
        # keep the old pages and context alive (hidden) until the window closes: deleting widgets
        # whose slots may still be queued is what crashes Qt, and a restore is rare
        self._retired.append((self.main, self.sign_in, self.ctx))
        self.main = None
        self.sign_in = None
        self.ctx = None
        self.database.dispose()
        self._open(self.db_str)

    def switch_database(self) -> None:
        """This desk was connected to the shop's server (or disconnected): open what it opens now,
        its server (sign-in, or the first-start setup when the server is empty) or its own file."""
        if self.welcome is not None:
            self.welcome.setEnabled(False)

        before = self.db_str

        def chosen(db_str: str) -> None:
            self._switched_from = before if db_str != before else None
            if self.ctx is None:  # from the welcome: nothing signed in to put away
                self.database.dispose()
                self._open(db_str)
            else:
                self.db_str = db_str
                self.reopen()

        from desk_app.db.server import saved_url

        # the password comes from the OS password store: read on a worker
        self.runner.run(self, lambda: saved_url(saved_server()) or default_db(), on_done=chosen,
                        on_error=self._open_failed, in_order=True)

    def lock(self, switch: bool = False) -> None:
        if self.ctx is None:
            return
        self._idle_timer.stop()
        self._show_sign_in(None if switch else self.ctx.actor)

    # ------------------------------------------------------------------ idle
    def note_activity(self) -> None:
        self._last_activity = time.monotonic()

    def _check_idle(self) -> None:
        if self.ctx is None or self.pages.currentWidget() is not self.main:
            return
        from desk_app.settings import S

        minutes = self.services.settings.get(S.SECURITY_IDLE_LOCK_MINUTES)
        if time.monotonic() - self._last_activity >= minutes * 60:
            self.lock()


class ActivityFilter(QObject):
    """Counts any key, mouse, wheel or touch input as activity for the idle lock. It sees every
    event of the application, so it asks Qt's ``isInputEvent`` (a C++ flag) rather than making
    the event's type into a Python enum each time (~4x dearer, ~36,000 events to the first screen)."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell)
        self.shell = shell

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.isInputEvent():
            self.shell.note_activity()
        return False


BENCH_MODULES = ("sqlalchemy", "desk_app.db.models", "desk_app.container", "ui.main_window",
                 "ui.today.screen", "ui.reports.screen", "ui.settings.screen", "ui.calendar.screen")


def _bench_startup(shell: Shell, app: QApplication) -> None:
    """DESK_APP_BENCH_STARTUP=1: as a person would, but at once. When the window is first painted
    (the sign-in page, waiting for the shop) print ``first_window_ms=``; as soon as the page
    takes a PIN, tap the first owner and type their demo PIN; when the main window is painted
    print ``ready_ms=`` and quit. Both from ``DESK_APP_T0`` (the spawn time) when given. Lines
    ``modules_first_window=`` and ``modules_signed_in=`` name which of ``BENCH_MODULES`` were
    imported at each moment (tests/ui/test_start_shape.py checks them).

    ``DESK_APP_BENCH_PIN_AFTER_MS=N``: the PIN is typed N ms after the page takes one (a person's
    pace: the shop's modules have loaded meanwhile), and ``pin_to_main_ms=`` is printed, from the
    PIN's submission to the main window painted."""
    t0 = float(os.environ.get("DESK_APP_T0", "0") or 0)
    pace_ms = int(os.environ.get("DESK_APP_BENCH_PIN_AFTER_MS", "0") or 0)
    submitted: list[float] = []

    def elapsed_ms() -> float:
        return ((time.time() - t0) if t0 else (time.perf_counter() - T0)) * 1000

    def loaded() -> str:
        return ",".join(name for name in BENCH_MODULES if name in sys.modules)

    def first_paint() -> None:
        shell.repaint()
        print(f"first_window_ms={elapsed_ms():.1f}", flush=True)
        print(f"modules_first_window={loaded()}", flush=True)
        page = shell.sign_in
        print(f"first_page={type(page).__name__ if page is not None else None}", flush=True)
        QTimer.singleShot(0, wait_for_pin)

    def wait_for_pin() -> None:
        page = shell.sign_in
        if page is None or page.services is None or page.staff_loading() or not page.staff:
            QTimer.singleShot(2, wait_for_pin)
            return
        owner = next((s for s in page.staff if s.role == Role.OWNER.value), None)
        if owner is None:
            print("ready_ms=nan (no owner)", flush=True)
            app.exit(1)
            return
        settings = page.services.settings

        def demo_pins() -> dict[str, str]:
            from desk_app.settings import S

            pins: dict[str, str] = settings.get(S.DEMO_PINS)
            return pins

        def type_pin(pins: dict[str, str]) -> None:
            assert page is not None and owner is not None
            page.signed_in.connect(lambda _actor: QTimer.singleShot(0, done))
            page.select(owner.id)
            page.type_pin(pins.get(str(owner.id), ""))
            submitted.append(time.perf_counter())
            page.submit()

        def at_pace(pins: dict[str, str]) -> None:
            QTimer.singleShot(pace_ms, lambda: type_pin(pins))

        shell.runner.run(shell, demo_pins, on_done=at_pace if pace_ms else type_pin,
                         on_error=lambda exc: failed(str(exc)))

    def failed(why: str) -> None:
        print(f"ready_ms=nan ({why})", flush=True)
        app.exit(1)

    def done() -> None:
        if shell.main is None:
            failed("not signed in")
            return
        shell.repaint()
        print(f"ready_ms={elapsed_ms():.1f}", flush=True)
        if submitted:
            print(f"pin_to_main_ms={(time.perf_counter() - submitted[0]) * 1000:.1f}", flush=True)
        print(f"modules_signed_in={loaded()}", flush=True)
        app.exit(0)

    QTimer.singleShot(0, first_paint)


_QT_TRANSLATORS: list[QTranslator] = []


def install_qt_translator(app: QApplication, lang: str) -> None:
    """Qt's own texts (OK/Cancel in standard dialogs, context menus) in the UI language."""
    for t in _QT_TRANSLATORS:
        app.removeTranslator(t)
    _QT_TRANSLATORS.clear()
    if lang != "zh_CN":
        return
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        t = QTranslator(app)
        if t.load(name, folder):
            app.installTranslator(t)
            _QT_TRANSLATORS.append(t)


def ask_recovery_key(path: Path) -> bool:
    """The shop is encrypted and this computer lacks its key (a new or replaced computer): ask for
    the recovery key until it opens the file, and keep it. False when the person gives up."""
    from desk_app.db import cipher

    prompt = _(
        "{name} is encrypted and this computer does not have its key yet. Type the shop's recovery key "
        "(64 letters and digits, from when the data was encrypted):"
    ).format(name=path.name)
    while True:
        text, ok = QInputDialog.getText(None, _("Recovery key"), prompt)
        if not ok:
            return False
        try:
            key = cipher.parse_recovery(text)
        except ValueError as exc:
            QMessageBox.warning(None, _("Recovery key"), str(exc))
            continue
        if not cipher.opens_with(path, key):
            QMessageBox.warning(None, _("Recovery key"), _("That key does not open {path}. Check the recovery key.").format(path=path.name))
            continue
        try:
            cipher.remember_key(key)
        except cipher.NoKeyStore as exc:
            QMessageBox.critical(None, _("Recovery key"), str(exc))
            return False
        return True


def ask_disconnect(saved: str) -> bool:
    """This desk's saved server could not be opened at start: say why in words (the connection
    test) and offer to disconnect this desk (it then opens its own file). True when disconnected."""
    from dataclasses import replace

    from desk_app.db.server import check_server, load_password, parse_address
    from desk_app.desk import load_desk, save_desk

    try:
        address = parse_address(saved)[0]
    except ValueError:
        return False
    found = check_server(address, load_password(address))  # before any window: nothing to freeze
    box = QMessageBox(QMessageBox.Icon.Critical, _("Cannot open the shop database"),
                      _("This desk opens the shop's server {server}, which could not be opened:").format(
                          server=str(address)) + "\n\n" + found.message)
    box.setInformativeText(_("Disconnect this desk to work on this computer's own file instead (its data is "
                             "not the server's), or fix the server and start again."))
    disconnect = box.addButton(_("Disconnect this desk"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Quit"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not disconnect:
        return False
    save_desk(replace(load_desk(), server=""))
    return True


def run_gui(argv: Sequence[str]) -> int:
    try:
        args = parse_gui_args(argv)
    except SystemExit as stop:  # a usage line was printed
        return stop.code if isinstance(stop.code, int) else 2
    problem = no_screen()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("desk-app")
    app.setWindowIcon(QIcon(icon("store", "#2F6FDE", 64)))
    apply_theme(app)
    lang = args.lang or os.environ.get("DESK_APP_LANG") or i18n.system_language()
    i18n.set_language(lang)
    install_qt_translator(app, i18n.language())
    try:
        if args.demo or args.fresh_demo:
            db_str = ensure_demo_database(demo_db(), fresh=args.fresh_demo)
            demo_mode = True
        else:
            db_str = start_db(args.db)
            demo_mode = False
    except Exception as exc:  # a message a person can act on, never a traceback on the terminal
        return cannot_start(exc)
    from_server = not demo_mode and not args.db and not os.environ.get("DESK_APP_DB") and bool(saved_server())
    # the window shows at once with the sign-in page; the database is opened (and SQLAlchemy, the
    # models and the services imported) on a worker meanwhile, and the page fills in when it is
    shell = Shell(db_str, demo_mode, app, use_shop_language=not args.lang, open_now=False)

    def failed(exc: Exception) -> None:
        nonlocal from_server
        shell.hide()  # what follows is said in a box of its own, as before the window showed
        if from_server:  # said in words; the desk may go on with its own file instead
            if not ask_disconnect(saved_server()):
                app.exit(2)
                return
            shell.db_str, from_server = default_db(), False
        else:
            from desk_app.db import cipher

            missing = exc.__cause__ if isinstance(exc.__cause__, cipher.KeyMissing) else None
            if missing is None or not ask_recovery_key(missing.path):
                app.exit(cannot_start(exc))
                return
        shell.show()
        shell.open_at_start(failed)

    app.installEventFilter(ActivityFilter(shell))
    shell.show()
    if os.environ.get("DESK_APP_BENCH_STARTUP") == "1":
        _bench_startup(shell, app)  # first: it notes the first paint before the opening starts
    QTimer.singleShot(0, lambda: shell.open_at_start(failed))
    smoke = os.environ.get("DESK_APP_SMOKE_TEST")
    if smoke:
        _smoke_test(shell, app, None if smoke == "1" else Path(smoke))
    return int(app.exec())


def start_db(cli_value: str | None) -> str:
    """The database to open: --db, DESK_APP_DB, this desk's saved server, else the shop's file.
    Only a saved server needs SQLAlchemy (its URL) and the password store before the window."""
    if cli_value:
        return cli_value
    env = os.environ.get("DESK_APP_DB")
    if env:
        return env
    if not saved_server():
        return default_db()
    from desk_app.db.server import resolve_db

    return resolve_db(cli_value, saved_server)


def cannot_start(exc: Exception) -> int:
    """The database could not be opened at start: say so in a box (the exit code is 2)."""
    log.error("could not start: %s", exc)
    log.debug("could not start", exc_info=exc)
    QMessageBox.critical(None, _("Cannot open the shop database"),
                         _("The app could not open its database:") + f"\n\n{exc}\n\n"
                         + _("Check the --db value or DESK_APP_DB, or restore a backup."))
    return 2


def _smoke_test(shell: Shell, app: QApplication, picture: Path | None, limit_s: float = 60) -> None:
    """DESK_APP_SMOKE_TEST=1 (or =PICTURE.png): once the first page a person would use is ready
    (sign-in with its staff tiles, or the welcome of a new shop), print one line saying so, save a
    picture of the window if asked, and quit. How an installed copy or a bundle is checked without
    anyone at the screen (docs/packaging.md)."""
    from ui.shell.welcome import WelcomePage

    deadline = time.monotonic() + limit_s

    def poll() -> None:
        page = shell.pages.currentWidget()
        staff = len(page.group.buttons()) if isinstance(page, SignInPage) else 0
        ready = isinstance(page, WelcomePage) or (
            isinstance(page, SignInPage) and staff > 0 and not page.staff_loading())
        if not ready and time.monotonic() < deadline:
            QTimer.singleShot(100, poll)
            return
        if picture is not None:
            shell.grab().save(str(picture))
        families = ",".join(app.font().families()) or app.font().family()
        state = "ok" if ready else "timeout"
        print(f"smoke_test={state} page={type(page).__name__} staff={staff} language={i18n.language()} "
              f"fonts={families}", flush=True)
        app.exit(0 if ready else 1)

    QTimer.singleShot(0, poll)


def warm_up_sign_in(services: Services) -> int:
    """What the first moments after a PIN is accepted use, imported on a worker beforehand."""
    from ui.context import UiContext
    from ui.main_window import MainArea
    from ui.today.screen import TodayScreen  # the first screen (ui/navigation.py ROUTES)
    from ui.visits.my_clients import MyClientsScreen  # a stylist's first screen

    built = (services.auth, services.calendar, services.visits, services.branches, services.client_search)
    return len((UiContext, MainArea, TodayScreen, MyClientsScreen, *built))


def _log_warm_up_failure(exc: Exception) -> None:
    # not shown: the action that needs the service builds it again and says what went wrong
    log.warning("warming up the services failed: %r", exc)
