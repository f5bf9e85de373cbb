"""Possible duplicates (the owner; docs/clients.md, "Duplicates"): the pairs of profiles that may be
one person, side by side, merged into the one kept or marked as two people. Reached from the
Clients screen; a merge is undone from the kept client's profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_date, format_money, ngettext
from desk_app.transfer.merge import DuplicatePair, MergeRecord, ProfileSide
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.table import RowsTable
from ui.shared.widgets import Button, Card, EmptyState, ErrorLabel, PageHeader, PageStack, confirm, error_text

ROWS: tuple[tuple[Callable[[], str], Callable[[ProfileSide], str]], ...] = (  # (label, how one side shows)
    (lambda: _("Client number"), lambda s: s.client_number),
    (lambda: _("Name"), lambda s: s.name),
    (lambda: _("Phone"), lambda s: s.phone or "—"),
    (lambda: _("E-mail"), lambda s: s.email or "—"),
    (lambda: _("Birthday"), lambda s: format_date(s.birthday) if s.birthday else "—"),
    (lambda: _("Client since"), lambda s: format_date(s.created_at)),
    (lambda: _("Last visit"), lambda s: format_date(s.last_visit_at) if s.last_visit_at else "—"),
    (lambda: _("Visits"), lambda s: str(s.visits)),
    (lambda: _("Spend"), lambda s: format_money(s.spend, s.currency)),
    (lambda: _("Prepaid balance"), lambda s: format_money(s.prepaid, s.currency)),
    (lambda: _("Points"), lambda s: str(s.points)),
    (lambda: _("Allergies"), lambda s: s.allergies or "—"),
)


class DuplicatesScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("screenPage")
        self.ctx = ctx
        self.pairs: list[DuplicatePair] = []
        self._loading = Latest()
        self._busy = False
        self._refusal = ""
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.setSpacing(12)
        self.header = PageHeader(
            _("Possible duplicates"),
            _("Profiles that may be one person: the same phone, e-mail or phone ending, a similar name with "
              "the same birthday, or the same pinyin."),
        )
        back = Button(_("All clients"), "arrow-left", "ghost")
        back.clicked.connect(lambda: ctx.navigate("clients"))
        cast(QHBoxLayout, self.header.actions).addWidget(back)
        root.addWidget(self.header)

        self.stack = PageStack()
        root.addWidget(self.stack, 1)
        self.body = body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(16)
        list_card = Card(_("Pairs to look at"))
        self.table = RowsTable([_("Client"), _("Maybe the same as"), _("Why")], stretch=2)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen())
        list_card.body.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setObjectName("muted")
        list_card.body.addWidget(self.count)
        row.addWidget(list_card, 5)

        compare = Card(_("Side by side"))
        self.why = QLabel()
        self.why.setObjectName("muted")
        self.why.setWordWrap(True)
        compare.body.addWidget(self.why)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.keep_group = QButtonGroup(self)
        self.keep_a = QRadioButton(_("Keep this one"))
        self.keep_b = QRadioButton(_("Keep this one"))
        for i, r in enumerate((self.keep_a, self.keep_b)):
            self.keep_group.addButton(r, i)
            self.grid.addWidget(r, 0, 1 + i)
        self.keep_group.idToggled.connect(self._toggled)
        self.cells: list[tuple[QLabel, QLabel]] = []
        for n, (label, _show) in enumerate(ROWS, start=1):
            name = QLabel(label())
            name.setObjectName("muted")
            self.grid.addWidget(name, n, 0)
            cells = []
            for i in range(2):
                cell = QLabel()
                cell.setWordWrap(True)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.grid.addWidget(cell, n, 1 + i)
                cells.append(cell)
            self.cells.append((cells[0], cells[1]))
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        compare.body.addLayout(self.grid)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        compare.body.addWidget(self.explain)
        compare.body.addStretch(1)
        self.error = ErrorLabel()
        compare.body.addWidget(self.error)
        # what the last merge did, with the way to the kept profile (where it is undone)
        self._done: MergeRecord | None = None
        self.done_row = QWidget()
        done_lay = QHBoxLayout(self.done_row)
        done_lay.setContentsMargins(0, 0, 0, 0)
        self.done_text = QLabel()
        self.done_text.setObjectName("okText")
        self.done_text.setWordWrap(True)
        done_lay.addWidget(self.done_text, 1)
        self.open_kept_button = Button(_("Open the profile"), "user", "ghost")
        self.open_kept_button.clicked.connect(self.open_kept)
        done_lay.addWidget(self.open_kept_button)
        self.done_row.setVisible(False)
        compare.body.addWidget(self.done_row)
        actions = QHBoxLayout()
        self.not_same_button = Button(_("Two different people"), "x", "secondary")
        self.not_same_button.setToolTip(_("They are two people: this pair is not shown again"))
        self.not_same_button.clicked.connect(self.not_the_same)
        self.merge_button = Button(_("Merge (Ctrl+M)"), "check", "primary")
        self.merge_button.clicked.connect(self.merge)
        actions.addWidget(self.not_same_button)
        actions.addStretch(1)
        actions.addWidget(self.merge_button)
        compare.body.addLayout(actions)
        row.addWidget(compare, 5)
        self.stack.addWidget(body)
        self.empty = EmptyState(
            "users", _("No possible duplicates"),
            _("When two profiles share a phone, an e-mail or a phone ending, or have a similar name and the same "
              "birthday, they are listed here to merge."),
            _("Back to clients"),
        )  # fmt: skip
        self.empty.action.connect(lambda: ctx.navigate("clients"))
        self.stack.addWidget(self.empty)
        self.loading = EmptyState("users", _("Looking for possible duplicates…"), " ", "")
        self.stack.addWidget(self.loading)
        QShortcut(QKeySequence("Ctrl+M"), self).activated.connect(self.merge)
        self._set_pair(None)

    # -- reading ---------------------------------------------------------------------------
    def open(self, **_kw: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        if not self.ctx.can(Perm.CLIENT_MERGE):
            self.stack.setCurrentWidget(self.empty)
            return
        actor = self.ctx.require_actor()
        merges = self.ctx.services.merges
        seq = self._loading.next()
        if not self.pairs:
            self.stack.setCurrentWidget(self.loading)
        self.ctx.runner.run(
            self, lambda: merges.possible_duplicates(actor),
            on_done=self._loading.guard(seq, self._show),
            on_error=self._loading.guard(seq, lambda exc: self.error.show_error(error_text(exc))),
        )  # fmt: skip

    def _show(self, pairs: list[DuplicatePair]) -> None:
        chosen = self._pair()
        self.pairs = pairs
        self.table.set_rows(
            [(f"{p.a.client_number}  {p.a.name}", f"{p.b.client_number}  {p.b.name}", p.reason_text) for p in pairs],
            pairs,
        )
        self.table.fit_columns({0: 170, 1: 170})
        self.count.setText(ngettext("{n} pair", "{n} pairs", len(pairs)).format(n=len(pairs)))
        self.stack.setCurrentWidget(self.body if pairs else self.empty)
        again = next((i for i, p in enumerate(pairs) if chosen and {p.a.id, p.b.id} == {chosen.a.id, chosen.b.id}), 0)
        if pairs:
            self.table.selectRow(again)
            self.table.setFocus()
        self._set_pair(self._pair())  # also when the same row stays selected (no selection signal)
        if self._refusal:  # what the last action was refused for stays said after the list is read again
            self.error.show_error(self._refusal)
            self._refusal = ""

    def _pair(self) -> DuplicatePair | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.pairs):
            return None
        return self.pairs[rows[0].row()]

    def _chosen(self) -> None:
        self._set_pair(self._pair())

    def _set_pair(self, p: DuplicatePair | None) -> None:
        for (a, b), (_label, show) in zip(self.cells, ROWS, strict=True):
            a.setText(show(p.a) if p else "")
            b.setText(show(p.b) if p else "")
        self.why.setText(_("Why: {reasons}").format(reasons=p.reason_text) if p else "")
        self.keep_a.setChecked(True)
        for w in (self.keep_a, self.keep_b, self.merge_button, self.not_same_button):
            w.setEnabled(p is not None and not self._busy)
        self.error.show_error(None)
        self._explain()

    def _toggled(self, _which: int, on: bool) -> None:
        if on:
            self._explain()

    def _sides(self) -> tuple[ProfileSide, ProfileSide] | None:
        p = self._pair()
        if p is None:
            return None
        return (p.a, p.b) if self.keep_group.checkedId() != 1 else (p.b, p.a)

    def _explain(self) -> None:
        sides = self._sides()
        if sides is None:
            self.explain.setText(_("Choose a pair on the left."))
            return
        keep, gone = sides
        self.explain.setText(_(
            "{gone} goes into {keep}: its visits, sales, bookings, packages, balances and notes move there, and "
            "{keep} takes what it lacks (e-mail, birthday…). Undo it from {keep}'s profile."
        ).format(keep=keep.client_number, gone=gone.client_number))

    # -- deciding --------------------------------------------------------------------------
    def merge(self) -> None:
        p, sides = self._pair(), self._sides()
        if p is None or sides is None or self._busy:
            return
        keep, gone = sides
        if not confirm(self, _("Merge {gone} into {keep}?").format(gone=gone.client_number, keep=keep.client_number),
                       _("{gone} ({name}) will no longer be listed: all of it is {keep}'s. You can undo this from "
                         "{keep}'s profile.").format(gone=gone.client_number, name=gone.name, keep=keep.client_number),
                       yes=_("Merge"), no=_("Cancel")):
            return
        actor = self.ctx.require_actor()
        merges = self.ctx.services.merges
        self._run(lambda: merges.merge(actor, keep.id, keep.version, gone.id, gone.version, p.reasons), self._merged)

    def _merged(self, rec: object) -> None:
        assert isinstance(rec, MergeRecord)
        self.pairs = [p for p in self.pairs if rec.merged_id not in (p.a.id, p.b.id)]
        self._done = rec
        self.done_text.setText(_("{gone} was merged into {kept}. Undo it from {kept}'s profile.").format(
            gone=rec.merged_number, kept=rec.kept_number))
        self.done_row.setVisible(True)
        self.refresh()

    def open_kept(self) -> None:
        if self._done is not None:
            self.ctx.navigate("client", client_id=self._done.kept_id)

    def not_the_same(self) -> None:
        p = self._pair()
        if p is None or self._busy:
            return
        if not confirm(self, _("Are {a} and {b} two different people?").format(a=p.a.client_number, b=p.b.client_number),
                       _("The pair is not shown here again. Both profiles stay as they are."),
                       yes=_("Two different people"), no=_("Cancel")):
            return
        actor = self.ctx.require_actor()
        merges = self.ctx.services.merges
        self._run(lambda: merges.not_the_same(actor, p.a.id, p.b.id), lambda _r: self.refresh())

    def _run(self, work: Any, then: Any) -> None:
        self._busy = True
        for w in (self.merge_button, self.not_same_button):
            w.setEnabled(False)

        def done(result: object) -> None:
            self._busy = False
            then(result)

        def failed(exc: Exception) -> None:  # stale, refused: said here, and the list is read again
            self._busy = False
            self._refusal = error_text(exc)
            self._set_pair(self._pair())
            self.error.show_error(self._refusal)
            self.refresh()

        self.ctx.runner.run(self, work, on_done=done, on_error=failed)
