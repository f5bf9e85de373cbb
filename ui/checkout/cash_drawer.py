"""The cash drawer: open with a float, cash in/out, close with a count, the Z report, past days."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.cash import DrawerView, ZReport
from desk_app.i18n import _, format_date, format_time, local
from ui.checkout.editor import ask_amount, header_actions
from ui.checkout.payment import METHOD_LABELS
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.branch_picker import BranchPicker
from ui.shared.widgets import Button, Card, PageHeader, StatusChip, ask_reason, confirm, show_error

log = logging.getLogger(__name__)


def _table(cols: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(cols))
    t.setHorizontalHeaderLabels(cols)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(36)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    hh = t.horizontalHeader()
    # the description stretches; money and counts take the width they need and never elide
    hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for c in range(1, len(cols)):
        hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        item = t.horizontalHeaderItem(c)
        if item is not None:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    hh.setMinimumSectionSize(56)
    t.setWordWrap(False)
    return t


def _fill(t: QTableWidget, rows: list[list[str]], key: list[int] | None = None) -> None:
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            it = QTableWidgetItem(text)
            if c == 0:
                it.setToolTip(text.strip())
            else:
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if c == 0 and key is not None:
                it.setData(Qt.ItemDataRole.UserRole, key[r])
            t.setItem(r, c, it)


class CashDrawerScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("screenPage")
        self.cur = ctx.shop.currency
        self.shown_z: ZReport | None = None
        self._z_latest = Latest()
        self._state_latest = Latest()
        self._busy = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 16)
        self.header = PageHeader(_("Cash drawer"), _("Open with a float, count at the end of the day."))
        self.open_btn = Button(_("Open drawer…"), "cash", "primary")
        self.in_btn = Button(_("Cash in…"), "plus", "secondary")
        self.out_btn = Button(_("Cash out…"), "arrow-right", "secondary")
        self.close_btn = Button(_("Close the day…"), "lock", "primary")
        self.open_btn.clicked.connect(self.open_drawer)
        self.in_btn.clicked.connect(lambda: self.move_cash("in"))
        self.out_btn.clicked.connect(lambda: self.move_cash("out"))
        self.close_btn.clicked.connect(self.close_day)
        for b in (self.open_btn, self.in_btn, self.out_btn, self.close_btn):
            header_actions(self.header).addWidget(b)
            b.setVisible(False)  # until the drawer's state is read
        # the drawer on this desk's receipt printer (Settings > This desk), opened with no sale: audited
        self.kick_btn = Button(_("Pop the till open"), "cash", "secondary")
        self.kick_btn.setToolTip(_("Opens the cash drawer with no sale; the audit log records who did."))
        self.kick_btn.clicked.connect(self.kick_drawer)
        self.kick_btn.setVisible(ctx.desk.cash_drawer)
        header_actions(self.header).insertWidget(0, self.kick_btn)
        # the owner looks at another branch's drawer (read only: a drawer is counted where it is)
        self.branch = BranchPicker(ctx, self.refresh, with_all=False)
        header_actions(self.header).insertWidget(0, self.branch)
        lay.addWidget(self.header)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.state_card = Card(_("Today"))
        self.state_chip = StatusChip("", "neutral")
        self.state_card.body.addWidget(self.state_chip)
        self.state = _table([_("What"), _("Amount")])
        self.state.setMinimumHeight(260)
        self.state_card.body.addWidget(self.state)
        left.addWidget(self.state_card)
        self.past_card = Card(_("Past days"))
        self.past = _table([_("Day"), _("Expected"), _("Counted"), _("Over / short")])
        self.past.itemSelectionChanged.connect(self._past_selected)
        self.past_card.body.addWidget(self.past)
        left.addWidget(self.past_card, 1)
        body.addLayout(left, 1)

        self.z_card = Card(_("Z report"))
        self.z_title = QLabel()
        self.z_title.setObjectName("muted")
        self.z_card.body.addWidget(self.z_title)
        self.z = _table([_("Item"), _("Count"), _("Amount")])
        self.z_card.body.addWidget(self.z, 1)
        zrow = QHBoxLayout()
        self.z_print = Button(_("Print"), "printer", "secondary")
        self.z_save = Button(_("Save PDF"), "download", "secondary")
        self.z_print.clicked.connect(lambda: self._z_pdf(save=False))
        self.z_save.clicked.connect(lambda: self._z_pdf(save=True))
        zrow.addWidget(self.z_print)
        zrow.addWidget(self.z_save)
        zrow.addStretch(1)
        self.z_card.body.addLayout(zrow)
        body.addWidget(self.z_card, 1)
        lay.addLayout(body, 1)
        ctx.signals.actor_changed.connect(self._apply_actor)  # a bound slot: dropped with the screen
        self._apply_actor()

    def _apply_actor(self) -> None:
        self.branch.load()
        self.refresh()

    def elsewhere(self) -> bool:
        """The owner is looking at another branch's drawer than this desk's (nothing can be done
        to it from here)."""
        actor = self.ctx.actor
        return actor is not None and self.branch.branch_id() != actor.branch_id

    # ----------------------------------------------------------------- data
    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Read today's drawer and the past days on the runner (the newest read wins); ``then``
        runs once they are shown."""
        self.kick_btn.setVisible(self.ctx.desk.cash_drawer and not self.elsewhere())  # the setting may have changed
        branch = self.branch.branch_id() or self.ctx.shop.branch_id  # never "all": a drawer is one branch's
        cash = self.ctx.services.cash
        seq = self._state_latest.next()
        self.ctx.runner.run(
            self,
            lambda: (cash.current(branch), cash.history(branch)),
            on_done=self._state_latest.guard(seq, lambda days: self._show_days(days, then)),
            on_error=self._state_latest.guard(seq, lambda e: show_error(self, e)),
        )

    def _show_days(
        self, days: tuple[DrawerView | None, list[DrawerView]], then: Callable[[], None] | None = None
    ) -> None:
        cur, past = days
        here = not self.elsewhere()
        self.open_btn.setVisible(here and cur is None)
        for b in (self.in_btn, self.out_btn, self.close_btn):
            b.setVisible(here and cur is not None)
        today = local(self.ctx.services.clock()).date()
        closed_today = next((d for d in past if d.closed_at is not None and local(d.closed_at).date() == today), None)
        if cur is None and closed_today is not None and closed_today.closed_at is not None:
            # closed for the day: not "open the drawer with today's float", as if it were morning
            self.state_chip.set_status(
                _("Closed for today at {t} ({who})").format(
                    t=format_time(closed_today.closed_at), who=closed_today.closed_by
                ),
                "ok",
            )
            _fill(self.state, [])
        elif cur is None:
            self.state_chip.set_status(
                _("Closed: open the drawer with today's float") if here else _("Closed: not opened today"), "warn")
            _fill(self.state, [])
        else:
            self.state_chip.set_status(
                _("Open since {t} ({who})").format(t=format_time(cur.opened_at), who=cur.opened_by), "ok"
            )
            self._show_state(cur)
        _fill(
            self.past,
            [
                [
                    format_date(d.business_date) + ("" if d.closed_at else " · " + _("open")),
                    fmt_money(d.expected_minor, self.cur),
                    fmt_money(d.counted_minor, self.cur) if d.counted_minor is not None else "—",
                    self._over_short(d),
                ]
                for d in past
            ],
            [d.id for d in past],
        )
        if past:
            # the day shown stays shown, and its Z report is read again: the same row selected again
            # is no selection change, so a cash move left "Expected cash" as it was before it
            keep = self.shown_z.drawer.id if self.shown_z is not None else None
            row = next((i for i, d in enumerate(past) if d.id == keep), 0)
            blocked = self.past.blockSignals(True)  # one read of the Z report, here, not a second one
            try:  # from the selection's own handler
                self.past.selectRow(row)
            finally:
                self.past.blockSignals(blocked)
            self.show_z(past[row].id)
        else:
            self.z_title.setText(_("No days yet. Open the drawer to start the first one."))
        if then is not None:
            then()

    def _over_short(self, d: DrawerView) -> str:
        if d.over_short_minor is None:
            return "—"
        if d.over_short_minor == 0:
            return "✓ " + _("balanced")
        word = _("over") if d.over_short_minor > 0 else _("short")
        return f"{fmt_money(d.over_short_minor, self.cur)} {word}"

    def _show_state(self, d: DrawerView) -> None:
        m = self.cur
        _fill(
            self.state,
            [
                [_("Float"), fmt_money(d.float_minor, m)],
                [_("Cash from sales (net of refunds)"), fmt_money(d.cash_sales_minor, m)],
                [_("Cash in"), fmt_money(d.cash_in_minor, m)],
                [_("Cash out"), fmt_money(-d.cash_out_minor, m)],
                [_("Expected in the drawer"), fmt_money(d.expected_minor, m)],
            ]
            + [
                [
                    f"{format_time(x.at)} {x.reason}",
                    fmt_money(x.amount_minor if x.kind == "in" else -x.amount_minor, m),
                ]
                for x in d.moves
            ],
        )

    def _past_selected(self) -> None:
        rows = self.past.selectionModel().selectedRows()
        if not rows:
            return
        it = self.past.item(rows[0].row(), 0)
        if it is None:
            return
        self.show_z(int(it.data(Qt.ItemDataRole.UserRole)))

    def show_z(self, session_id: int) -> None:
        """Load the day's Z report on the runner (a selection change: the newest one wins)."""
        seq = self._z_latest.next()
        cash = self.ctx.services.cash
        self.ctx.runner.run(
            self,
            lambda: cash.z_report(session_id),
            on_done=self._z_latest.guard(seq, self._show_z),
            on_error=self._z_latest.guard(seq, lambda e: show_error(self, e)),
        )

    def _show_z(self, z: ZReport) -> None:
        self.shown_z = z
        m = self.cur
        d = z.drawer
        self.z_title.setText(
            _("{day} · receipts {first} – {last}").format(
                day=format_date(d.business_date, "full"), first=z.first_receipt, last=z.last_receipt
            )
            if z.first_receipt
            else _("{day} · no receipts yet").format(day=format_date(d.business_date, "full"))  # not "— – —"
        )
        rows = [[_(METHOD_LABELS.get(meth, meth)), str(n), fmt_money(a, m)] for meth, n, a in z.by_method]
        rows += [
            [_("Net takings"), "", fmt_money(z.net_takings_minor, m)],
            [_("Sales"), str(z.sales_count), fmt_money(z.sales_total_minor, m)],
            [_("Refunds"), str(z.refunds_count), fmt_money(z.refunds_total_minor, m)],
            [_("Voids"), str(z.voids_count), ""],
            [_("Tips"), "", fmt_money(z.tips_minor, m)],
            *[["   " + n, "", fmt_money(a, m)] for n, a in z.tips_by_staff],
            [_("Discounts given"), "", fmt_money(z.discounts_minor, m)],
            [_("Tax"), "", fmt_money(z.tax_minor, m)],
            [_("Prepaid top-ups (held, not revenue)"), "", fmt_money(z.topups_minor, m)],
            [_("Package sessions redeemed"), str(z.package_sessions), ""],
            [_("Expected cash"), "", fmt_money(d.expected_minor, m)],
            [_("Counted"), "", fmt_money(d.counted_minor, m) if d.counted_minor is not None else "—"],
            [_("Over / short"), "", self._over_short(d)],
        ]
        _fill(self.z, rows)

    # ----------------------------------------------------------------- actions
    def busy(self) -> bool:
        """True while the drawer is being opened, moved or closed (its buttons wait)."""
        return self._busy

    def _set_busy(self, on: bool) -> None:
        self._busy = on
        for b in (self.open_btn, self.in_btn, self.out_btn, self.close_btn):
            b.setEnabled(not on)

    def _write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None) -> None:
        """Run one write of the drawer on the runner; the buttons wait meanwhile (one tap is one
        write). Afterwards, after an error too, the drawer is read again."""
        self._set_busy(True)

        def done(result: Any) -> None:
            self._set_busy(False)
            self.refresh(then=None if on_done is None else lambda: on_done(result))

        def failed(exc: Exception) -> None:
            self._set_busy(False)
            show_error(self, exc)
            self.refresh()

        self.ctx.runner.run(self, fn, on_done=done, on_error=failed, in_order=True)

    def kick_drawer(self) -> None:
        from ui.checkout.hardware import kick_drawer

        ctx, desk = self.ctx, self.ctx.desk
        self.ctx.runner.run(self, lambda: kick_drawer(ctx, desk, "manual"),
                            on_error=lambda e: show_error(self, e))

    def open_drawer(self) -> None:
        if self._busy:
            return
        amount = ask_amount(self, _("Open the drawer"), _("Cash in the drawer now (the float):"), self.cur)
        if amount is None:
            return
        actor, cash = self.ctx.require_actor(), self.ctx.services.cash
        self._write(lambda: cash.open(actor, amount))

    def move_cash(self, kind: str) -> None:
        if self._busy:
            return
        title = _("Cash in") if kind == "in" else _("Cash out")
        amount = ask_amount(self, title, _("Amount:"), self.cur)
        if amount is None:
            return
        reason = ask_reason(self, title, _("What is it for? (e.g. change from the bank, flowers)"))
        if reason is None:
            return
        actor, cash = self.ctx.require_actor(), self.ctx.services.cash
        self._write(lambda: cash.move(actor, kind, amount, reason))

    def close_day(self) -> None:
        """Ask for the count, read what the drawer should hold (on the runner), ask again when the
        two differ, then close on the runner and show the day's Z report."""
        if self._busy:
            return
        counted = ask_amount(
            self, _("Close the day"), _("Count the cash in the drawer and type the total:"), self.cur
        )
        if counted is None:
            return
        actor, cash = self.ctx.require_actor(), self.ctx.services.cash
        self._set_busy(True)

        def failed(exc: Exception) -> None:
            self._set_busy(False)
            show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda: cash.current(actor.branch_id),
            on_done=lambda cur: self._close_counted(counted, cur, lambda: cash.close(actor, counted)),
            on_error=failed,
        )

    def _close_counted(self, counted: int, cur: DrawerView | None, close: Callable[[], DrawerView]) -> None:
        if cur is not None and counted != cur.expected_minor:
            diff = counted - cur.expected_minor
            if not confirm(
                self,
                _("The count does not match"),
                _(
                    "Expected {exp}, counted {cnt} ({diff}). Count again, or close with this difference?"
                ).format(
                    exp=fmt_money(cur.expected_minor, self.cur),
                    cnt=fmt_money(counted, self.cur),
                    diff=fmt_money(diff, self.cur),
                ),
                yes=_("Close with this difference"),
                no=_("Count again"),
                default_yes=False,  # closing is for good: Enter counts again
            ):
                self._set_busy(False)
                return
        self._write(close, on_done=self._closed)

    def _closed(self, drawer: DrawerView) -> None:
        """The day is closed: show its Z report and back the shop up (the close-of-day backup, on
        the runner; a failure is recorded and shown in Settings › Backups)."""
        self.show_z(drawer.id)
        backup = self.ctx.services.backup
        self.ctx.runner.run(self, backup.close_of_day_backup,
                            on_error=lambda exc: log.warning("close-of-day backup failed: %s", exc))

    def _z_pdf(self, save: bool) -> None:
        z = self.shown_z
        if z is None:
            return
        from desk_app import i18n
        from desk_app.printing.z_report import render_z_report
        from ui.shared.print_preview import print_pdf, save_pdf

        fmt = i18n.Fmt.for_shop(i18n.language(), self.ctx.shop.timezone, self.ctx.shop.currency)

        def work() -> bytes:
            buf = io.BytesIO()
            render_z_report(z, buf, fmt)
            return buf.getvalue()

        name = f"z-report-{z.drawer.business_date.isoformat()}.pdf"

        def done(data: object) -> None:
            assert isinstance(data, bytes)
            if save:
                save_pdf(self, data, name)
            else:
                print_pdf(self, data, name)

        self.ctx.runner.run(self, work, on_done=done, on_error=lambda e: show_error(self, e))
