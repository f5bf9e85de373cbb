"""One guided visit: the stepper, the allergy banner and one page per step (docs/product.md §2).

Every action on a page is saved by the visit service at once; the screen then
reloads the visit and shows the page of its step, so reopening a visit (after a
restart, from Today or My clients) always lands where it was. Opening, loading and
the step actions (back, skip, cancel) run on the task runner, never on the GUI
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.core.service import ServiceError
from desk_app.domain import standards as std
from desk_app.domain.permissions import Actor, Perm, Role
from desk_app.domain.visit import is_open, status_label, step_label
from desk_app.i18n import _, format_date, format_time
from desk_app.visits.views import VisitView
from ui.checkout.panel import CheckoutPanel
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import (
    AllergyBanner,
    Button,
    EmptyState,
    PageHeader,
    PageStack,
    StatusChip,
    ask_reason,
    confirm,
    show_error,
)
from ui.theme import STATUS_TONE
from ui.visits.common import breach_text, muted, waited_text
from ui.visits.greeting import GreetingPage
from ui.visits.needs import NeedsPage
from ui.visits.rebook import RebookPanel
from ui.visits.service import ServicePage
from ui.visits.stepper import VisitStepper


def _signed_in(actor: Actor | None) -> Actor:
    """The actor captured when the action was asked for (as ``UiContext.require_actor``)."""
    if actor is None:
        raise RuntimeError("nobody is signed in")
    return actor


class VisitScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.visit_id: int | None = None
        self.view: VisitView | None = None
        self._seq = 0
        self._opening = Latest()  # the visit being opened (arrival, walk-in): only the newest counts
        self._writing = False  # a step action is being saved
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(4)  # the checkout step needs every pixel at 1366x768 (tests/ui/test_fits_the_counter_screen.py)

        self.header = PageHeader(_("Visit"))
        self.status_chip = StatusChip()
        actions = cast(QHBoxLayout, self.header.actions)
        actions.addWidget(self.status_chip)
        self.back_btn = Button(_("Back a step"), "arrow-left", "ghost")
        self.back_btn.clicked.connect(self.go_back)
        self.skip_btn = Button(_("Skip step"), "arrow-right", "ghost")
        self.skip_btn.clicked.connect(self.skip_step)
        self.cancel_btn = Button(_("Cancel visit"), "x", "ghost")
        self.cancel_btn.clicked.connect(self.cancel_visit)
        self.today_btn = Button(_("Today"), "home")
        self.today_btn.clicked.connect(lambda: ctx.navigate("today"))
        for b in (self.back_btn, self.skip_btn, self.cancel_btn, self.today_btn):
            actions.addWidget(b)
        root.addWidget(self.header)

        self.stepper = VisitStepper()
        root.addWidget(self.stepper)
        self.banner = AllergyBanner()
        root.addWidget(self.banner)
        info = QHBoxLayout()
        self.times = muted()
        info.addWidget(self.times, 1)
        self.breaches = QLabel()
        self.breaches.setObjectName("dangerText")
        info.addWidget(self.breaches)
        root.addLayout(info)

        self.stack = PageStack()
        self.greeting = GreetingPage(ctx)
        self.needs = NeedsPage(ctx)
        self.service = ServicePage(ctx)
        self.checkout_host, checkout_lay = self._host()
        self.rebook_host, rebook_lay = self._host()
        self._host_layouts = {"checkout": checkout_lay, "rebooking": rebook_lay}
        self.closed = EmptyState("check", _("This visit is closed"), " ", _("Back to Today"))
        self.closed.action.connect(lambda: ctx.navigate("today"))
        # the care sheet again, now with the next visit on it (printed at checkout, before rebooking)
        self.reprint_care_btn = Button(_("Print the care sheet (with the next visit)"), "printer", "secondary")
        self.reprint_care_btn.clicked.connect(self._reprint_care)
        closed_lay = self.closed.layout()
        if closed_lay is not None:
            closed_lay.addWidget(self.reprint_care_btn)
        self.closed_hint = next(
            (lbl for lbl in self.closed.findChildren(QLabel) if lbl.objectName() == "muted"), None
        )
        self.none = EmptyState(
            "walk-in",
            _("No visit open"),
            _("Open a visit from Today (Arrived or Walk-in) or from My clients."),
            _("Go to Today"),
        )
        self.none.action.connect(lambda: ctx.navigate("today"))
        # someone who cannot take payment (a stylist) hands a finished visit to the desk
        self.handed_over = EmptyState(
            "check",
            _("Service finished: the desk takes it from here"),
            _("Payment and the next booking are done at the desk. The client is on the desk's Today list."),
            _("Back to my clients"),
        )
        self.handed_over.action.connect(
            lambda: ctx.navigate("my_clients" if ctx.actor is not None and ctx.actor.role == Role.STYLIST else "today")
        )
        # the panels are built for the person signed in: another person (Switch user) gets new ones
        ctx.signals.actor_changed.connect(self._actor_changed)
        for w in (
            self.greeting,
            self.needs,
            self.service,
            self.checkout_host,
            self.rebook_host,
            self.closed,
            self.none,
            self.handed_over,
        ):
            self.stack.addWidget(w)
        for page in (self.greeting, self.needs, self.service):
            page.changed.connect(self.reload)
        root.addWidget(self.stack, 1)
        self._panel_for: dict[str, int | None] = {"checkout": None, "rebooking": None}
        self._checkout: CheckoutPanel | None = None  # built once, on the first idle moment or checkout
        QTimer.singleShot(0, self, self._build_checkout)
        self.stack.setCurrentWidget(self.none)
        self._set_actions_visible(False)

        self.timer = QTimer(self)  # live waiting time and standards while shown
        self.timer.setInterval(10_000)
        self.timer.timeout.connect(self._tick)

    @staticmethod
    def _host() -> tuple[QWidget, QVBoxLayout]:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        return w, lay

    # ------------------------------------------------------------------ opening
    def open(
        self,
        visit_id: int | None = None,
        client_id: int | None = None,
        appointment_id: int | None = None,
        walk_in: bool = False,
    ) -> None:
        """Show a visit; or start one first (on the runner): an appointment's arrival, a client's
        visit (their open one if any) or, with ``walk_in``, a walk-in not yet known."""
        seq = self._opening.next()
        if visit_id is None and (appointment_id is not None or client_id is not None or walk_in):
            v, actor = self.ctx.services.visits, self.ctx.actor
            # nothing of the visit shown before stays on screen while the new one is written
            self.visit_id = None
            self.view = None
            self.stack.setCurrentWidget(self.none)
            self._set_actions_visible(False)

            def start() -> int:  # on the runner: the arrival or the walk-in is written there
                if appointment_id is not None:
                    return v.arrive(_signed_in(actor), appointment_id)
                if client_id is None:
                    return v.start_walk_in(_signed_in(actor))
                return v.open_visit_for_client(client_id) or v.start_walk_in(_signed_in(actor), client_id)

            self.ctx.runner.run(
                self,
                start,
                on_done=self._opening.guard(seq, self._opened),
                on_error=self._opening.guard(seq, lambda exc: show_error(self, exc)),
                in_order=True,
            )
            return
        self._opening.guard(seq, self._opened)(visit_id)

    def _opened(self, visit_id: int | None) -> None:
        if visit_id is not None:
            if visit_id != self.visit_id:
                self._panel_for = {"checkout": None, "rebooking": None}
            self.visit_id = visit_id
        self.reload()

    def refresh(self) -> None:
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        self.timer.stop()

    def reload(self) -> None:
        """Load the visit off the GUI thread (about a dozen queries) and show its step."""
        if self.visit_id is None:
            self.stack.setCurrentWidget(self.none)
            self._set_actions_visible(False)
            return
        vid, visits, actor = self.visit_id, self.ctx.services.visits, self.ctx.actor
        self._seq += 1
        seq = self._seq
        self.ctx.runner.run(
            self,
            lambda: visits.get(vid, actor),
            on_done=lambda view: self._loaded(seq, view),
            on_error=lambda exc: show_error(self, exc),
        )

    def _loaded(self, seq: int, view: object) -> None:
        if seq != self._seq or not isinstance(view, VisitView) or view.id != self.visit_id:
            return  # an older answer arriving after a newer request
        self.view = view
        self._show(view)

    # ------------------------------------------------------------------ display
    def _show(self, view: VisitView) -> None:
        # how the client came, not a status ("Booked" read as the visit's state all through it)
        kind = _("Walk-in") if view.kind == "walk_in" else _("Came on a booking")
        self.header.title.setText(view.client_name)
        sub = [kind]
        if view.client:
            sub.append(_("No. {n}").format(n=view.client.client_number))
        if view.is_new_client:
            sub.append(_("New client"))
        if view.staff_name:
            sub.append(_("Stylist: {name}").format(name=view.staff_name))
        self.header.set_subtitle(" · ".join(sub))
        status = view.status if view.step != "cancelled" else "cancelled"
        if view.step == "greeting" and view.greeted_at is not None:
            # greeted, the profile still being found: no longer "waiting" for a hello
            self.status_chip.set_status(
                step_label(view.step) + " · " + _("greeted {t}").format(t=format_time(view.greeted_at)), "ok"
            )
        elif view.step in ("greeting", "needs", "service"):
            self.status_chip.set_status(
                step_label(view.step) + " · " + status_label(status), STATUS_TONE.get(status, "neutral")
            )
        else:
            self.status_chip.set_status(step_label(view.step), "info" if is_open(view.step) else "neutral")
        self.stepper.set_step(view.step, view.skipped_steps)
        self.banner.set_text(view.client.alert_text if view.client and view.client.has_alert else "")
        self._tick()
        pages: dict[str, GreetingPage | NeedsPage | ServicePage] = {
            "greeting": self.greeting,
            "needs": self.needs,
            "service": self.service,
        }
        self._set_actions_visible(view.step in ("greeting", "needs", "service", "checkout", "rebooking"))
        self.back_btn.setVisible(view.step in ("needs", "service", "checkout"))
        self.skip_btn.setVisible(view.step in ("greeting", "needs", "service", "rebooking"))
        self.cancel_btn.setVisible(view.step in ("greeting", "needs", "service", "checkout"))
        if view.step in pages:
            page = pages[view.step]
            page.set_view(view)
            self.stack.setCurrentWidget(page)
        elif view.step == "checkout" and not self.ctx.can(Perm.CHECKOUT):
            self._set_actions_visible(False)
            self.stack.setCurrentWidget(self.handed_over)
        elif view.step in ("checkout", "rebooking"):
            self._show_panel(view.step)
        else:
            if self.closed_hint is not None:
                self.closed_hint.setText(self._closed_text(view))
            self.reprint_care_btn.setVisible(view.step == "done")
            self.stack.setCurrentWidget(self.closed)

    @staticmethod
    def _closed_text(view: VisitView) -> str:
        if view.step == "cancelled":
            reason = next((e.reason for e in reversed(view.events) if e.action == "cancel"), "")
            return _("Cancelled: {reason}").format(reason=reason) if reason else _("The visit was cancelled.")
        services = ", ".join(lg.name for lg in view.service_logs)
        text = _("Finished. Services: {services}. It is on the client's history.").format(
            services=services or _("none logged")
        )
        if view.next_appointment_at is not None:  # the desk can read the booking back to the client
            when = format_date(view.next_appointment_at, "full") + " " + format_time(view.next_appointment_at)
            text += "\n" + _("Next visit: {when} with {name}.").format(
                when=when, name=view.next_appointment_staff or _("any stylist")
            )
        return text

    def _set_actions_visible(self, on: bool) -> None:
        for b in (self.back_btn, self.skip_btn, self.cancel_btn, self.status_chip):
            b.setVisible(on)

    def _build_checkout(self) -> None:
        """The checkout panel built ahead, in its own turn of the event loop (it is the heaviest
        page: built when the visit reached checkout it held the GUI thread ~20 ms)."""
        if self._checkout is not None or self.ctx.actor is None:
            return
        checkout = CheckoutPanel(self.ctx, None)
        checkout.paid.connect(self._panel_done)
        checkout.payment_taken.connect(self._payment_taken)
        self._checkout = checkout
        self._host_layouts["checkout"].addWidget(checkout)

    def _show_panel(self, step: str) -> None:
        host = self.checkout_host if step == "checkout" else self.rebook_host
        if step == "checkout" and self._checkout is not None and self._panel_for[step] != self.visit_id:
            assert self.visit_id is not None
            self._checkout.load(self.visit_id)  # one panel, loaded per visit (see CheckoutPanel.load)
            self._panel_for[step] = self.visit_id
        if self._panel_for[step] != self.visit_id:
            lay = self._host_layouts[step]
            while lay.count():
                item = lay.takeAt(0)
                w = item.widget() if item is not None else None
                if w is not None:
                    w.deleteLater()
            assert self.visit_id is not None
            panel: QWidget
            if step == "checkout":
                checkout = CheckoutPanel(self.ctx, self.visit_id)
                self._checkout = checkout
                checkout.paid.connect(self._panel_done)
                checkout.payment_taken.connect(self._payment_taken)
                panel = checkout
            else:
                rebook = RebookPanel(self.ctx, self.visit_id)
                rebook.finished.connect(self._panel_done)
                panel = rebook
            lay.addWidget(panel)
            self._panel_for[step] = self.visit_id
        self.stack.setCurrentWidget(host)

    def unsaved_changes(self) -> str | None:
        """The guard's question (ui/shared/unsaved.py): a consultation typed but not saved."""
        if self.stack.currentWidget() is self.needs and self.needs.form.dirty:
            return _("the consultation")
        return None

    def _reprint_care(self) -> None:
        from ui.checkout.hardware import render_pdf
        from ui.shared.print_preview import print_pdf

        if self.visit_id is None:
            return
        ctx, vid = self.ctx, self.visit_id

        def work() -> tuple[bytes, str]:
            sale_id = ctx.services.payments.sale_for_visit(vid)
            if sale_id is None:
                raise ServiceError(_("This visit has no payment, so there is no care sheet to print."))
            return render_pdf(ctx, sale_id, "care")

        self.ctx.runner.run(
            self,
            work,
            on_done=lambda res: print_pdf(self, res[0], res[1]),
            on_error=lambda exc: show_error(self, exc),
        )

    def _actor_changed(self, *_args: object) -> None:
        self._panel_for = {"checkout": None, "rebooking": None}
        if self.visit_id is not None:
            self.reload()

    def _panel_done(self, *_args: object) -> None:
        self.reload()

    def _payment_taken(self, *_args: object) -> None:
        """Paid: the visit can no longer go back or be cancelled (a refund undoes a sale), so those
        buttons go while the satisfaction question is still on screen."""
        for b in (self.back_btn, self.cancel_btn):
            b.setVisible(False)
        self.status_chip.set_status(_("Paid"), "ok")

    def _tick(self) -> None:
        """Live times and standards, from the loaded timestamps (no database query)."""
        view = self.view
        if view is None:
            return
        now = self.ctx.services.clock()
        s = self.ctx.services.settings.standards()
        parts = [_("Arrived {t}").format(t=format_time(view.arrived_at))]
        if view.greeted_at:
            parts.append(_("greeted {t}").format(t=format_time(view.greeted_at)))
        if view.assessed_at:
            parts.append(_("plan confirmed {t}").format(t=format_time(view.assessed_at)))
        if view.service_started_at:
            parts.append(_("service from {t}").format(t=format_time(view.service_started_at)))
        if view.service_ended_at:
            parts.append(_("to {t}").format(t=format_time(view.service_ended_at)))
        elif view.step in ("greeting", "needs", "service") and not view.service_started_at:
            parts.append(_("waiting {d}").format(d=waited_text(now - view.arrived_at)))
        self.times.setText(" · ".join(parts))
        checks: tuple[std.Check, ...]
        if view.step in ("greeting", "needs", "service"):
            checks = (
                std.greet_check(s, view.arrived_at, view.greeted_at, now),
                std.reception_check(
                    s,
                    view.arrived_at,
                    view.assessed_at,
                    now,
                    std.returning(view.client.id if view.client else None, view.is_new_client),
                ),
                std.service_start_check(
                    s, view.booked_start_at, view.arrived_at, view.service_started_at, now
                ),
            )
            checks = tuple(
                c
                for c in checks
                if not (c.key == "greet" and "greeting" in view.skipped_steps)
                and not (c.key == "reception" and "needs" in view.skipped_steps)
            )
        else:
            checks = view.checks
        self.breaches.setText(breach_text(checks))

    # ------------------------------------------------------------------ step actions
    def _write(self, fn: Callable[[], object], after: Callable[[], None] | None = None) -> None:
        """Save a step action on the runner; then, saved or not (the error is shown), run
        ``after`` and reload the visit. The step buttons wait meanwhile."""
        self._set_writing(True)

        def finish(exc: Exception | None = None) -> None:
            self._set_writing(False)
            if exc is not None:
                show_error(self, exc)
            if after is not None:
                after()
            self.reload()

        self.ctx.runner.run(self, fn, on_done=lambda _r: finish(), on_error=finish, in_order=True)

    def _set_writing(self, on: bool) -> None:
        self._writing = on
        for b in (self.back_btn, self.skip_btn, self.cancel_btn):
            b.setEnabled(not on)

    def go_back(self) -> None:
        if self.visit_id is None or self._writing:
            return
        vid, visits, actor = self.visit_id, self.ctx.services.visits, self.ctx.actor

        def reset_panels() -> None:
            self._panel_for = {"checkout": None, "rebooking": None}

        self._write(lambda: visits.back(_signed_in(actor), vid), after=reset_panels)

    def skip_step(self) -> None:
        if self.view is None:
            return
        reason = ask_reason(
            self,
            _("Skip this step"),
            _("Why is the {step} step skipped? The reason is kept with the visit.").format(
                step=step_label(self.view.step)
            ),
        )
        if reason is None or self._writing:
            return
        vid, visits, actor = self.view.id, self.ctx.services.visits, self.ctx.actor
        self._write(lambda: visits.skip(_signed_in(actor), vid, reason))

    def cancel_visit(self) -> None:
        if self.view is None:
            return
        reason = ask_reason(
            self, _("Cancel the visit"), _("Why is the visit cancelled (e.g. the client had to leave)?")
        )
        if reason is None or self._writing:
            return
        keep = False
        if self.view.kind != "walk_in" and self.view.service_started_at is None:
            # a mistaken check-in: the booking stays (it was cancelled with the visit); Enter and
            # Escape keep it, since a cancelled booking cannot be taken back
            keep = not confirm(
                self,
                _("Cancel the booking too?"),
                _("Was the client checked in by mistake? Keep their booking as it was, or cancel it too."),
                yes=_("Cancel the booking too"),
                no=_("Keep the booking"),
                default_yes=False,
            )
        vid, visits, actor = self.view.id, self.ctx.services.visits, self.ctx.actor
        self._write(
            lambda: visits.cancel(_signed_in(actor), vid, reason, keep_booking=keep),
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape:
            self.ctx.navigate("today")
            return
        super().keyPressEvent(event)
