"""First start on an empty database: set up my shop, or explore the demo shop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.domain.permissions import Actor
from desk_app.i18n import LANGUAGE_NAMES, _
from desk_app.shop.service import CURRENCIES
from ui.runner import TaskRunner
from ui.settings.server import ServerDialog
from ui.shared.widgets import Button, Card, ErrorLabel, error_text, mark_invalid

TIMEZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
             "Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles", "Australia/Sydney"]
REGIONS = {"CNY": "CN", "HKD": "HK", "TWD": "TW", "SGD": "SG", "USD": "US", "EUR": "DE", "GBP": "GB",
           "JPY": "JP", "AUD": "AU", "CAD": "CA", "MYR": "MY"}


class WelcomePage(QWidget):
    shop_created = Signal(object)  # Actor of the new owner
    demo_requested = Signal()
    server_chosen = Signal()  # this desk was connected to the shop's server: the app opens it
    language_chosen = Signal(str)

    def __init__(
        self, services: Services, runner: TaskRunner, language: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.services = services
        self.runner = runner
        self.server_note = ""  # said after connecting to a server (the password could not be kept)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        outer.addStretch(1)
        title = QLabel(_("Welcome to your front desk"))
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(title)
        sub = QLabel(_("Set up your own shop in a minute, or look around a demo shop full of clients first."))
        sub.setObjectName("muted")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(sub)
        outer.addSpacing(18)

        row = QHBoxLayout()
        row.addStretch(1)
        setup = Card(_("Set up my shop"))
        form = QFormLayout()
        form.setSpacing(10)
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("e.g. Lotus Hair & Spa"))
        self.currency = QComboBox()
        self.currency.addItems(list(CURRENCIES))
        self.language = QComboBox()
        for code, label in LANGUAGE_NAMES.items():
            self.language.addItem(label, code)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        self.language.currentIndexChanged.connect(
            lambda _i: self.language_chosen.emit(str(self.language.currentData()))
        )
        self.timezone = QComboBox()
        self.timezone.addItems(TIMEZONES)
        self.owner = QLineEdit()
        self.owner.setPlaceholderText(_("Your name"))
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.setPlaceholderText(_("4 to 8 digits; 6 or more is safer"))
        self.pin2 = QLineEdit()
        self.pin2.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2.setMaxLength(8)
        form.addRow(_("Shop name"), self.name)
        form.addRow(_("Currency"), self.currency)
        form.addRow(_("Language"), self.language)
        form.addRow(_("Time zone"), self.timezone)
        form.addRow(_("Owner's name"), self.owner)
        form.addRow(_("Owner's PIN"), self.pin)
        form.addRow(_("PIN again"), self.pin2)
        setup.body.addLayout(form)
        # data at rest (docs/privacy.md): on by default where this computer can keep the key
        from desk_app.db import cipher

        can_encrypt = cipher.key_store_available()
        self.encrypt = QCheckBox(_("Encrypt the shop's data on this computer (recommended)"))
        self.encrypt.setChecked(can_encrypt)
        self.encrypt.setEnabled(can_encrypt)
        setup.body.addWidget(self.encrypt)
        if not can_encrypt:
            why = QLabel(_("This computer has no password store to keep a key in, so the data cannot be encrypted here."))
            why.setObjectName("muted")
            why.setWordWrap(True)
            setup.body.addWidget(why)
        self.error = ErrorLabel()
        setup.body.addWidget(self.error)
        self.create_button = Button(_("Create my shop"), "store", kind="primary")
        self.create_button.clicked.connect(self.create_shop)
        self.pin2.returnPressed.connect(self.create_shop)
        setup.body.addWidget(self.create_button)
        setup.setMinimumWidth(420)
        row.addWidget(setup, 3)
        row.addSpacing(20)

        demo = Card(_("Explore the demo shop"))
        txt = QLabel(_("A separate demo database with a few hundred clients, three months of visits, "
                       "sales, bookings and follow-ups. Nothing you do there touches your own shop."))
        txt.setWordWrap(True)
        txt.setObjectName("muted")
        demo.body.addWidget(txt)
        demo.body.addStretch()
        self.demo_button = Button(_("Open the demo shop"), "sparkle", kind="secondary")
        self.demo_button.clicked.connect(self.demo_requested)
        demo.body.addWidget(self.demo_button)
        server = Card(_("Several desks? Connect to the shop's server"))
        stxt = QLabel(_("When the shop's data is already on its PostgreSQL server (a second desk, a branch), "
                        "connect this desk to it instead of creating a shop."))
        stxt.setWordWrap(True)
        stxt.setObjectName("muted")
        server.body.addWidget(stxt)
        server.body.addStretch()
        self.server_button = Button(_("Connect to the shop's server"), "database", kind="secondary")
        self.server_button.clicked.connect(self.connect_server)
        server.body.addWidget(self.server_button)
        side = QVBoxLayout()
        side.setSpacing(16)
        side.addWidget(demo, 1)
        side.addWidget(server, 1)
        demo.setMinimumWidth(320)
        row.addLayout(side, 2)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.name.setFocus()

    def connect_server(self) -> None:
        dlg = ServerDialog(self.runner, self)
        if dlg.exec() == ServerDialog.DialogCode.Accepted and dlg.address is not None:
            self.server_note = dlg.note
            self.server_chosen.emit()

    def creating(self) -> bool:
        """True while the shop is being written (the form waits: one tap is one shop)."""
        return not self.create_button.isEnabled()

    def create_shop(self) -> None:
        if self.creating():
            return
        for w in (self.name, self.owner, self.pin, self.pin2):
            mark_invalid(w, False)
        if self.pin.text() != self.pin2.text():
            mark_invalid(self.pin2, True)
            self.error.show_error(_("The two PINs are not the same. Type the PIN again."))
            return
        currency = self.currency.currentText()
        shop = self.services.shop
        name, language, owner_name, owner_pin, timezone = (
            self.name.text(), str(self.language.currentData()), self.owner.text(), self.pin.text(),
            self.timezone.currentText(),
        )

        def work() -> Actor:
            return shop.create_shop(
                name=name, currency=currency, language=language, owner_name=owner_name, owner_pin=owner_pin,
                timezone=timezone, region=REGIONS.get(currency, "CN"),
            )

        self.create_button.setEnabled(False)
        self.runner.run(self, work, on_done=self._created, on_error=self._not_created, in_order=True)

    def _created(self, actor: Actor) -> None:
        self.create_button.setEnabled(True)
        self.shop_created.emit(actor)

    def _not_created(self, exc: Exception) -> None:
        self.create_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            fields = {"name": self.name, "owner_name": self.owner, "owner_pin": self.pin}
            for key in exc.errors:
                if key in fields:
                    mark_invalid(fields[key], True)
        self.error.show_error(error_text(exc))
