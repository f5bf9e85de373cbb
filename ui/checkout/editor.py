"""The itemised bill at the counter: search/scan, lines with their fee composition,
discounts, tips, top-ups, packages, add-on chips, the over-estimate warning and totals.

Every edit goes through ``CheckoutService`` (no write, but most edits read the
catalog) on the task runner, one after the other, each on the bill the previous
one left; the result replaces the shown ``Bill`` and ``changed`` tells the payment
box. The product search runs ~200 ms after typing pauses; the add-on chips and the
selected line's package options load on the runner too (the GUI thread never
waits on the database).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import Bill, DraftLine
from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.service import ApprovalNeeded
from desk_app.checkout.views import AddOn, PackageOption, ProductHit, RewardOption
from desk_app.domain.money import parse_amount
from desk_app.i18n import _, format_date, format_number, local, ngettext
from desk_app.trust.pins import Approval, PinRefused
from ui.checkout.flow import FlowLayout
from ui.checkout.marks import PACKAGE, REWARD, free_mark
from ui.context import UiContext
from ui.runner import Latest, debounce_timer
from ui.shared.widgets import Button, StatusChip, ask_pin, ask_pin_again, ask_reason, show_error

ADDON_NAME_MAX_PX = 260

_Edit = tuple[Callable[[Bill], Bill], Callable[[], None] | None, Callable[[Exception], None] | None]


def header_actions(header: QWidget) -> QHBoxLayout:
    """PageHeader's ``actions`` layout (its name hides QWidget.actions() from the type checker)."""
    lay = header.__dict__.get("actions") or vars(header).get("actions")
    assert isinstance(lay, QHBoxLayout)
    return lay


def ask_discount(parent: QWidget, title: str, base_minor: int, currency: str) -> int | None:
    """A discount typed as an amount ("20") or a percent of ``base_minor`` ("10%"); None when cancelled."""
    from decimal import Decimal, InvalidOperation

    from desk_app.domain.pricing import half_up

    text = ""
    while True:
        text, ok = QInputDialog.getText(
            parent, title, _("Discount: an amount (20) or a percent (10%)"), QLineEdit.EchoMode.Normal, text
        )
        if not ok:
            return None
        t = text.strip().replace("％", "%")
        try:
            if t.endswith("%"):
                pct = Decimal(t[:-1].strip())
                if not 0 <= pct <= 100:
                    raise ValueError
                return half_up(Decimal(base_minor) * pct / 100)
            return parse_amount(t, currency).minor
        except (ValueError, InvalidOperation):
            show_error(parent, _("Type an amount such as 20 or a percent such as 10%."))


def ask_amount(parent: QWidget, title: str, prompt: str, currency: str, initial: str = "") -> int | None:
    """Ask for an amount of money; None when cancelled. Says what is wrong and asks again."""
    text = initial
    while True:
        text, ok = QInputDialog.getText(parent, title, prompt, QLineEdit.EchoMode.Normal, text)
        if not ok:
            return None
        try:
            return parse_amount(text, currency).minor
        except ValueError:
            show_error(parent, _("Type an amount such as 12.50."))


