"""The owner's branch picker: "All branches" and each branch, starting at this desk's branch.

Shown only to someone who may see every branch (the owner: Perm.REPORTS) when the shop has more
than one branch; for everyone else it stays hidden and ``branch_id()`` is the desk's branch (the
signed-in actor's, set at sign-in from this desk's desk.json)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox

from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from desk_app.shop.branches import BranchView
from ui.context import UiContext

ALL = -1  # the item's data for "All branches"


class BranchPicker(QComboBox):
    def __init__(self, ctx: UiContext, on_change: Callable[[], None], with_all: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.with_all = with_all
        self.setObjectName("branchPicker")
        self.setMinimumHeight(44)
        self.setAccessibleName(_("Branch"))
        self.setVisible(False)
        self.choosing = False  # the picker is offered (owner, several branches)
        self.activated.connect(lambda _i: on_change())

    def load(self) -> None:
        """Read the branches (off the GUI thread) when the signed-in person may choose one; a new
        person signed in starts again at the desk's branch."""
        self.clear()
        self.choosing = False
        self.setVisible(False)
        if not self.ctx.can(Perm.REPORTS):
            return
        branches = self.ctx.services.branches
        self.ctx.runner.run(self, lambda: branches.list(open_only=False), on_done=self._fill,
                            on_error=lambda _e: self.setVisible(False))

    def _fill(self, rows: list[BranchView]) -> None:
        self.clear()
        if self.with_all:
            self.addItem(_("All branches"), ALL)
        for b in rows:
            self.addItem(b.name if b.active else _("{name} (closed)").format(name=b.name), b.id)
        mine = self.ctx.actor.branch_id if self.ctx.actor is not None else None
        self.setCurrentIndex(max(0, self.findData(mine)))
        self.choosing = len(rows) > 1
        self.setVisible(self.choosing)

    def branch_id(self) -> int | None:
        """The branch chosen (None: all branches); the desk's branch when there is no choice."""
        actor = self.ctx.actor
        data = self.currentData() if self.choosing else None
        if data is None:
            return actor.branch_id if actor is not None else None
        return None if data == ALL else int(data)
