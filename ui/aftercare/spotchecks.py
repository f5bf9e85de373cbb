"""The spot-checks tab (After the visit). The owner sees this week's randomly drawn visits, calls and
complaints, reads what each record says beside the list, and confirms it or flags it with a note.
Everyone else sees the records the owner flagged in their work, and marks them corrected."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from desk_app.aftercare.spotchecks import SpotCheckView
from desk_app.domain.permissions import Perm
from desk_app.i18n import N_, _, format_date, format_when
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, EmptyState, ErrorLabel, StatusChip, error_text, show_error

KIND_LABELS = {"visit": N_("Visit"), "follow_up": N_("Follow-up call"), "complaint": N_("Complaint")}
_STATUS = {
    "pending": (N_("To check"), "warn", "!"),
    "confirmed": (N_("Confirmed"), "ok", "✓"),
    "flagged": (N_("Flagged"), "bad", "✕"),
    "corrected": (N_("Corrected"), "ok", "✓"),
}


def check_row(c: SpotCheckView) -> list[Cell]:
    word, tone, sym = _STATUS.get(c.status, (c.status, "neutral", "•"))
    return [
        format_date(c.week_of),
        _(KIND_LABELS.get(c.kind, c.kind)) + f" #{c.record_id}",
        c.client_name or "–",
        format_when(c.when) if c.when else "–",
        c.staff or "–",
        (f"{sym} {_(word)}", tone),
        c.note.splitlines()[0] if c.note else "",
    ]


class SpotChecksTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[SpotCheckView] = []
        self._busy = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        bar.addWidget(self.title)
        self.chip = StatusChip("", "neutral")
        bar.addWidget(self.chip)
        bar.addStretch()
        self.confirm_btn = Button(_("Confirm"), "check", kind="primary")
        self.confirm_btn.setToolTip(_("The record is complete and true"))
        self.confirm_btn.clicked.connect(lambda: self._mark(True))
        self.flag_btn = Button(_("Flag"), "x")
        self.flag_btn.setToolTip(_("Something is missing or wrong: write what, for the person who wrote it"))
        self.flag_btn.clicked.connect(lambda: self._mark(False))
        self.corrected_btn = Button(_("Corrected"), "check", kind="primary")
        self.corrected_btn.clicked.connect(self._corrected)
        for b in (self.confirm_btn, self.flag_btn, self.corrected_btn):
            bar.addWidget(b)
        lay.addLayout(bar)
        body = QHBoxLayout()
        self.stack = QStackedWidget()
        self.table = RowsTable(
            [_("Week of"), _("Record"), _("Client"), _("When"), _("Written by"), _("Check"), _("Note")], stretch=6
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self.empty_owner = EmptyState(
            "shield", _("Nothing to check"), _("No visits, calls or complaints were finished in the last seven days.")
        )
        self.empty_staff = EmptyState(
            "shield", _("Nothing flagged"), _("Nothing of yours was flagged. Spot checks are the owner's.")
        )
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_owner)
        self.stack.addWidget(self.empty_staff)
        body.addWidget(self.stack, 3)
        side = QVBoxLayout()
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setObjectName("muted")
        self.facts.setMinimumWidth(320)
        side.addWidget(self.facts)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(_("What is missing or wrong (needed to flag)"))
        self.note.setFixedHeight(90)
        side.addWidget(self.note)
        self.error = ErrorLabel()
        side.addWidget(self.error)
        side.addStretch()
        body.addLayout(side, 2)
        lay.addLayout(body, 1)

    def owner(self) -> bool:
        return self.ctx.actor is not None and self.ctx.actor.can(Perm.REPORTS)

    def refresh(self) -> None:
        actor = self.ctx.require_actor()
        svc, owner = self.ctx.services.spotchecks, self.owner()
        load = (lambda: svc.this_week(actor)) if owner else (lambda: svc.flagged_for(actor))
        self.ctx.runner.run(self, load, on_done=self._loaded, on_error=lambda e: show_error(self, e))

    def _loaded(self, items: list[SpotCheckView]) -> None:
        owner = self.owner()
        self.items = items
        self.title.setText(_("This week's spot checks") if owner else _("Flagged in your records"))
        todo = sum(1 for c in items if c.status == ("pending" if owner else "flagged"))
        self.chip.set_status(_("{n} to do").format(n=todo), "warn" if todo else "ok")
        self.table.set_rows([check_row(c) for c in items], items, widths=(125, 115, 80, 130, 80, 95))
        self.stack.setCurrentWidget(self.table if items else self.empty_owner if owner else self.empty_staff)
        for b in (self.confirm_btn, self.flag_btn, self.note):
            b.setVisible(owner)
        self.corrected_btn.setVisible(not owner)
        self._show_current()

    def current(self) -> SpotCheckView | None:
        c = self.table.current()
        return c if isinstance(c, SpotCheckView) else None

    def _show_current(self) -> None:
        c = self.current()
        self.error.show_error(None)
        if c is None:
            self.facts.setText("")
        else:
            lines = [f"<b>{_(KIND_LABELS.get(c.kind, c.kind))} #{c.record_id} · {c.client_name or '–'}</b>"]
            lines += [_("{label}: {value}").format(label=label, value=value) for label, value in c.facts]
            if c.note:
                lines.append(_("Flagged: {note}").format(note=c.note))
            self.facts.setText("<br>".join(_html(x) if not x.startswith("<b>") else x for x in lines))
        idle = not self._busy
        self.confirm_btn.setEnabled(idle and c is not None and c.status == "pending")
        self.flag_btn.setEnabled(idle and c is not None and c.status == "pending")
        self.corrected_btn.setEnabled(idle and c is not None and c.status == "flagged")

    def _run(self, fn: object) -> None:
        self._busy = True
        self._show_current()

        def done(_v: object) -> None:
            self._busy = False
            self.note.clear()
            self.refresh()

        def failed(exc: Exception) -> None:
            self._busy = False
            self._show_current()
            self.error.show_error(error_text(exc))

        self.ctx.runner.run(self, fn, on_done=done, on_error=failed, in_order=True)  # type: ignore[arg-type]

    def _mark(self, confirmed: bool) -> None:
        c = self.current()
        if c is None or self._busy:
            return
        actor, svc, check_id, note = self.ctx.require_actor(), self.ctx.services.spotchecks, c.id, self.note.toPlainText()
        self._run(lambda: svc.mark(actor, check_id, confirmed, note))

    def _corrected(self) -> None:
        c = self.current()
        if c is None or self._busy:
            return
        actor, svc, check_id = self.ctx.require_actor(), self.ctx.services.spotchecks, c.id
        self._run(lambda: svc.corrected(actor, check_id))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