class BillEditor(QWidget):
    changed = Signal(object)  # the new Bill

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.co = ctx.services.checkout
        self.bill: Bill | None = None
        self._edits: deque[_Edit] = deque()  # waiting their turn: each runs on the previous one's bill
        self._editing = False
        self._approving = False  # the owner's PIN is being checked: an edit is about to come
        self._idle_calls: list[Callable[[], None]] = []
        self._bill_gen = 0  # set_bill replaces the bill: edits still running for the old one are dropped
        self._products = Latest()
        self._product_typing = debounce_timer(self, self._search_products)
        self._enter_when_answered = False
        self._addons = Latest()
        self._pkg_latest = Latest()
        self._reward_latest = Latest()
        self._pkg_options: tuple[Bill, list[PackageOption]] | None = None  # for the shown bill
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)

        top = QHBoxLayout()
        self.client_label = QLabel()
        self.client_label.setObjectName("sectionTitle")
        self.member_chip = StatusChip("", "neutral")
        top.addWidget(self.client_label)
        top.addWidget(self.member_chip)
        top.addStretch(1)
        self.history_btn = Button(_("Prepaid history"), "wallet", "ghost")
        self.history_btn.clicked.connect(self._history)
        top.addWidget(self.history_btn)
        lay.addLayout(top)

        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setMinimumHeight(44)
        self.search.setPlaceholderText(_("Scan a barcode or type a product name or SKU, then Enter"))
        self.search.returnPressed.connect(self._search_enter)
        self.search.textChanged.connect(self._search_changed)
        lay.addWidget(self.search)
        # the matches open over the bill under the search line, not in the flow: the bill's lines
        # and buttons below stay where the pointer left them (the list once pushed them down)
        self.results = QListWidget(self)
        self.results.setObjectName("productMatches")
        self.results.setVisible(False)
        self.results.itemActivated.connect(self._add_result)
        self.results.itemClicked.connect(self._add_result)
        self.search.installEventFilter(self)  # Down from the search line into the matches

        self.addons_row = QHBoxLayout()
        self.addons_label = QLabel(_("Add-ons:"))
        self.addons_label.setObjectName("muted")
        self.addons_label.setMinimumHeight(44)
        self.addons_row.addWidget(self.addons_label, 0, Qt.AlignmentFlag.AlignTop)
        self.addons_area = QWidget()
        self.addons_box = FlowLayout(self.addons_area)  # chips wrap onto a new row, never cut
        self.addons_row.addWidget(self.addons_area, 1)
        lay.addLayout(self.addons_row)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Item"), _("Stylist"), _("Qty"), _("Amount")])
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the bill for its buttons and the payment box
        self.table.setMinimumHeight(150)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        lay.addWidget(self.table, 1)

        acts = QHBoxLayout()
        self.minus_btn = Button("−", kind="secondary")
        self.plus_btn = Button("+", kind="secondary")
        self.disc_btn = Button(_("Discount…"), "tag", "secondary")
        self.pkg_btn = Button(_("Use package"), "gift", "secondary")
        # a reward for the client's loyalty points makes the chosen line free (docs/loyalty.md)
        self.reward_btn = Button(_("Reward"), "star", "secondary")
        self.reward_btn.setObjectName("rewardButton")
        self.reward_btn.setVisible(False)
        self.reward_btn.clicked.connect(self._use_reward)
        self.remove_btn = Button(_("Remove"), "trash", "ghost")
        for b in (self.minus_btn, self.plus_btn):
            b.setFixedWidth(48)
        self.minus_btn.clicked.connect(lambda: self._qty(-1))
        self.plus_btn.clicked.connect(lambda: self._qty(1))
        self.disc_btn.clicked.connect(self._line_discount)
        self.pkg_btn.clicked.connect(self._use_package)
        self.remove_btn.clicked.connect(self._remove)
        for b in (self.minus_btn, self.plus_btn, self.disc_btn, self.pkg_btn, self.reward_btn, self.remove_btn):
            acts.addWidget(b)
        acts.addStretch(1)
        lay.addLayout(acts)
        self.tip_btn = Button(_("Tip…"), "heart", "secondary")
        self.topup_btn = Button(_("Top-up…"), "wallet", "secondary")
        self.package_btn = Button(_("Package…"), "gift", "secondary")
        self.package_btn.clicked.connect(self._sell_package)
        self.voucher_btn = Button(_("Gift voucher…"), "tag", "secondary")
        self.voucher_btn.setToolTip(_("Sell a gift voucher: it gets its own code, printed on the receipt"))
        self.voucher_btn.clicked.connect(self._sell_voucher)
        self.counter_btn = Button(_("Other item…"), "plus", "secondary")
        self.bill_disc_btn = Button(_("Bill discount…"), "tag", "secondary")
        self.tip_btn.clicked.connect(self._tip)
        self.topup_btn.clicked.connect(self._topup)
        self.counter_btn.clicked.connect(self._counter_item)
        self.bill_disc_btn.clicked.connect(self._bill_discount)
        bill_acts = QWidget()
        flow = FlowLayout(bill_acts)  # the bill's buttons wrap onto a second row when narrow, never cut
        for b in (self.tip_btn, self.topup_btn, self.package_btn, self.voucher_btn, self.counter_btn,
                  self.bill_disc_btn):
            flow.addWidget(b)
        lay.addWidget(bill_acts)

        self.composition = QLabel()
        self.composition.setObjectName("muted")
        self.composition.setWordWrap(True)
        self.composition.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.composition)

        self.estimate_box = QFrame()
        self.estimate_box.setObjectName("warnBanner")
        eb = QHBoxLayout(self.estimate_box)
        self.estimate_text = QLabel()
        self.estimate_text.setWordWrap(True)
        self.estimate_text.setObjectName("warningText")
        self.agree_btn = Button(_("Client agrees…"), "check", "primary")
        self.agree_btn.clicked.connect(self._agree)
        eb.addWidget(self.estimate_text, 1)
        eb.addWidget(self.agree_btn)
        lay.addWidget(self.estimate_box)

        # a voucher or discount promised on a complaint, owed to this client (issue 15)
        self.credit_box = QFrame()
        self.credit_box.setObjectName("infoBanner")
        cb_row = QHBoxLayout(self.credit_box)
        self.credit_text = QLabel()
        self.credit_text.setWordWrap(True)
        self.credit_btn = Button(_("Use it"), "gift", "primary")
        self.credit_btn.clicked.connect(self._toggle_credit)
        cb_row.addWidget(self.credit_text, 1)
        cb_row.addWidget(self.credit_btn)
        self.credit_box.setVisible(False)
        lay.insertWidget(1, self.credit_box)  # under the client's name: seen before anything is scanned

        self.vip_talk = QLabel()  # "X more today makes the client a VIP" (the source's retail step 5)
        self.vip_talk.setObjectName("infoBanner")
        self.vip_talk.setWordWrap(True)
        self.vip_talk.setMargin(8)
        self.vip_talk.setVisible(False)
        lay.addWidget(self.vip_talk)

        self.member_note = QLabel()  # placed by the flow, beside the payment
        self.member_note.setObjectName("infoBanner")
        self.member_note.setWordWrap(True)
        self.member_note.setMargin(8)

        self.totals_widget = QWidget()  # placed by the flow (beside the payment)
        totals = QGridLayout(self.totals_widget)
        totals.setContentsMargins(0, 0, 0, 0)
        self._totals: dict[str, tuple[QLabel, QLabel]] = {}
        for i, (key, label) in enumerate(
            (
                ("subtotal", _("Subtotal")),
                ("discount", _("Discounts")),
                ("tax", _("Tax")),
                ("tip", _("Tips")),
                ("rounding", _("Rounding")),
                ("total", _("Total")),
            )
        ):
            name_lbl, value_lbl = QLabel(label), QLabel()
            value_lbl.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if key == "total":
                name_lbl.setObjectName("total")
                value_lbl.setObjectName("total")
            totals.addWidget(name_lbl, i, 0)
            totals.addWidget(value_lbl, i, 1)
            self._totals[key] = (name_lbl, value_lbl)
        self._selection_changed()

    # ---------------------------------------------------------------- state
    def set_bill(self, bill: Bill) -> None:
        self._bill_gen += 1
        self._edits.clear()
        self._editing = False
        self._idle_calls.clear()  # asked for the bill being replaced (a pay): not for this one
        self.bill = bill
        self._render()
        self._load_addons()

    def clear_bill(self) -> None:
        """No bill (another visit's is being read): nothing of the last client stays on screen,
        and edits still running for the old bill are dropped."""
        self._bill_gen += 1
        self._edits.clear()
        self._editing = False
        self._idle_calls.clear()
        self.bill = None
        self._pkg_options = None
        self.client_label.setText(_("Reading the bill…"))
        self.member_chip.setVisible(False)
        self.table.setRowCount(0)
        self.composition.setText("")
        self.search.clear()
        for _name, b in self._totals.values():
            b.setText("")
        self.estimate_box.setVisible(False)
        self._selection_changed()

    def busy(self) -> bool:
        """An edit is running or waiting: ``bill`` is about to change."""
        return self._editing or self._approving or bool(self._edits)

    def when_idle(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once every edit asked for so far has been applied (at once when idle);
        asked twice meanwhile, it is called once."""
        if self.busy():
            if fn not in self._idle_calls:
                self._idle_calls.append(fn)
        else:
            fn()

    def _apply(
        self,
        fn: Callable[[Bill], Bill],
        then: Callable[[], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Queue an edit of the bill; ``then`` runs once it is applied, ``on_error`` (default: a
        message) when it failed."""
        if self.bill is None:
            return
        self._edits.append((fn, then, on_error))
        if not self._editing:
            self._next_edit()

    def _next_edit(self) -> None:
        if not self._edits or self.bill is None:
            self._edits.clear()
            self._editing = False
            self._run_idle_calls()
            return
        edit = self._edits.popleft()
        fn = edit[0]
        self._editing = True
        base, gen = self.bill, self._bill_gen
        self.ctx.runner.run(
            self,
            lambda: fn(base),
            on_done=lambda new: self._edited(gen, base, new, edit),
            on_error=lambda exc: self._edit_failed(gen, exc, edit),
        )

    def _edited(self, gen: int, base: Bill, new: Bill, edit: _Edit) -> None:
        if gen != self._bill_gen:
            return  # the bill was replaced meanwhile (set_bill)
        if self.bill is not base:  # changed from outside while the edit ran: redo it on the new bill
            self._edits.appendleft(edit)
            self._next_edit()
            return
        if new is not base:
            keep = self.selected_key()
            self.bill = new
            self._render(keep)
            self.changed.emit(new)
        then = edit[1]
        if then is not None:
            then()
        self._next_edit()

    def _edit_failed(self, gen: int, exc: Exception, edit: _Edit) -> None:
        if gen != self._bill_gen:
            return
        handler = edit[2]
        if handler is not None:
            handler(exc)
        else:
            show_error(self, exc)
        self._next_edit()

    def _run_idle_calls(self) -> None:
        if self.busy():
            return
        calls, self._idle_calls = self._idle_calls, []
        for fn in calls:
            fn()

    def selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.bill is None:
            return None
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _render(self, keep: str | None = None) -> None:
        bill = self.bill
        if bill is None:
            return
        cur = bill.currency
        if bill.client_id:
            self.client_label.setText(
                _("Client: {name} ({no})").format(name=bill.client_name, no=bill.client_number)
            )
            if bill.ctx.is_member:
                self.member_chip.set_status(_("VIP member"), "ok")
            else:
                self.member_chip.set_status(_("Not a member"), "neutral")
            self.member_chip.setVisible(True)
        else:
            self.client_label.setText(_("Walk-in sale (no client)"))
            self.member_chip.setVisible(False)
        self.table.setRowCount(len(bill.views))
        for r, (ln, v) in enumerate(zip(bill.lines, bill.views, strict=True)):
            mark = free_mark(REWARD if ln.reward_id is not None else PACKAGE if ln.redeemed else "")
            name = v.name + (" " + mark if mark else "")
            cells = [name, v.staff_name, str(v.quantity), fmt_money(v.line_total_minor, cur)]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if c == 0:
                    it.setData(Qt.ItemDataRole.UserRole, ln.key)
                    it.setToolTip(v.explanation)
                if c >= 2:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
            if keep == ln.key:
                self.table.selectRow(r)
        self.composition.setText(
            "\n".join(f"{v.name}: {v.explanation}" for v in bill.views)
            or _("Add a product: scan it or type its name above. Services come from the visit, logged by the stylist.")
        )
        p = bill.p
        vals = {
            "subtotal": p.subtotal_minor,
            "discount": -(p.discount_minor + p.member_discount_minor),
            "tax": p.tax_minor,
            "tip": p.tip_minor,
            "rounding": p.rounding_minor,
            "total": p.total_minor,
        }
        for key, (a, b) in self._totals.items():
            b.setText(fmt_money(vals[key], cur))
            show = key in ("subtotal", "total") or vals[key] != 0
            a.setVisible(show)
            b.setVisible(show)
        if p.tax_minor and p.prices_include_tax:
            self._totals["tax"][0].setText(_("Tax included"))
        over = bill.over_estimate_minor
        self.estimate_box.setVisible(over > 0)
        if over > 0:
            reasons = self.co.estimate_reasons(bill)
            head = _("The bill is {amount} more than the estimate the client confirmed ({est}).").format(
                amount=fmt_money(over, cur), est=fmt_money(bill.ctx.estimate_minor or 0, cur)
            )
            tail = (
                _("Agreed by the client: {note}").format(note=bill.over_estimate_note or "✓")
                if bill.over_estimate_agreed
                else _("Explain why and ask the client to agree before payment.")
            )
            self.estimate_text.setText("\n".join([head, *["• " + r for r in reasons], tail]))
            self.agree_btn.setVisible(not bill.over_estimate_agreed)
        dec = bill.vip_decision
        gap = bill.vip_gap_minor
        self.member_note.setVisible(dec.becomes_member)
        if dec.becomes_member:
            self.member_note.setText(
                "★ "
                + _("This purchase makes the client a VIP member: {pct}% off from the next visit.").format(
                    pct=bill.ctx.vip_rule.discount_percent.normalize()
                )
            )
        self._show_credit(bill)
        self.vip_talk.setVisible(bool(gap))
        if gap:  # the sales talk: for the staff to say, if it fits (in the bill, never over Pay)
            self.vip_talk.setText(
                "☆ "
                + _(
                    "{amount} more at full price today and the client becomes a VIP member "
                    "({pct}% off from the next visit)."
                ).format(amount=fmt_money(gap, cur), pct=bill.ctx.vip_rule.discount_percent.normalize())
            )
        self.topup_btn.setEnabled(bill.client_id is not None)
        self.history_btn.setVisible(bill.client_id is not None)
        self.package_btn.setEnabled(bill.client_id is not None)
        self._selection_changed()

    def _selection_changed(self) -> None:
        key = self.selected_key()
        ln = self.bill.line(key) if (key and self.bill) else None
        has = ln is not None
        qty_ok = has and ln is not None and ln.kind in ("service", "product", "gift_voucher")
        for b in (self.minus_btn, self.plus_btn):
            b.setEnabled(bool(qty_ok))
        self.disc_btn.setEnabled(
            bool(has and ln is not None and ln.kind in ("service", "product", "package") and not ln.redeemed)
        )
        self.remove_btn.setEnabled(has)
        self.pkg_btn.setText(_("Pay normally") if ln and ln.redeemed else _("Use package"))
        self._load_reward(key, ln)
        bill = self.bill
        if ln is not None and ln.reward_id is not None:
            self._pkg_latest.cancel()
            self.pkg_btn.setVisible(False)  # the reward button says "Pay with money"
            return
        if ln is None or bill is None or ln.redeemed or ln.kind != "service" or bill.client_id is None:
            self._pkg_latest.cancel()
            self.pkg_btn.setVisible(bool(ln and ln.redeemed))
            return
        if self._pkg_options is not None and self._pkg_options[0] is bill:  # known for this bill
            self._show_pkg_button(key, self._pkg_options[1])
            return
        self.pkg_btn.setVisible(False)  # until the client's packages are known
        seq = self._pkg_latest.next()
        co = self.co

        def loaded(opts: list[PackageOption]) -> None:
            self._pkg_options = (bill, opts)
            if self.bill is bill:
                self._show_pkg_button(self.selected_key(), opts)

        self.ctx.runner.run(
            self,
            lambda: co.package_options(bill),
            on_done=self._pkg_latest.guard(seq, loaded),
            on_error=self._pkg_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _load_reward(self, key: str | None, ln: DraftLine | None) -> None:
        """Show the reward button for the chosen line when the catalogue has a reward for it: what it
        takes, and whether the client's points are enough (read on the runner)."""
        bill = self.bill
        if ln is not None and ln.reward_id is not None:
            self._reward_latest.cancel()
            self.reward_btn.setText(_("Pay with money"))
            self.reward_btn.setToolTip(_("Take the reward off: the line is paid with money again and the points stay"))
            self.reward_btn.setEnabled(True)
            self.reward_btn.setVisible(True)
            return
        self.reward_btn.setVisible(False)
        if (key is None or ln is None or bill is None or bill.client_id is None or ln.redeemed
                or ln.kind not in ("service", "product")):
            self._reward_latest.cancel()
            return
        seq = self._reward_latest.next()
        co = self.co

        def loaded(opt: RewardOption | None) -> None:
            if self.bill is not bill or self.selected_key() != key or opt is None:
                return
            self.reward_btn.setText(ngettext("Reward: {points} point", "Reward: {points} points", opt.points)
                                    .format(points=format_number(opt.points)))
            self.reward_btn.setEnabled(opt.enough)
            self.reward_btn.setToolTip(
                _("Free for the client's points: {points} of their {held} are taken").format(
                    points=format_number(opt.points), held=format_number(max(opt.available, 0)))
                if opt.enough else
                _("The client has {held} points to use; this reward takes {points}").format(
                    points=format_number(opt.points), held=format_number(max(opt.available, 0))))
            self.reward_btn.setVisible(True)

        self.ctx.runner.run(
            self,
            lambda: co.reward_option(bill, key),
            on_done=self._reward_latest.guard(seq, loaded),
            on_error=self._reward_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _use_reward(self) -> None:
        key = self.selected_key()
        if not key or self.bill is None:
            return
        taking = self.bill.line(key).reward_id is None
        co = self.co
        self._apply(lambda b: co.use_reward(b, key, taking))

    def _show_pkg_button(self, key: str | None, opts: list[PackageOption]) -> None:
        ln = self.bill.line(key) if (key and self.bill) else None
        self.pkg_btn.setVisible(bool(ln and (ln.redeemed or any(o.line_key == key for o in opts))))

    def _load_addons(self) -> None:
        bill = self.bill
        seq = self._addons.next()
        if bill is None:
            self._show_addons([])
            return
        co = self.co
        self.ctx.runner.run(
            self,
            lambda: co.addon_offers(bill),
            on_done=self._addons.guard(seq, self._show_addons),
            on_error=self._addons.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _show_addons(self, offers: list[AddOn]) -> None:
        while self.addons_box.count():
            item = self.addons_box.takeAt(0)
            w = item.widget() if item else None
            if w is not None:
                w.hide()
                w.setParent(None)
                w.deleteLater()
        cur = self.bill.currency if self.bill else "CNY"
        for o in offers[:2]:  # two keep the bill table tall enough at 1366x768
            chip = Button("", kind="ghost")
            # only a very long name is shortened (by width, never mid-price); the tooltip has it in full
            name = chip.fontMetrics().elidedText(o.name, Qt.TextElideMode.ElideRight, ADDON_NAME_MAX_PX)
            chip.setText(f"+ {name}  {fmt_money(o.price_minor, cur)}")
            chip.setToolTip(f"{o.name} · {fmt_money(o.price_minor, cur)}\n{o.why}")
            chip.clicked.connect(lambda _c=False, pid=o.product_id, b=chip: self._add_addon(pid, b))
            self.addons_box.addWidget(chip)
        self.addons_label.setVisible(bool(offers))
        self.addons_area.setVisible(bool(offers))

    def _add_addon(self, product_id: int, chip: QWidget) -> None:
        def hide_chip() -> None:
            if shiboken6.isValid(chip):
                chip.setVisible(False)

        self._apply(lambda b: self.co.add_product(b, product_id, 1, "addon"), then=hide_chip)

    # ---------------------------------------------------------------- search
    def _search_changed(self, text: str) -> None:
        text = text.strip()
        if len(text) < 2 or text.isdigit():  # nothing to look up (a scanned barcode is added on Enter)
            self._product_typing.stop()
            self._products.cancel()
            self._enter_when_answered = False
            self.results.clear()
            self.results.setVisible(False)
            return
        self._product_typing.start()  # restarted by each keystroke: one search once typing pauses

    def _search_pending(self) -> bool:
        return self._product_typing.isActive() or self._products.pending

    def _search_products(self) -> None:
        self._product_typing.stop()
        text = self.search.text().strip()
        if len(text) < 2 or text.isdigit():
            return
        seq = self._products.next()
        co = self.co
        self.ctx.runner.run(
            self,
            lambda: co.search_products(text, 8),
            on_done=self._products.guard(seq, self._show_products),
            on_error=self._products.guard(seq, self._products_failed),
        )

    def _show_products(self, hits: list[ProductHit]) -> None:
        self.results.clear()
        cur = self.bill.currency if self.bill else "CNY"
        for h in hits:
            it = QListWidgetItem(
                f"{h.name}   {fmt_money(h.price_minor, cur)}   ({h.sku}, "
                + _("{n} in stock").format(n=h.stock_qty)
                + ")"
            )
            it.setData(Qt.ItemDataRole.UserRole, h.id)
            self.results.addItem(it)
        self._place_results()
        self.results.setVisible(self.results.count() > 0)
        if self._enter_when_answered:
            self._enter_when_answered = False
            self._search_enter()

    def _place_results(self) -> None:
        """The matches under the search line, as wide as it, as tall as they are (up to 6 rows)."""
        line = self.search.geometry()
        rows = max(1, min(6, self.results.count()))
        height = rows * max(36, self.results.sizeHintForRow(0)) + 2 * self.results.frameWidth() + 4
        self.results.setGeometry(line.left(), line.bottom() + 4, line.width(), height)
        self.results.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            obj is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.results.isVisible()
        ):
            self.results.setFocus()
            self.results.setCurrentRow(0)
            return True
        return super().eventFilter(obj, event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.results.isVisible():
            self._place_results()

    def _products_failed(self, exc: Exception) -> None:
        self._show_products([])  # Enter then tries the text as a code and says what is wrong

    def _search_enter(self) -> None:
        text = self.search.text().strip()
        if not text:
            return
        if self._search_pending():  # decide on what was typed once its search has answered
            self._enter_when_answered = True
            if self._product_typing.isActive():
                self._search_products()
            return
        if self.results.isVisible() and self.results.count() == 1:
            self._add_result(self.results.item(0))
            return
        if self.results.isVisible() and self.results.count() > 1:
            # several products by that name: into the list, the first chosen; Enter adds it (a walk typed
            # "洗" and was told no product had the code 洗)
            self.results.setCurrentRow(0)
            self.results.setFocus()
            return

        def not_found(exc: Exception) -> None:
            show_error(self, exc)
            self.search.setFocus()
            self.search.selectAll()  # the next scan replaces it, not appends to it

        self._apply(lambda b: self.co.add_by_code(b, text), then=self.search.clear, on_error=not_found)

    def _add_result(self, item: QListWidgetItem) -> None:
        pid = int(item.data(Qt.ItemDataRole.UserRole))

        def added() -> None:
            self.search.clear()
            self.results.setVisible(False)
            self.search.setFocus()

        self._apply(lambda b: self.co.add_product(b, pid), then=added)

    # ---------------------------------------------------------------- line actions
    def _qty(self, delta: int) -> None:
        key = self.selected_key()
        if key and self.bill:
            self._apply(lambda b: self.co.set_quantity(b, key, b.line(key).quantity + delta))

    def _remove(self) -> None:
        key = self.selected_key()
        if key:
            self._apply(lambda b: self.co.remove_line(b, key))

    def _with_approval(self, fn: Callable[[Bill, Approval | None], Bill]) -> None:
        """Run an edit; when it needs the owner's PIN, ask for it and try again with the owner's
        approval (checked by the service; paying checks it once more). A wrong PIN asks again,
        saying why; a paused one says how long to wait."""
        payments = self.ctx.services.payments
        actor = self.ctx.require_actor()
        title = [""]

        def approved(approval: Approval) -> None:
            self._approving = False
            self._apply(lambda b: fn(b, approval))

        def ask(pin: str | None) -> None:
            if not pin:  # cancelled, or OK with nothing typed
                self._run_idle_calls()
                return
            self._approving = True
            self.ctx.runner.run(
                self, lambda: payments.approve_discount(actor, pin), on_done=approved, on_error=not_checked,
                in_order=True,  # a wrong PIN is counted: a write
            )

        def failed(exc: Exception) -> None:
            if not isinstance(exc, ApprovalNeeded):
                show_error(self, exc)
                return
            title[0] = exc.message
            ask(ask_pin(self, exc.message))

        def not_checked(exc: Exception) -> None:
            self._approving = False
            if isinstance(exc, PinRefused):
                ask(ask_pin_again(self, title[0], exc))
                return
            show_error(self, exc)
            self._run_idle_calls()

        self._apply(lambda b: fn(b, None), on_error=failed)

    def _line_discount(self) -> None:
        key = self.selected_key()
        if not key or self.bill is None:
            return
        bill = self.bill
        ln = bill.line(key)
        amount = ask_discount(
            self,
            _("Discount on {name}").format(name=ln.name),
            ln.quantity * ln.unit_price_minor,
            bill.currency,
        )
        if amount is None:
            return
        reason = ask_reason(self, _("Discount"), _("Why is there a discount? It is printed on the receipt."))
        if reason is None:
            return
        actor = self.ctx.require_actor()
        self._with_approval(lambda b, ap: self.co.set_line_discount(actor, b, key, amount, reason, ap))

    def _show_credit(self, bill: Bill) -> None:
        owed = bill.ctx.credits
        self.credit_box.setVisible(bool(owed))
        if not owed:
            return
        cur = bill.currency
        used = bill.credit
        if used is not None:
            self.credit_text.setText(
                "✓ "
                + _("{amount} owed from a complaint ({when}) is taken off this bill.").format(
                    amount=fmt_money(used.amount_minor, cur), when=format_date(local(used.at).date())
                )
            )
            self.credit_btn.setText(_("Keep it for later"))
        else:
            first = owed[0]
            self.credit_text.setText(
                _("Owed to this client from a complaint ({when}): {amount} {kind}.").format(
                    when=format_date(local(first.at).date()),
                    amount=fmt_money(first.amount_minor, cur),
                    kind=_("voucher") if first.kind == "voucher" else _("discount"),
                )
            )
            self.credit_btn.setText(_("Use it"))

    def _toggle_credit(self) -> None:
        if self.bill is None or not self.bill.ctx.credits:
            return
        target = None if self.bill.credit_id is not None else self.bill.ctx.credits[0].id
        self._apply(lambda b: self.co.use_credit(b, target))

    def _bill_discount(self) -> None:
        if self.bill is None:
            return
        bill = self.bill
        base = sum(
            v.gross_minor - v.discount_minor - v.member_discount_minor
            for ln, v in zip(bill.lines, bill.views, strict=True)
            if ln.kind in ("service", "product", "package")
        )
        amount = ask_discount(self, _("Discount on the whole bill"), base, bill.currency)
        if amount is None:
            return
        reason = ask_reason(
            self, _("Bill discount"), _("Why is there a discount? It is printed on the receipt.")
        )
        if reason is None:
            return
        actor = self.ctx.require_actor()
        self._with_approval(lambda b, ap: self.co.set_bill_discount(actor, b, amount, reason, ap))

    def _use_package(self) -> None:
        key = self.selected_key()
        if not key or self.bill is None:
            return
        if self.bill.line(key).redeemed:
            self._apply(lambda b: self.co.use_package(b, key, None))
            return
        co = self.co

        def use(b: Bill) -> Bill:  # on the runner: the client's packages are read there
            opts = [o for o in co.package_options(b) if o.line_key == key]
            return co.use_package(b, key, opts[0].client_package_id) if opts else b

        self._apply(use)

    def _tip(self) -> None:
        if self.bill is None:
            return
        on_bill = {
            ln.staff_id: ln.staff_name for ln in self.bill.lines if ln.staff_id and ln.kind == "service"
        }
        if len(on_bill) > 1:
            self._tip_for(on_bill)
            return
        if on_bill:
            self._tip_amount(next(iter(on_bill)))
            return
        auth = self.ctx.services.auth  # nobody served: anyone who can be tipped (read on the runner)
        self.ctx.runner.run(
            self,
            lambda: {s.id: s.name for s in auth.list_staff() if s.role != "receptionist"},
            on_done=self._tip_for,
            on_error=lambda exc: show_error(self, exc),
        )

    def _tip_for(self, people: dict[int, str]) -> None:
        if self.bill is None:
            return
        names = list(people.values())
        staff_id: int | None
        if not names:
            staff_id = None
        else:
            name, ok = QInputDialog.getItem(self, _("Tip"), _("Who is the tip for?"), names, 0, False)
            if not ok:
                return
            staff_id = next(k for k, v in people.items() if v == name)
        self._tip_amount(staff_id)

    def _tip_amount(self, staff_id: int | None) -> None:
        if self.bill is None:
            return
        amount = ask_amount(self, _("Tip"), _("Tip amount:"), self.bill.currency)
        if amount is None:
            return
        self._apply(lambda b: self.co.add_tip(b, staff_id, amount))

    def _sell_package(self) -> None:
        if self.bill is None:
            return
        self.ctx.runner.run(
            self,
            self.co.packages_for_sale,
            on_done=self._pick_package,
            on_error=lambda e: show_error(self, e),
        )

    def _pick_package(self, pkgs: list[tuple[int, str, int, int]]) -> None:
        if self.bill is None:
            return
        if not pkgs:
            show_error(self, _("No packages are on sale. The owner sets them up in Settings."))
            return
        labels = [f"{name} · {n} × · {fmt_money(price, self.bill.currency)}" for _i, name, n, price in pkgs]
        label, ok = QInputDialog.getItem(self, _("Sell a package"), _("Which package?"), labels, 0, False)
        if ok:
            pid = pkgs[labels.index(label)][0]
            self._apply(lambda b: self.co.add_package(b, pid))

    def _topup(self) -> None:
        if self.bill is None:
            return
        amount = ask_amount(
            self, _("Prepaid top-up"), _("Amount to put on the client's prepaid balance:"), self.bill.currency
        )
        if amount is not None:
            self._apply(lambda b: self.co.add_topup(b, amount))

    def _sell_voucher(self) -> None:
        if self.bill is None:
            return
        amount = ask_amount(
            self, _("Sell a gift voucher"),
            _("What is the voucher worth? (Sell several of one value with + on its line.)"), self.bill.currency,
        )
        if amount is not None:
            self._apply(lambda b: self.co.add_voucher(b, amount))

    def _counter_item(self) -> None:
        if self.bill is None:
            return
        desc, ok = QInputDialog.getText(self, _("Other item"), _("What is it?"))
        if not ok or not desc.strip():
            return
        amount = ask_amount(self, _("Other item"), _("Price:"), self.bill.currency)
        if amount is not None:
            self._apply(lambda b: self.co.add_counter_item(b, desc, amount))

    def _history(self) -> None:
        if self.bill is None or self.bill.client_id is None:
            return
        from ui.checkout.prepaid import PrepaidHistoryDialog

        PrepaidHistoryDialog(self.ctx, self.bill.client_id, self.bill.client_name, self).exec()

    def _agree(self) -> None:
        if self.bill is None:
            return
        note = ask_reason(
            self,
            _("Client agrees to the higher total"),
            _("What did you explain to the client? (kept with the sale)"),
        )
        if note is not None:
            self._apply(lambda b: self.co.agree_over_estimate(b, note))
