"""Clients › Lists: clients chosen by last visit, spend, services, VIP, birthday month, consent,
stylist, no-shows and branch (docs/clients.md, "Lists and segments"), counted live, shown a page of
100 at a time, saved by name (the owner), exported as CSV and sent a message (the owner).

Every read and write goes through the runner: a change of filter waits for a pause, then the count
and the page are read together; an answer older than the newest request is dropped (``Latest``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import get_month_names
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.lists import Audience, CampaignResult, ClientListRow
from desk_app.domain.client_filter import REACHABLE, ClientFilter, SavedSegment, reachable_label
from desk_app.domain.permissions import Perm
from desk_app.i18n import (
    _,
    babel_locale,
    currency,
    format_date,
    format_money,
    format_number,
    local,
    ngettext,
    pick,
)
from ui.context import UiContext
from ui.runner import Latest, debounce_timer
from ui.shared.files import in_documents
from ui.shared.table import RowsTable
from ui.shared.widgets import Button, ErrorLabel, FormScroll, confirm, error_text, show_error, show_info

PAGE = 100
WIDTHS = {0: 88, 2: 128, 3: 100, 4: 112, 5: 60, 6: 64}  # the name column takes the rest
FILTER_WIDTH = 330
# the last visit: how it is asked
LAST_ANY, LAST_WITHIN, LAST_NOT_SEEN, LAST_BETWEEN = "any", "within", "not_seen", "between"


def ask_name(parent: QWidget, title: str, label: str, text: str) -> str | None:
    """The name of a list (None: cancelled). A function of its own, so tests answer it."""
    name, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return name if ok else None


def _combo(items: list[tuple[str, Any]], name: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setMinimumHeight(44)
    for text, data in items:
        box.addItem(text, data)
    return box


def _days(name: str, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, 3650)
    spin.setMinimumHeight(44)
    spin.setSuffix(suffix)
    return spin


def _date_edit(name: str) -> QDateEdit:
    d = QDateEdit()
    d.setObjectName(name)
    d.setCalendarPopup(True)
    d.setDisplayFormat("yyyy-MM-dd")
    d.setMinimumHeight(44)
    return d


def _set(box: QComboBox, data: Any) -> None:
    i = box.findData(data)
    box.setCurrentIndex(max(i, 0))


class ClientListsPanel(QWidget):
    """The Lists view of the Clients screen. ``client_chosen(id)``: Enter or a double click on a row."""

    client_chosen = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clientLists")
        self.ctx = ctx
        self.filter = ClientFilter()
        self.offset = 0
        self.total = 0
        self.rows: list[ClientListRow] = []
        self.saved: list[SavedSegment] = []
        self._service_extra: tuple[int, ...] = ()  # a saved list's several services, kept as they were
        self._loads = Latest()
        self._choices = Latest()
        self._loading_filter = False  # the inputs are being set from a saved list: no reload per input
        self._timer = debounce_timer(self, self.reload, 250)

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(8)

        top = QHBoxLayout()
        saved_label = QLabel(_("Saved list"))
        top.addWidget(saved_label)
        self.segment_box = _combo([(_("— none —"), "")], "segmentBox")
        self.segment_box.setMinimumWidth(260)
        self.segment_box.setAccessibleName(_("Saved list"))
        saved_label.setBuddy(self.segment_box)
        self.segment_box.activated.connect(self._segment_chosen)
        top.addWidget(self.segment_box)
        self.delete_btn = Button(_("Delete list"), "trash", kind="ghost")
        self.delete_btn.clicked.connect(self.delete_segment)
        top.addWidget(self.delete_btn)
        top.addStretch()
        self.clear_btn = Button(_("Clear filters"), "x", kind="ghost")
        self.clear_btn.setToolTip(_("Every client again (Ctrl+Backspace)"))
        self.clear_btn.clicked.connect(self.clear_filters)
        top.addWidget(self.clear_btn)
        root.addLayout(top)

        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self._filters(), 0)
        right = QVBoxLayout()
        right.setSpacing(6)
        head = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("sectionTitle")
        head.addWidget(self.count_label)
        head.addStretch()
        right.addLayout(head)
        self.table = RowsTable(
            [_("Number"), _("Name"), _("Phone"), _("Last visit"), _("Spend"), _("Visits"), _("VIP")],
            stretch=1,
            empty_text=_("No client matches these filters. Loosen a filter, or Clear filters to see everyone."),
        )
        self._empty_text = self.table.empty_text
        self.table.empty_text = ""  # until the first figures come
        self.table.setObjectName("clientListTable")
        self.table.activated_row.connect(self._open_row)
        for col, width in WIDTHS.items():
            self.table.setColumnWidth(col, width)
        right.addWidget(self.table, 1)
        pager = head
        self.prev_btn = Button(_("Previous"), "chevron-left", kind="ghost")
        self.prev_btn.setToolTip(_("The previous 100 (Page Up)"))
        self.prev_btn.clicked.connect(lambda: self.go(-PAGE))
        self.next_btn = Button(_("Next"), "chevron-right", kind="ghost")
        self.next_btn.setToolTip(_("The next 100 (Page Down)"))
        self.next_btn.clicked.connect(lambda: self.go(PAGE))
        self.page_label = QLabel()
        self.page_label.setObjectName("muted")
        pager.addWidget(self.prev_btn)
        pager.addWidget(self.page_label)
        pager.addWidget(self.next_btn)
        actions = QHBoxLayout()
        self.error = ErrorLabel()
        actions.addWidget(self.error)
        actions.addStretch(1)
        self.save_btn = Button(_("Save as list…"), "star")
        self.save_btn.setToolTip(_("Keep these filters under a name, to use again (Ctrl+S)"))
        self.save_btn.clicked.connect(self.save_segment)
        self.export_btn = Button(_("Export CSV…"), "download")
        self.export_btn.setToolTip(_("Save these clients as a spreadsheet file (Ctrl+E)"))
        self.export_btn.clicked.connect(self.export_csv)
        self.send_btn = Button(_("Send a message…"), "message", kind="primary")
        self.send_btn.setToolTip(
            _("A message to the clients of this list who agreed to marketing messages (Ctrl+M)")
        )
        self.send_btn.clicked.connect(self.send_message)
        for b in (self.save_btn, self.export_btn, self.send_btn):
            actions.addWidget(b)
        body.addLayout(right, 1)
        root.addLayout(body, 1)
        root.addLayout(actions)

        for keys, slot in (
            ("Ctrl+S", self.save_segment),
            ("Ctrl+E", self.export_csv),
            ("Ctrl+M", self.send_message),
            ("Ctrl+Backspace", self.clear_filters),
            ("PgUp", lambda: self.go(-PAGE)),
            ("PgDown", lambda: self.go(PAGE)),
        ):
            sc = QShortcut(QKeySequence(keys), self)
            # the Ctrl keys work as soon as the list shows (F3 leaves the focus in the side bar: the
            # walk found them dead until a click); the page keys only inside it, not in other fields
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut if keys.startswith("Pg")
                          else Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
        self._show_count()
        self.apply_rights()

    # ------------------------------------------------------------------ the filter inputs
    def _filters(self) -> FormScroll:
        body = QWidget()
        form = QFormLayout(body)
        form.setContentsMargins(0, 0, 8, 0)
        form.setSpacing(6)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        days = " " + _("days")

        self.last_mode = _combo(
            [
                (_("Any time"), LAST_ANY),
                (_("In the last… days"), LAST_WITHIN),
                (_("Not seen for… days"), LAST_NOT_SEEN),
                (_("Between two days"), LAST_BETWEEN),
            ],
            "lastMode",
        )
        self.last_days = _days("lastDays", days)
        self.last_days.setValue(90)
        self.last_from = _date_edit("lastFrom")
        self.last_to = _date_edit("lastTo")
        today = local(self.ctx.services.clock()).date()
        self.last_to.setDate(QDate(today.year, today.month, today.day))
        self.last_from.setDate(QDate(today.year, today.month, today.day).addMonths(-3))
        last = QVBoxLayout()
        last.setSpacing(4)
        last.addWidget(self.last_mode)
        last.addWidget(self.last_days)
        dates = QHBoxLayout()
        dates.addWidget(self.last_from)
        dates.addWidget(self.last_to)
        last.addLayout(dates)
        form.addRow(_("Last visit"), last)

        spend = QHBoxLayout()
        self.spend_min = QLineEdit()
        self.spend_max = QLineEdit()
        for edit, name, hint in (
            (self.spend_min, "spendMin", _("from")),
            (self.spend_max, "spendMax", _("to")),
        ):
            edit.setObjectName(name)
            edit.setMinimumHeight(44)
            edit.setPlaceholderText(hint)
            edit.setClearButtonEnabled(True)
            spend.addWidget(edit)
        form.addRow(_("Total spend ({currency})").format(currency=currency()), spend)
        self.spend_error = ErrorLabel()
        form.addRow(self.spend_error)

        self.service = _combo([(_("Any service"), ())], "serviceBox")
        self.service_days = _days("serviceDays", days)
        self.service_days.setSpecialValueText(_("at any time"))
        self.service_days.setPrefix(_("in the last") + " ")
        form.addRow(_("Had the service"), self.service)
        form.addRow(self.service_days)

        self.vip = _combo([(_("Anyone"), None), (_("VIP only"), True), (_("Not VIP"), False)], "vipBox")
        form.addRow(_("VIP"), self.vip)
        months = get_month_names("wide", locale=babel_locale())
        self.birthday = _combo([(_("Any month"), None)] + [(months[m], m) for m in range(1, 13)], "birthdayBox")
        form.addRow(_("Birthday in"), self.birthday)
        self.marketing = _combo(
            [(_("Anyone"), None), (_("Agreed"), True), (_("Not agreed"), False)], "marketingBox"
        )
        form.addRow(_("Marketing messages"), self.marketing)
        self.reachable = _combo([(reachable_label(code), code) for code in REACHABLE], "reachableBox")
        form.addRow(_("May be messaged by"), self.reachable)

        self.favourite = _combo([(_("Anyone"), None)], "favouriteBox")
        form.addRow(_("Favourite stylist"), self.favourite)
        self.served = _combo([(_("Anyone"), None)], "servedBox")
        self.served_days = _days("servedDays", days)
        self.served_days.setSpecialValueText(_("at any time"))
        self.served_days.setPrefix(_("in the last") + " ")
        form.addRow(_("Served by"), self.served)
        form.addRow(self.served_days)
        self.no_shows = QSpinBox()
        self.no_shows.setObjectName("noShows")
        self.no_shows.setRange(0, 999)
        self.no_shows.setMinimumHeight(44)
        self.no_shows.setSpecialValueText(_("any"))
        form.addRow(_("Missed bookings, at least"), self.no_shows)
        self.branch = _combo([(_("Every branch"), None)], "branchBox")
        self.branch_label = QLabel(_("Branch"))
        form.addRow(self.branch_label, self.branch)
        self.branch.setVisible(False)
        self.branch_label.setVisible(False)

        for box in (self.last_mode, self.service, self.vip, self.birthday, self.marketing, self.reachable,
                    self.favourite, self.served, self.branch):  # fmt: skip
            box.currentIndexChanged.connect(self._changed)
        for spin in (self.last_days, self.service_days, self.served_days, self.no_shows):
            spin.valueChanged.connect(self._changed)
        for d in (self.last_from, self.last_to):
            d.dateChanged.connect(self._changed)
        for edit in (self.spend_min, self.spend_max):
            edit.textChanged.connect(self._changed)
        self._show_last_mode()
        scroll = FormScroll(body)
        scroll.setObjectName("clientListFilters")
        scroll.setFixedWidth(FILTER_WIDTH)
        return scroll

    def _show_last_mode(self) -> None:
        mode = self.last_mode.currentData()
        self.last_days.setVisible(mode in (LAST_WITHIN, LAST_NOT_SEEN))
        self.last_from.setVisible(mode == LAST_BETWEEN)
        self.last_to.setVisible(mode == LAST_BETWEEN)
        self.service_days.setEnabled(bool(self.service.currentData()))
        self.served_days.setEnabled(self.served.currentData() is not None)

    def _money(self, edit: QLineEdit) -> Decimal | None:
        t = edit.text().strip().replace(",", "")
        if not t:
            return None
        try:
            v = Decimal(t)
        except InvalidOperation:
            raise ValueError(t) from None
        if not v.is_finite() or v < 0:
            raise ValueError(t)
        return v

    def read_filter(self) -> ClientFilter:
        """The filter the inputs show (ValueError: an amount that is not one)."""
        mode = self.last_mode.currentData()
        f = ClientFilter()
        if mode == LAST_WITHIN:
            f = replace(f, seen_within_days=self.last_days.value())
        elif mode == LAST_NOT_SEEN:
            f = replace(f, not_seen_days=self.last_days.value())
        elif mode == LAST_BETWEEN:
            a, b = self.last_from.date(), self.last_to.date()
            f = replace(f, last_visit_from=date(a.year(), a.month(), a.day()),
                        last_visit_to=date(b.year(), b.month(), b.day()))  # fmt: skip
        service_ids: tuple[int, ...] = tuple(self.service.currentData() or ())
        served = self.served.currentData()
        return replace(
            f,
            spend_min=self._money(self.spend_min),
            spend_max=self._money(self.spend_max),
            service_ids=service_ids,
            service_within_days=(self.service_days.value() or None) if service_ids else None,
            vip=self.vip.currentData(),
            birthday_month=self.birthday.currentData(),
            marketing=self.marketing.currentData(),
            reachable=self.reachable.currentData() or "",
            favourite_staff_id=self.favourite.currentData(),
            served_by_staff_id=served,
            served_within_days=(self.served_days.value() or None) if served is not None else None,
            no_shows_min=self.no_shows.value() or None,
            branch_id=self.branch.currentData(),
        )

    def show_filter(self, f: ClientFilter) -> None:
        """Set the inputs to ``f`` (a saved list), then read once."""
        self._loading_filter = True
        try:
            if f.seen_within_days is not None:
                _set(self.last_mode, LAST_WITHIN)
                self.last_days.setValue(f.seen_within_days)
            elif f.not_seen_days is not None:
                _set(self.last_mode, LAST_NOT_SEEN)
                self.last_days.setValue(f.not_seen_days)
            elif f.last_visit_from is not None or f.last_visit_to is not None:
                _set(self.last_mode, LAST_BETWEEN)
                for edit, d in ((self.last_from, f.last_visit_from), (self.last_to, f.last_visit_to)):
                    if d is not None:
                        edit.setDate(QDate(d.year, d.month, d.day))
            else:
                _set(self.last_mode, LAST_ANY)
            self.spend_min.setText("" if f.spend_min is None else str(f.spend_min))
            self.spend_max.setText("" if f.spend_max is None else str(f.spend_max))
            self._set_services(f.service_ids)
            self.service_days.setValue(f.service_within_days or 0)
            _set(self.vip, f.vip)
            _set(self.birthday, f.birthday_month)
            _set(self.marketing, f.marketing)
            _set(self.reachable, f.reachable)
            _set(self.favourite, f.favourite_staff_id)
            _set(self.served, f.served_by_staff_id)
            self.served_days.setValue(f.served_within_days or 0)
            self.no_shows.setValue(f.no_shows_min or 0)
            _set(self.branch, f.branch_id)
        finally:
            self._loading_filter = False
        self._changed()

    def _set_services(self, ids: tuple[int, ...]) -> None:
        """One service is chosen in the box; a saved list's several services are one item of their own."""
        if len(ids) > 1:
            self._service_extra = ids
            i = self.service.findData(ids)
            if i < 0:
                self.service.addItem(_("{n} services").format(n=len(ids)), ids)
                i = self.service.count() - 1
            self.service.setCurrentIndex(i)
        else:
            _set(self.service, ids)

    def clear_filters(self) -> None:
        self.segment_box.setCurrentIndex(0)
        self.show_filter(ClientFilter())
        self.apply_rights()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """The choices (stylists, services, branches, saved lists), then the list."""
        if self.ctx.actor is None or not self.ctx.can(Perm.CLIENT_VIEW):
            return
        actor, services = self.ctx.actor, self.ctx.services

        def work() -> tuple[list[Any], list[Any], list[Any], list[SavedSegment]]:
            return (
                [s for s in services.auth.list_staff() if s.role != "receptionist"],
                services.catalog.services(),
                services.branches.list(),
                services.client_lists.segments(actor),
            )

        seq = self._choices.next()
        self.ctx.runner.run(self, work, on_done=self._choices.guard(seq, self._got_choices),
                            on_error=self._failed)  # fmt: skip

    def _got_choices(self, result: tuple[list[Any], list[Any], list[Any], list[SavedSegment]]) -> None:
        staff, svcs, branches, saved = result
        self._loading_filter = True
        try:
            for box, items in (
                (self.favourite, [(s.name, s.id) for s in staff]),
                (self.served, [(s.name, s.id) for s in staff]),
                (self.service, [(pick(s.name_zh, s.name_en), (s.id,)) for s in svcs]),
                (self.branch, [(b.name, b.id) for b in branches]),
            ):
                keep = box.currentData()
                while box.count() > 1:
                    box.removeItem(1)
                for text, data in items:
                    box.addItem(text, data)
                if box is self.service and len(self._service_extra) > 1:
                    box.addItem(_("{n} services").format(n=len(self._service_extra)), self._service_extra)
                _set(box, keep)
            several = len(branches) > 1
            self.branch.setVisible(several)
            self.branch_label.setVisible(several)
        finally:
            self._loading_filter = False
        self._show_segments(saved)
        self._changed()

    def _show_segments(self, saved: list[SavedSegment], current: str | None = None) -> None:
        self.saved = saved
        keep = self.segment_box.currentData() if current is None else current
        self.segment_box.blockSignals(True)
        while self.segment_box.count() > 1:
            self.segment_box.removeItem(1)
        for s in saved:
            self.segment_box.addItem(s.name, s.name)
        _set(self.segment_box, keep or "")
        self.segment_box.blockSignals(False)
        self.apply_rights()

    def _changed(self, *_a: Any) -> None:
        if self._loading_filter:
            return
        self._show_last_mode()
        self._counting()
        self._timer.start()

    def reload(self) -> None:
        """Read the count and the first page for the filter shown."""
        try:
            f = self.read_filter()
        except ValueError:
            self.spend_error.show_error(_("Enter an amount such as 500 or 1200.50."))
            self._not_counted()
            return
        self.spend_error.show_error(None)
        problems = f.problems()
        if problems:
            self.error.show_error(next(iter(problems.values())))
            self._not_counted()
            return
        self.filter = f
        self.offset = 0
        self._load()

    def go(self, delta: int) -> None:
        new = self.offset + delta
        if new < 0 or new >= max(self.total, 1) or self._loads.pending:
            return
        self.offset = new
        self._load()

    def _load(self) -> None:
        if self.ctx.actor is None:
            return
        actor, lists, f, offset = self.ctx.actor, self.ctx.services.client_lists, self.filter, self.offset

        def work() -> tuple[int, list[ClientListRow]]:
            return lists.count(actor, f), lists.page(actor, f, offset, PAGE)

        self._counting()
        seq = self._loads.next()
        self.ctx.runner.run(self, work, on_done=self._loads.guard(seq, self._loaded),
                            on_error=self._loads.guard(seq, self._failed))  # fmt: skip

    def _not_counted(self) -> None:
        """A filter that cannot be read: no count and no rows of another filter (the walk saw
        "Counting…" stay, over the last filter's rows), nothing to save, export or send."""
        self._loads.cancel()  # an answer still coming is for another filter
        self.total, self.rows, self.offset = 0, [], 0
        self.table.empty_text = ""
        self.table.set_rows([], [])
        self.count_label.setText(_("Put the filter right to count"))
        self.page_label.setText("")
        for b in (self.save_btn, self.export_btn, self.send_btn, self.prev_btn, self.next_btn):
            b.setEnabled(False)

    def _counting(self) -> None:
        """Until the figures come: no "0 clients" or "no client matches" that are not so yet."""
        self.count_label.setText(_("Counting…"))
        self.table.empty_text = ""
        self.table.viewport().update()
        for b in (self.export_btn, self.send_btn):
            b.setEnabled(False)

    def loading(self) -> bool:
        return self._loads.pending or self._choices.pending or self._timer.isActive()

    def _failed(self, exc: Exception) -> None:
        self.error.show_error(error_text(exc))

    def _loaded(self, result: tuple[int, list[ClientListRow]]) -> None:
        self.total, self.rows = result
        self.table.empty_text = self._empty_text
        self.error.show_error(None)
        cells = [
            [
                r.client_number,
                r.name,
                r.phone,
                format_date(local(r.last_visit_at), "short") if r.last_visit_at else ("—", "muted"),
                format_money(r.total_spend),
                format_number(r.visit_count),
                ("★ " + _("VIP"), "warn") if r.vip else "",
            ]
            for r in self.rows
        ]
        self.table.set_rows(cells, [r.id for r in self.rows])
        self._show_count()

    def _show_count(self) -> None:
        n = self.total
        self.count_label.setText(
            _("{n} clients").format(n=format_number(n)) if n != 1 else _("1 client")
        )
        if n:
            last = min(self.offset + PAGE, n)
            self.page_label.setText(
                _("{first}–{last} of {n}").format(first=format_number(self.offset + 1), last=format_number(last),
                                                  n=format_number(n))  # fmt: skip
            )
        else:
            self.page_label.setText("")
        self.prev_btn.setEnabled(self.offset > 0)
        self.next_btn.setEnabled(self.offset + PAGE < n)
        self.save_btn.setEnabled(True)
        self.export_btn.setEnabled(n > 0)
        self.send_btn.setEnabled(n > 0)

    def apply_rights(self) -> None:
        # another person signed in: they start from every client, not from the last person's filters
        who = self.ctx.actor.staff_id if self.ctx.actor is not None else None
        before, self._who = getattr(self, "_who", who), who
        if before != who:
            self.clear_filters()
        owner = self.ctx.can(Perm.SETTINGS)
        self.save_btn.setVisible(owner)
        self.send_btn.setVisible(owner)
        self.delete_btn.setVisible(owner and bool(self.segment_box.currentData()))
        self.export_btn.setVisible(self.ctx.can(Perm.EXPORT))

    def _open_row(self, client_id: object) -> None:
        if isinstance(client_id, int):
            self.client_chosen.emit(client_id)

    # ------------------------------------------------------------------ saved lists
    def _segment_chosen(self, _index: int = 0) -> None:
        name = self.segment_box.currentData()
        self.apply_rights()
        found = next((s for s in self.saved if s.name == name), None)
        if found is not None:
            self.show_filter(found.filter)

    def save_segment(self) -> None:
        if self.ctx.actor is None or not self.ctx.can(Perm.SETTINGS):
            return
        try:
            f = self.read_filter()
        except ValueError:
            self.spend_error.show_error(_("Enter an amount such as 500 or 1200.50."))
            return
        current = self.segment_box.currentData() or ""
        name = ask_name(self, _("Save as list"), _("The list's name (the same name replaces that list):"), current)
        if name is None or not name.strip():
            return
        actor, lists = self.ctx.actor, self.ctx.services.client_lists
        self.ctx.runner.run(
            self,
            lambda: lists.save_segment(actor, name, f),
            on_done=lambda saved: self._show_segments(saved, name.strip()),
            on_error=lambda exc: show_error(self, exc),
            in_order=True,
        )

    def delete_segment(self) -> None:
        name = self.segment_box.currentData()
        if not name or self.ctx.actor is None or not self.ctx.can(Perm.SETTINGS):
            return
        if not confirm(self, _("Delete the list {name}?").format(name=name),
                       _("The clients stay; only the saved filters go."), yes=_("Delete list"),
                       no=_("Keep it"), default_yes=False):  # fmt: skip
            return
        actor, lists = self.ctx.actor, self.ctx.services.client_lists
        self.ctx.runner.run(
            self,
            lambda: lists.delete_segment(actor, name),
            on_done=lambda saved: self._show_segments(saved, ""),
            on_error=lambda exc: show_error(self, exc),
            in_order=True,
        )

    # ------------------------------------------------------------------ export and message
    def export_csv(self) -> None:
        if self.ctx.actor is None or not self.ctx.can(Perm.EXPORT) or not self.total:
            return
        segment = self.segment_box.currentData() or ""
        suggested = in_documents((segment or _("clients")).replace("/", "-") + ".csv")
        path, _filter = QFileDialog.getSaveFileName(self, _("Export CSV"), suggested, _("CSV files (*.csv)"))
        if not path:
            return
        actor, lists, f = self.ctx.actor, self.ctx.services.client_lists, self.filter
        self.export_btn.setEnabled(False)

        def done(n: int) -> None:
            self.export_btn.setEnabled(True)
            show_info(self, _("{n} clients saved to {path}.").format(n=format_number(n), path=path))

        def failed(exc: Exception) -> None:
            self.export_btn.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(self, lambda: lists.export_csv(actor, f, path, segment), on_done=done, on_error=failed)

    def send_message(self) -> None:
        if self.ctx.actor is None or not self.ctx.can(Perm.SETTINGS) or not self.total:
            return
        actor, lists, f = self.ctx.actor, self.ctx.services.client_lists, self.filter
        self.send_btn.setEnabled(False)
        self.ctx.runner.run(self, lambda: lists.audience(actor, f), on_done=self._ask_send,
                            on_error=self._send_failed)  # fmt: skip

    def _send_failed(self, exc: Exception) -> None:
        self.send_btn.setEnabled(self.total > 0)
        show_error(self, exc)

    def _ask_send(self, aud: Audience) -> None:
        self.send_btn.setEnabled(self.total > 0)
        if not aud.channels:
            show_error(self, _("No way to send messages is set up yet: set up email or text messages in "
                               "Messages › Channels & timing first."))  # fmt: skip
            return
        if not aud.will_get:
            show_info(self, aud.sentence() + ".", _("Nobody to send to"))
            return
        text = (
            aud.sentence() + ".\n\n"
            + _("They get the message \"Message to a client list\" as worded in Messages › Templates, in their "
                "own language, by text or email as each agreed. Sent again today, it goes to nobody twice.")
        )  # fmt: skip
        if not confirm(self, ngettext("Send a message to {n} client?", "Send a message to {n} clients?", aud.will_get)
                       .format(n=format_number(aud.will_get)), text,
                       yes=_("Send to {n}").format(n=format_number(aud.will_get)), no=_("Not now"),
                       default_yes=False):  # fmt: skip
            return
        actor, lists, f = self.ctx.actor, self.ctx.services.client_lists, self.filter
        segment = self.segment_box.currentData() or ""
        assert actor is not None
        self.send_btn.setEnabled(False)
        self.ctx.runner.run(self, lambda: lists.send_message(actor, f, segment), on_done=self._sent,
                            on_error=self._send_failed, in_order=True)  # fmt: skip

    def _sent(self, res: CampaignResult) -> None:
        self.send_btn.setEnabled(self.total > 0)
        words = _("{n} messages queued; the sender sends them in the next minutes (Messages › Outbox).").format(
            n=format_number(res.queued)
        )
        if res.already:
            words += " " + _("{n} of the list had this message already and do not get it twice.").format(
                n=format_number(res.already)
            )
        show_info(self, words, _("Message queued"))
