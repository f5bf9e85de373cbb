"""Settings > This desk: this computer's branch, receipt printer, paper, printing after payment, cash
drawer and customer display (desk_app.desk). Kept on this computer, not in the shop's database: every desk chooses its
own. A test print and a drawer test check the choice before it is saved."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk import DeskSettings, check, desk_file, save_desk
from desk_app.i18n import _
from desk_app.printing.escpos_out import profiles
from desk_app.shop.branches import BranchView
from ui.checkout.hardware import hardware_problem, kick_drawer, test_print
from ui.context import UiContext
from ui.shared.widgets import Button, Card, FormScroll, mark_invalid, show_error, show_info

PAPER_LABELS = {"80mm": "80 mm", "58mm": "58 mm", "a5": "A5"}


def screen_choices() -> list[tuple[int, str]]:
    """(index, "name  width × height") of each screen of this computer (0 is the main one)."""
    out = []
    for i, screen in enumerate(QGuiApplication.screens()):
        size = screen.size()
        main = _(" (main screen)") if i == 0 else ""
        out.append((i, "{n}. {name}  {w} × {h}{main}".format(
            n=i + 1, name=screen.name() or _("Screen"), w=size.width(), h=size.height(), main=main)))
    return out


def system_printer_names() -> list[str]:
    from PySide6.QtPrintSupport import QPrinterInfo

    return list(QPrinterInfo.availablePrinterNames())


class ThisDeskPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setSpacing(12)
        outer.addWidget(FormScroll(body))

        intro = QLabel(_("These settings belong to this computer only: each desk has its own printer, "
                         "cash drawer and customer display. They are kept in {path}.").format(path=desk_file()))
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        top = QHBoxLayout()  # the actions first: at 1366 x 768 nothing to scroll for
        top.addStretch(1)
        self.test_btn = Button(_("Test print"), "printer", "secondary")
        self.test_btn.clicked.connect(self._test_print)
        self.kick_btn = Button(_("Open the drawer"), "cash", "secondary")
        self.kick_btn.clicked.connect(self._test_drawer)
        self.save_btn = Button(_("Save for this desk"), "check", "primary")
        self.save_btn.clicked.connect(self._save)
        for b in (self.test_btn, self.kick_btn, self.save_btn):
            top.addWidget(b)
        lay.addLayout(top)
        cards = QHBoxLayout()  # the printer on the left; the drawer and the display stacked on the right
        cards.setSpacing(12)
        right = QVBoxLayout()
        right.setSpacing(12)

        card = Card(_("Receipt printer"))
        self.kind_none = QRadioButton(_("None: receipts are previewed and printed by hand"))
        self.kind_system = QRadioButton(_("A printer of this computer"))
        self.kind_escpos = QRadioButton(_("A thermal receipt printer (ESC/POS)"))
        self.kinds = QButtonGroup(self)
        for i, radio in enumerate((self.kind_none, self.kind_system, self.kind_escpos)):
            self.kinds.addButton(radio, i)
            card.body.addWidget(radio)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.system_name = QComboBox()
        self.system_name.addItem(_("The default printer"), "")
        for name in system_printer_names():
            self.system_name.addItem(name, name)
        form.addRow(_("Printer"), self.system_name)
        self.address = QLineEdit()
        self.address.setPlaceholderText("tcp://192.168.1.50:9100 · usb:0x0416:0x5011 · serial:COM3 · cups:Receipts")
        form.addRow(_("Printer address"), self.address)
        self.profile = QComboBox()
        for name in profiles():  # python-escpos's model names; its "default" in the screen's words
            self.profile.addItem(_("Generic ESC/POS printer") if name == "default" else name, name)
        form.addRow(_("Printer model (code pages)"), self.profile)
        self.paper = QComboBox()
        for key, label in PAPER_LABELS.items():
            self.paper.addItem(label, key)
        form.addRow(_("Paper"), self.paper)
        card.body.addLayout(form)
        self.sheets = QComboBox()
        self.sheets.addItem(_("The receipt's printer (a printer of this computer)"), "")
        self.sheets.addItem(_("The default printer"), "system:")
        for name in system_printer_names():
            self.sheets.addItem(name, "system:" + name)
        form.addRow(_("Care sheets (A4)"), self.sheets)
        self.auto_print = QCheckBox(_("Print the receipt by itself after each payment"))
        self.auto_care = QCheckBox(_("and the care-advice sheet, when the visit has advice"))
        card.body.addWidget(self.auto_print)
        card.body.addWidget(self.auto_care)
        cards.addWidget(card, 3)

        drawer = Card(_("Cash drawer"))
        self.drawer = QCheckBox(_("Open it on cash payments"))
        note = QLabel(_("A cash drawer plugged into the ESC/POS receipt printer opens through it."))
        note.setObjectName("muted")
        note.setWordWrap(True)
        drawer.body.addWidget(note)
        drawer.body.addWidget(self.drawer)
        drow = QHBoxLayout()
        drow.addWidget(QLabel(_("Drawer connector")))
        self.pin = QComboBox()
        self.pin.addItem(_("Pin 2 (most drawers)"), 2)
        self.pin.addItem(_("Pin 5"), 5)
        drow.addWidget(self.pin)
        drow.addStretch(1)
        drawer.body.addLayout(drow)
        right.addWidget(drawer)

        branch = Card(_("Branch"))
        bnote = QLabel(_("The branch this desk is at: who may sign in here, and what is recorded here "
                         "(visits, sales, bookings, the cash drawer) belongs to it."))
        bnote.setObjectName("muted")
        bnote.setWordWrap(True)
        branch.body.addWidget(bnote)
        self.branch = QComboBox()
        self.branch.setAccessibleName(_("This desk's branch"))
        self.branch.setMinimumHeight(44)
        branch.body.addWidget(self.branch)
        right.addWidget(branch)

        display = Card(_("Customer display"))
        dnote = QLabel(_("A second screen facing the client: the bill as it is built, the estimate, VIP "
                         "progress, the change and a thank-you, in the client's language."))
        dnote.setObjectName("muted")
        dnote.setWordWrap(True)
        display.body.addWidget(dnote)
        self.display_on = QCheckBox(_("Show the customer display"))
        display.body.addWidget(self.display_on)
        srow = QHBoxLayout()
        srow.addWidget(QLabel(_("Screen")))
        self.display_screen = QComboBox()
        for index, label in screen_choices():
            self.display_screen.addItem(label, index)
        srow.addWidget(self.display_screen, 1)
        display.body.addLayout(srow)
        right.addWidget(display)
        right.addStretch(1)
        cards.addLayout(right, 2)
        lay.addLayout(cards)
        from ui.settings.server import ServerCard

        self.server_card = ServerCard(ctx)  # which database this desk opens (ui/settings/server.py)
        lay.addWidget(self.server_card)
        lay.addStretch(1)

        for combo in (self.system_name, self.sheets, self.profile, self.display_screen, self.branch):  # long names never widen the page
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.kinds.idToggled.connect(lambda _i, _on: self._enable())
        self.drawer.toggled.connect(lambda _on: self._enable())
        self.auto_print.toggled.connect(lambda _on: self._enable())
        self.sheets.currentIndexChanged.connect(lambda _i: self._enable())
        self.display_on.toggled.connect(lambda _on: self._enable())
        self.show_settings(ctx.desk)
        self._load_branches()

    def _load_branches(self) -> None:
        branches = self.ctx.services.branches
        self.ctx.runner.run(self, lambda: branches.list(open_only=True), on_done=self._show_branches,
                            on_error=lambda e: show_error(self, e))

    def _show_branches(self, rows: list[BranchView]) -> None:
        self.branch.clear()
        for b in rows:
            self.branch.addItem(f"{b.name} ({b.code})", b.code)
        code = self.ctx.desk.branch
        index = self.branch.findData(code) if code else 0
        if index < 0:  # a branch closed (or renamed) since: the desk works at the first open one
            self.branch.insertItem(0, _("{code} (closed or gone: the first open branch is used)").format(code=code), code)
            index = 0
        self.branch.setCurrentIndex(index)
        self.branch.setEnabled(self.branch.count() > 1)

    def show_settings(self, d: DeskSettings) -> None:
        {"none": self.kind_none, "system": self.kind_system, "escpos": self.kind_escpos}[d.printer_kind].setChecked(True)
        index = self.system_name.findData(d.system_printer)
        if index < 0 and d.system_printer:  # a printer this computer no longer lists: keep it, say so
            self.system_name.addItem(_("{name} (not found now)").format(name=d.system_printer), d.system_printer)
            index = self.system_name.count() - 1
        self.system_name.setCurrentIndex(max(0, index))
        self.address.setText(d.receipt_printer if d.printer_kind == "escpos" else "")
        self.profile.setCurrentIndex(max(0, self.profile.findData(d.escpos_profile)))
        self.paper.setCurrentIndex(max(0, self.paper.findData(d.paper)))
        self.auto_print.setChecked(d.auto_print)
        self.auto_care.setChecked(d.auto_care_sheet)
        index = self.sheets.findData(d.sheet_printer)
        if index < 0:
            self.sheets.addItem(_("{name} (not found now)").format(name=d.sheet_printer[len("system:"):]),
                                d.sheet_printer)
            index = self.sheets.count() - 1
        self.sheets.setCurrentIndex(index)
        self.drawer.setChecked(d.cash_drawer)
        self.pin.setCurrentIndex(max(0, self.pin.findData(d.drawer_pin)))
        self.display_on.setChecked(d.customer_display)
        index = self.display_screen.findData(d.display_screen)
        if index < 0:  # a screen not connected now: keep the choice, say so
            self.display_screen.addItem(_("Screen {n} (not connected now)").format(n=d.display_screen + 1), d.display_screen)
            index = self.display_screen.count() - 1
        self.display_screen.setCurrentIndex(index)
        self._enable()

    def chosen(self) -> DeskSettings:
        if self.kind_system.isChecked():
            printer = "system:" + str(self.system_name.currentData() or "")
        elif self.kind_escpos.isChecked():
            printer = self.address.text().strip()
        else:
            printer = ""
        escpos = self.kind_escpos.isChecked()
        return replace(
            self.ctx.desk,
            receipt_printer=printer,
            paper=str(self.paper.currentData()),
            escpos_profile=str(self.profile.currentData()),
            sheet_printer=str(self.sheets.currentData() or ""),
            auto_print=self.auto_print.isChecked() and bool(printer),
            auto_care_sheet=self.auto_care.isChecked() and self.auto_print.isChecked() and bool(printer),
            cash_drawer=self.drawer.isChecked() and escpos,
            drawer_pin=int(self.pin.currentData()),
            customer_display=self.display_on.isChecked(),
            display_screen=int(self.display_screen.currentData()),
            branch=str(self.branch.currentData() or self.ctx.desk.branch),
        )

    def _enable(self) -> None:
        system, escpos = self.kind_system.isChecked(), self.kind_escpos.isChecked()
        self.system_name.setEnabled(system)
        self.address.setEnabled(escpos)
        self.profile.setEnabled(escpos)
        self.sheets.setItemText(0, _("The receipt's printer (a printer of this computer)") if not escpos
                                else _("None: a thermal roll cannot print A4 sheets"))
        self.auto_print.setEnabled(system or escpos)
        sheet_target = bool(self.sheets.currentData()) or system
        self.auto_care.setEnabled((system or escpos) and self.auto_print.isChecked() and sheet_target)
        self.drawer.setEnabled(escpos)
        self.pin.setEnabled(escpos and self.drawer.isChecked())
        self.test_btn.setEnabled(escpos)
        self.kick_btn.setEnabled(escpos and self.drawer.isChecked())
        self.display_screen.setEnabled(self.display_on.isChecked())

    def _checked(self) -> DeskSettings | None:
        try:
            return check(self.chosen())
        except ValueError as exc:  # said in words by desk_app.desk: shown as it is
            mark_invalid(self.address, "printer" in str(exc) and self.kind_escpos.isChecked())
            show_error(self, str(exc))
            return None

    def _save(self) -> None:
        desk = self._checked()
        if desk is None:
            return

        moved = desk.branch != (self.ctx.desk.branch or str(self.branch.itemData(0) or ""))

        def saved(d: DeskSettings) -> None:
            self.ctx.desk = d
            self.ctx.signals.desk_changed.emit()  # the main window puts the customer display on or off
            screens = len(QGuiApplication.screens())
            if d.customer_display and d.display_screen >= screens:
                show_info(self, _("Saved for this desk. The customer display will show on screen {n} once it is "
                                  "connected: this computer has {count} screen(s) now.").format(
                    n=d.display_screen + 1, count=screens))
                return
            if moved:
                show_info(self, _("Saved for this desk. It works at {branch} from the next sign-in.").format(
                    branch=self.branch.currentText()))
                return
            show_info(self, _("Saved for this desk."))

        self.ctx.runner.run(self, lambda: save_desk(desk), on_done=saved, on_error=lambda e: show_error(self, e))

    def _test_print(self) -> None:
        desk = self._checked()
        if desk is None:
            return
        self.ctx.runner.run(self, lambda: test_print(desk, self.ctx.shop.name),
                            on_done=lambda _r: show_info(self, _("Sent a test page to the receipt printer.")),
                            on_error=lambda e: show_error(self, hardware_problem(e, desk.receipt_printer)))

    def _test_drawer(self) -> None:
        desk = self._checked()
        if desk is None:
            return
        ctx = self.ctx
        self.ctx.runner.run(self, lambda: kick_drawer(ctx, desk, "test"),
                            on_done=lambda _r: show_info(self, _("The drawer was told to open.")),
                            on_error=lambda e: show_error(self, hardware_problem(e, desk.receipt_printer)))
