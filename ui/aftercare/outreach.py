"""The Keeping in touch tab: birthdays this week, expiring and low balances; mark done; export CSV.

Marking and exporting (both audited) run through the runner; "Mark contacted" waits meanwhile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.views import OutreachItem, OutreachLists
from desk_app.domain.client import channel_label
from desk_app.i18n import _, format_date
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, EmptyState, show_error

LISTS = ("birthdays", "expiring", "low_balance")


class OutreachTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lists: OutreachLists | None = None
        self.current_list = "birthdays"
        self._marking = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.filter_buttons: dict[str, Button] = {}
        icons = {"birthdays": "gift", "expiring": "clock", "low_balance": "wallet"}
        for key in LISTS:
            b = Button("", icons[key])
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, k=key: self.show_list(k))
            self.group.addButton(b)
            self.filter_buttons[key] = b
            bar.addWidget(b)
        bar.addStretch()
        self.done_btn = Button(_("Mark contacted"), "check", kind="primary")
        self.done_btn.setToolTip(_("The client was greeted or reminded (Enter)"))
        self.done_btn.clicked.connect(self.mark_selected)
        bar.addWidget(self.done_btn)
        export = Button(_("Export CSV…"), "download")
        export.clicked.connect(self.export)
        bar.addWidget(export)
        lay.addLayout(bar)
        note = QLabel(
            _(
                "Clients who agreed to texts or email get the app's greetings and notices by themselves "
                "(Messages shows what went out); contact the others by their preferred channel, then mark it."
            )
        )
        note.setObjectName("muted")
        note.setWordWrap(True)  # a sentence, not a line: the tab must fit the counter's 1366 px
        lay.addWidget(note)
        self.stack = QStackedWidget()
        self.table = RowsTable(
            [_("Client"), _("Number"), _("Channel"), _("Contact"), _("Remind on"), _("Details"), _("Status")],
            stretch=5,
        )
        self.table.activated_row.connect(self.mark)
        self.empty = EmptyState(
            "heart",
            _("Nobody on this list"),
            _("Clients appear here when their birthday is this week or their balance expires or runs low."),
        )
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        lay.addWidget(self.stack, 1)
        self.filter_buttons["birthdays"].setChecked(True)

    def refresh(self) -> None:
        actor, aftercare = self.ctx.actor, self.ctx.services.aftercare
        self.ctx.runner.run(
            self,
            lambda: aftercare.outreach(actor=actor),
            on_done=self._loaded,
            on_error=lambda e: show_error(self, e),
        )

    def _loaded(self, lists: OutreachLists) -> None:
        self.lists = lists
        labels = {
            "birthdays": _("Birthdays this week ({n})"),
            "expiring": _("Expiring ({n})"),
            "low_balance": _("Low balance ({n})"),
        }
        for key, b in self.filter_buttons.items():
            todo = sum(1 for i in getattr(lists, key) if i.status != "done")
            b.setText(labels[key].format(n=todo))
        self.show_list(self.current_list)

    def show_list(self, key: str) -> None:
        self.current_list = key
        self.filter_buttons[key].setChecked(True)
        items: tuple[OutreachItem, ...] = getattr(self.lists, key) if self.lists else ()
        rows: list[list[Cell]] = []
        for i in items:
            status: Cell = (
                ("✓ " + _("Contacted"), "ok") if i.status == "done" else ("● " + _("To do"), "warn")
            )
            rows.append(
                [
                    i.client_name,
                    i.client_number,
                    channel_label(i.channel),
                    i.contact,
                    format_date(i.due_on),
                    i.detail,
                    status,
                ]
            )
        self.table.set_rows(rows, list(items), widths=(130, 90, 90, 140, 135, 360))
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self._update_done_btn()

    def _update_done_btn(self) -> None:
        items: tuple[OutreachItem, ...] = getattr(self.lists, self.current_list) if self.lists else ()
        self.done_btn.setEnabled(not self._marking and any(i.status != "done" for i in items))

    def mark_selected(self) -> None:
        item = self.table.current()
        if item is not None:
            self.mark(item)

    def mark(self, item: OutreachItem) -> None:
        if item.status == "done" or self._marking:  # one tap (or Enter) is one mark
            return
        actor, aftercare = self.ctx.require_actor(), self.ctx.services.aftercare
        self._set_marking(True)

        def failed(exc: Exception) -> None:
            self._set_marking(False)
            show_error(self, exc)

        def marked(_r: object) -> None:
            self._set_marking(False)
            self.refresh()

        self.ctx.runner.run(
            self,
            lambda: aftercare.mark_outreach_done(actor, item),
            on_done=marked,
            on_error=failed,
            in_order=True,
        )

    def _set_marking(self, on: bool) -> None:
        self._marking = on
        self._update_done_btn()

    def export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export keeping-in-touch lists"), "keep-in-touch.csv", _("CSV files (*.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the lists to ``path`` off the GUI thread (the export is audited: a write)."""
        actor, aftercare = self.ctx.require_actor(), self.ctx.services.aftercare

        def work() -> None:
            path.write_bytes(aftercare.outreach_csv(actor))

        self.ctx.runner.run(self, work, on_error=lambda exc: show_error(self, exc), in_order=True)
