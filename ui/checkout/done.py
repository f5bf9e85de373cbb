"""After payment: receipt and care sheet (print / PDF), the client's satisfaction in one tap."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.aftercare.views import FeedbackView
from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.views import PaidSale, SaleView
from desk_app.domain import voucher as gv
from desk_app.i18n import N_, _, format_date, format_number
from desk_app.settings import S
from ui.checkout.hardware import (
    escpos_desk,
    escpos_receipt,
    hardware_problem,
    kick_drawer,
    print_on_system,
    render_pdf,
)
from ui.context import UiContext
from ui.shared.widgets import Button, error_text, show_error, show_info

SCORE_WORDS = {
    1: N_("Very unhappy"),
    2: N_("Unhappy"),
    3: N_("Neutral"),  # not "OK": that msgid is the dialogs' button (确定), it read "确定" here
    4: N_("Happy"),
    5: N_("Very happy"),
}


class DonePage(QWidget):
    finished = Signal(int)  # sale id, after the satisfaction score (or "continue")

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, ask_score: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sale_id = 0
        self.ask_score = ask_score
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        lay.addWidget(self.title)
        self.change = QLabel()
        self.change.setObjectName("bigNumber")
        lay.addWidget(self.change)
        self.note = QLabel()
        self.note.setObjectName("infoBanner")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # a code can be copied
        self.note.setMargin(8)
        row = QHBoxLayout()
        self.print_btn = Button(_("Print receipt"), "printer", "primary")
        self.care_btn = Button(_("Print care sheet"), "heart", "secondary")
        self.save_btn = Button(_("Receipt as PDF"), "download", "secondary")
        self.save_care_btn = Button(_("Care sheet as PDF"), "download", "secondary")
        self.escpos_btn = Button(_("Receipt printer"), "receipt", "secondary")
        self.print_btn.clicked.connect(lambda: self._pdf("receipt", save=False))
        self.care_btn.clicked.connect(lambda: self._pdf("care", save=False))
        self.save_btn.clicked.connect(lambda: self._pdf("receipt", save=True))
        self.save_care_btn.clicked.connect(lambda: self._pdf("care", save=True))
        self.escpos_btn.clicked.connect(lambda: self._escpos())
        for b in (self.print_btn, self.care_btn, self.save_btn, self.save_care_btn, self.escpos_btn):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.score_title = QLabel(_("How happy is the client today? (one tap)"))
        self.score_title.setObjectName("sectionTitle")
        lay.addWidget(self.score_title)
        # said before the tap, not discovered later (docs/product.md §2 step 7)
        self.score_hint = QLabel(_("A score of 1 or 2 opens a complaint for the owner to answer."))
        self.score_hint.setObjectName("muted")
        lay.addWidget(self.score_hint)
        srow = QHBoxLayout()
        self.score_buttons: list[Button] = []
        self._score_enabled = True
        # plain stars and words: the bundled fonts have ★ but not the emoji faces
        for n in range(1, 6):
            word = _(SCORE_WORDS[n])
            b = Button(f"{n}  {'★' * n}\n{word}", kind="secondary")
            b.setObjectName("scoreButton")
            # the app style sheet's min-height wins over setMinimumSize: a big target needs its own rule
            b.setStyleSheet("QPushButton { min-height: 52px; min-width: 104px; font-size: 15px; }")
            b.setShortcut(str(n))
            b.setToolTip(_("{word}: satisfaction {n} of 5 (key {n})").format(word=word, n=n))
            b.setAccessibleName(_("{word}: satisfaction {n} of 5 (key {n})").format(word=word, n=n))
            b.clicked.connect(lambda _c=False, n=n: self._score(n))
            srow.addWidget(b)
            self.score_buttons.append(b)
        srow.addStretch(1)
        lay.addLayout(srow)
        self.continue_btn = Button(_("Continue without a score"), "arrow-right", "ghost")
        self.continue_btn.clicked.connect(lambda: self.finished.emit(self.sale_id))
        lay.addWidget(self.continue_btn, 0, Qt.AlignmentFlag.AlignLeft)
        # the VIP news, the prepaid balance, the printing: below the scores, so that the score
        # buttons stand in one place for every sale (a balance line above them moved them 40 px
        # between two visits, and a tap hit nothing)
        lay.addWidget(self.note)
        lay.addStretch(1)

    def show_sale(self, paid: PaidSale, view: SaleView) -> None:
        self.sale_id = paid.sale_id
        self._enable_scores(True)
        self.ctx.display.paid(paid, view)  # the client's screen: the total, the change, then thanks
        cur = view.currency
        self.title.setText(_("Paid ✓  Receipt {no}").format(no=paid.receipt_no))
        self.change.setText(
            _("Change to give: {amount}").format(amount=fmt_money(paid.change_minor, cur))
            if paid.change_minor
            else _("Total {amount}").format(amount=fmt_money(view.total_minor, cur))
        )
        notes = []
        if paid.member_upgrade:
            notes.append("★ " + _("{name} is now a VIP member.").format(name=view.client_name))
        if view.prepaid_balance_after_minor is not None:
            notes.append(
                _("Prepaid balance now {amount}").format(
                    amount=fmt_money(view.prepaid_balance_after_minor, cur)
                )
            )
        pv = view.points
        if pv is not None and pv.rewarded:
            notes.append(_("Points: {rewarded} for rewards, {paid} paid, {earned} earned; {balance} now").format(
                rewarded=format_number(pv.rewarded), paid=format_number(pv.used - pv.rewarded),
                earned=format_number(pv.earned), balance=format_number(pv.balance_after)))
        elif pv is not None and (pv.earned or pv.used):
            notes.append(_("Points: {used} used, {earned} earned; {balance} now").format(
                used=format_number(pv.used), earned=format_number(pv.earned), balance=format_number(pv.balance_after)))
        for v in view.vouchers_sold:  # the codes, also on the receipt: the voucher is its code
            notes.append(_("Gift voucher {code}: {amount}, valid until {day}").format(
                code=gv.shown(v.code), amount=fmt_money(v.amount_minor, cur),
                day=format_date(v.expires_on) if v.expires_on else _("no end date")))
        for v in view.vouchers_spent:
            notes.append(_("Gift voucher {code}: {amount} left").format(
                code=gv.shown(v.code), amount=fmt_money(v.balance_minor, cur)))
        desk = self.ctx.desk
        if desk.auto_print and desk.printer_kind != "none":  # said, so nobody prints it twice
            notes.append(_("The receipt is printing on this desk's printer."))
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))
        has_visit = view.visit_id is not None
        self.care_btn.setVisible(bool(view.care_services or view.care_products))
        self.save_care_btn.setVisible(bool(view.care_services or view.care_products))
        self.escpos_btn.setVisible(escpos_desk(self.ctx) is not None)
        self._after_payment(view)
        for w in (self.score_title, self.score_hint, *self.score_buttons):
            w.setVisible(self.ask_score and has_visit)
        self.continue_btn.setText(_("Continue without a score") if has_visit else _("Next sale"))
        # Enter prints the receipt, unless it already prints by itself: then it goes on
        (self.continue_btn if desk.auto_print and desk.printer_kind != "none" else self.print_btn).setFocus()

    def _pdf(self, kind: str, save: bool) -> None:
        from ui.shared.print_preview import print_pdf, save_pdf

        def done(res: object) -> None:
            assert isinstance(res, tuple)
            data, name = res
            if save:
                save_pdf(self, data, name)
            else:
                print_pdf(self, data, name)

        ctx, sale_id = self.ctx, self.sale_id  # the worker reads no widget
        self.ctx.runner.run(
            self,
            lambda: render_pdf(ctx, sale_id, kind),
            on_done=done,
            on_error=lambda e: show_error(self, e),
        )

    def _after_payment(self, view: SaleView) -> None:
        """What this desk does by itself once a sale is paid: open the cash drawer for cash, print
        the receipt (and care sheet) with no dialog. Each runs on the runner; a failure is said,
        and the buttons below stay for printing again."""
        ctx, desk, sale_id = self.ctx, self.ctx.desk, view.id
        if desk.cash_drawer and view.kind == "sale" and any(p.method == "cash" for p in view.payments):
            ctx.runner.run(self, lambda: kick_drawer(ctx, desk, "sale", sale_id),
                           on_error=lambda e: show_error(self, _(
                               "The sale is paid. The cash drawer did not open: {problem} Open it with its key, "
                               "or with \"Pop the till open\" on the Cash drawer screen.").format(
                               problem=hardware_problem(e, desk.receipt_printer))))
        if desk.auto_print and desk.printer_kind == "escpos":
            self._escpos(quiet=True)
        if desk.auto_print and desk.printer_kind == "system":
            self._system_print(desk.receipt_printer, "receipt")
        if desk.auto_print and desk.auto_care_sheet and desk.sheet_target and (view.care_services or view.care_products):
            self._system_print(desk.sheet_target, "care")

    def _system_print(self, target: str, kind: str) -> None:
        from ui.shared.print_preview import print_pdf_to

        ctx, sale_id = self.ctx, self.sale_id

        def sent(back: tuple[bytes, str] | None) -> None:
            if back is not None:  # no CUPS here (Windows): Qt prints it, still with no dialog
                print_pdf_to(target[len("system:"):], back[0], back[1])

        self.ctx.runner.run(self, lambda: print_on_system(ctx, target, sale_id, kind), on_done=sent,
                            on_error=lambda e: show_error(self, _(
                                "The sale is paid. It was not printed: {problem} Print it again with the buttons "
                                "here once the printer is back.").format(problem=error_text(e))))

    def _escpos(self, quiet: bool = False) -> None:
        desk = escpos_desk(self.ctx)
        if desk is None:
            return
        ctx, sale_id = self.ctx, self.sale_id  # the worker reads no widget

        def work() -> None:
            escpos_receipt(ctx, desk, ctx.services.payments.get_sale(sale_id))

        def failed(exc: Exception) -> None:
            show_error(self, _("The sale is paid. The receipt was not printed: {problem} Print it again with the "
                               "buttons here once the printer is back.").format(
                problem=hardware_problem(exc, desk.receipt_printer)))

        if quiet:
            self.ctx.runner.run(self, work, on_error=failed)
            return
        self.ctx.runner.run(
            self,
            work,
            on_done=lambda _r: show_info(self, _("Sent to the receipt printer.")),
            on_error=lambda e: show_error(self, e),
        )

    def _score(self, n: int) -> None:
        """Record the score (with feedback and, for a low one, a complaint) off the GUI thread;
        the buttons wait meanwhile so one tap is one score."""
        if not self._score_enabled:
            return
        actor = self.ctx.require_actor()
        aftercare = self.ctx.services.aftercare
        sale_id = self.sale_id
        self._enable_scores(False)

        def failed(exc: Exception) -> None:
            self._enable_scores(True)
            show_error(self, exc)

        def recorded(fb: FeedbackView) -> None:
            if fb.complaint_id is not None:  # the desk is told, in words, what the low score did
                hours = self.ctx.services.settings.get(S.STANDARDS_COMPLAINT_RESPONSE_HOURS)
                show_info(
                    self,
                    _(
                        "Complaint #{n} is open for this visit: the score was {score} of 5. "
                        "It must be answered within {hours} hours (After-care → Complaints)."
                    ).format(n=fb.complaint_id, score=n, hours=hours),
                    _("Complaint opened"),
                )
            self.finished.emit(sale_id)

        self.ctx.runner.run(
            self,
            lambda: aftercare.record_checkout_satisfaction(actor, None, sale_id, n),
            on_done=recorded,
            on_error=failed,
            in_order=True,
        )

    def _enable_scores(self, on: bool) -> None:
        self._score_enabled = on
        for w in (*self.score_buttons, self.continue_btn):
            w.setEnabled(on)
