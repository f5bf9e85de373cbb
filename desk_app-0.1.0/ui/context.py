"""What every screen receives: the services, who is signed in, the task runner, navigation.

Screens are ``QWidget`` subclasses in ``ui/<area>/screen.py`` built as
``Screen(ctx)``; they never reach for globals. ``ctx.actor`` changes when
another staff member signs in: screens that show per-user data connect to
``ctx.signals.actor_changed``. ``ctx.navigate(name, **params)`` switches the
main window to a registered screen (see ui/navigation.py) and calls the
screen's ``open(**params)`` if it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, Signal

from desk_app.container import Services
from desk_app.desk import DeskSettings, load_desk
from desk_app.domain.permissions import Actor, Perm
from desk_app.shop.service import ShopInfo
from ui.runner import TaskRunner

if TYPE_CHECKING:
    from desk_app.checkout.bill import Bill
    from desk_app.checkout.views import PaidSale, SaleView

MANY = 20  # more rows of one kind in one commit than this: announced once, as (kind, 0)


class ContextSignals(QObject):
    actor_changed = Signal()
    language_changed = Signal()
    # a record changed: ("visit", id), ("client", id), ("sale", id) ... announced by the data layer
    # after each commit (Database.changes), re-emitted here on the GUI thread; lists elsewhere refresh
    data_changed = Signal(str, int)
    desk_changed = Signal()  # this desk's settings were saved (ctx.desk is the new one)
    _committed = Signal(object)  # from whichever thread committed; queued to this object's thread

    def __init__(self) -> None:
        super().__init__()
        self._committed.connect(self._relay)

    def committed(self, changes: frozenset[tuple[str, int]]) -> None:
        """Called by the database's change feed on the committing thread."""
        if not shiboken6.isValid(self):  # the screens went away (the window closed): nobody to tell
            return
        try:
            self._committed.emit(changes)
        except RuntimeError:  # deleted between the check and the emit
            return

    def _relay(self, changes: object) -> None:
        assert isinstance(changes, frozenset)
        by_kind: dict[str, list[int]] = {}
        for kind, ident in changes:
            by_kind.setdefault(kind, []).append(ident)
        for kind, idents in sorted(by_kind.items()):
            if len(idents) > MANY:  # an import, a day's follow-ups: one signal, "many of them" (id 0)
                self.data_changed.emit(kind, 0)
                continue
            for ident in sorted(idents):
                self.data_changed.emit(kind, ident)


class CustomerFeed(Protocol):
    """What the checkout tells the customer-facing display (ui/checkout/display_feed.py)."""

    def bill(self, bill: Bill) -> None: ...
    def paid(self, paid: PaidSale, view: SaleView) -> None: ...
    def thanks(self) -> None: ...
    def idle(self) -> None: ...


class NoDisplay:
    """This desk has no customer display: the checkout's calls do nothing."""

    def bill(self, bill: Bill) -> None:
        pass

    def paid(self, paid: PaidSale, view: SaleView) -> None:
        pass

    def thanks(self) -> None:
        pass

    def idle(self) -> None:
        pass


@dataclass
class UiContext:
    services: Services
    runner: TaskRunner
    shop: ShopInfo
    actor: Actor | None = None
    navigate: Callable[..., None] = lambda name, **kw: None
    signals: ContextSignals = field(default_factory=ContextSignals)
    demo_mode: bool = False
    desk: DeskSettings = field(default_factory=load_desk)  # this computer's printers, drawer (desk_app.desk)
    # the customer-facing display when this desk has one on (set by the main window), else no-ops
    display: CustomerFeed = field(default_factory=NoDisplay)

    def __post_init__(self) -> None:
        self.services.db.changes.subscribe(self.signals.committed)  # held weakly: goes with the context

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("nobody is signed in")
        return self.actor

    def can(self, perm: Perm) -> bool:
        return self.actor is not None and self.actor.can(perm)

    def changed(self, kind: str, ident: int = 0) -> None:
        self.signals.data_changed.emit(kind, ident)

    extra: dict[str, Any] = field(default_factory=dict)
