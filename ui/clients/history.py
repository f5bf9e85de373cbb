"""A client's history and standing: summary card and tabs (visits, complaints, prepaid, upcoming, consents)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.points import PointsCard
from desk_app.clients.views import ClientProfile, FormulaView
from desk_app.domain.money import Money
from desk_app.domain.visit import step_label
from desk_app.i18n import _, format_date, format_money, format_number, format_when, ngettext
from desk_app.visits.views import appt_status_label
from ui.shared.widgets import Card


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    return item


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(36)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(t: QTableWidget, rows: list[list[str]]) -> None:
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.setItem(r, c, _cell(text))
    t.resizeColumnsToContents()
    t.horizontalHeader().setStretchLastSection(True)


class _WithEmpty(QStackedWidget):
    """A list, or a sentence saying what an empty list means."""

    def __init__(self, view: QWidget, empty_text: str) -> None:
        super().__init__()
        self.view = view
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        self.empty.setMargin(16)
        self.addWidget(view)
        self.addWidget(self.empty)

    def set_empty(self, empty: bool) -> None:
        self.setCurrentWidget(self.empty if empty else self.view)


def formula_text(f: FormulaView) -> str:
    parts = []
    for c in f.components:
        bits = [str(c.get(k, "")) for k in ("product", "shade", "developer", "amount") if c.get(k)]
        if c.get("minutes"):
            bits.append(_("{n} min").format(n=c["minutes"]))
        if c.get("notes"):
            bits.append(str(c["notes"]))
        parts.append(" ".join(bits))
    text = " + ".join(p for p in parts if p)
    head = _("Formula v{n}").format(n=f.version_no)
    if f.superseded:
        head += " " + _("(corrected later)")
    tail = f" — {f.notes}" if f.notes else ""
    who = f" · {f.author_name}" if f.author_name else ""
    return f"{head}: {text}{tail}{who}"


def points_text(card: PointsCard) -> str:
    """"1,234 points (worth ¥12.34) · lapse on 7 Dec 2027 if unused", or why they pay nothing."""
    n = ngettext("{n} point", "{n} points", card.balance).format(n=format_number(card.balance))
    if card.lapsed:
        return n + "  ·  ⚠ " + _("lapsed: nothing earned or spent since {date}").format(
            date=format_date(card.last_activity_at) if card.last_activity_at else "—")
    text = n + " " + _("(worth {amount})").format(amount=format_money(Money.from_minor(card.worth_minor, card.currency).amount,
                                                                   card.currency))
    if card.lapses_on is not None:
        text += "  ·  " + _("lapse on {date} if unused").format(date=format_date(card.lapses_on))
    return text


class ClientSummary(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("At a glance"), parent)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.body.addLayout(self.grid)
        self.values: dict[str, QLabel] = {}
        keys = [
            ("value", _("Client value")),
            ("member", _("Membership")),
            ("spend", _("Total spend")),
            ("visits", _("Visits")),
            ("prepaid", _("Prepaid balance")),
            ("first", _("First visit")),
            ("last", _("Last visit")),
            ("registered", _("Registered")),
        ]
        for i, (key, label) in enumerate(keys):
            name = QLabel(label)
            name.setObjectName("muted")
            value = QLabel("—")
            value.setObjectName("money" if key in ("spend", "prepaid") else "")
            value.setWordWrap(True)
            self.grid.addWidget(name, i // 2 * 2, i % 2)
            self.grid.addWidget(value, i // 2 * 2 + 1, i % 2)
            self.values[key] = value

    def set_profile(self, p: ClientProfile) -> None:
        v = self.values
        v["value"].setText(value_text(p))
        if p.is_vip:
            since = format_date(p.member_since) if p.member_since else ""
            member = "★ " + _("VIP since {date}").format(date=since) if since else "★ " + _("VIP")
        else:
            member = _("Regular")
        if p.points is not None and p.points.balance:  # beside the membership, not instead of it
            member += "\n" + points_text(p.points)
        v["member"].setText(member)
        v["spend"].setText(format_money(p.total_spend, p.currency))
        visits = str(p.visit_count)
        if p.no_show_count:
            visits += "  ·  " + ngettext("{n} no-show", "{n} no-shows", p.no_show_count).format(n=p.no_show_count)
        v["visits"].setText(visits)
        prepaid = format_money(p.prepaid_balance, p.currency)
        if p.prepaid_expires_on:
            prepaid += "  ·  " + _("until {date}").format(date=format_date(p.prepaid_expires_on))
        if p.owed:
            prepaid += "  ·  " + _("{amount} owed from a complaint").format(amount=format_money(p.owed, p.currency))
        v["prepaid"].setText(prepaid)
        v["first"].setText(format_date(p.first_visit_at) if p.first_visit_at else _("Not yet"))
        v["last"].setText(format_date(p.last_visit_at) if p.last_visit_at else _("Not yet"))
        reg = format_date(p.registered_at)
        if p.registered_by_name:
            reg = _("{date} by {name}").format(date=reg, name=p.registered_by_name)
        v["registered"].setText(reg)


class ClientHistoryTabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyTabs")  # five tabs in the profile's right half: less room each
        self.visits = QTreeWidget()
        # the services take what is left (a sideways scroll bar at 1366 px with a products column);
        # the products, formulas, notes and problems are lines under the visit
        # what the visit's sales came to (top-ups and tips included): "Spend" beside the profile's
        # "Total spend" (goods only) read as a contradiction when a visit sold a top-up
        self.visits.setHeaderLabels([_("Date"), _("Stylist"), _("Services"), _("Paid at the visit"), _("Satisfaction")])
        self.visits.headerItem().setToolTip(
            3, _("What the visit's sales came to, prepaid top-ups and tips included; the total spend counts services and products only.")
        )
        self.visits.setAlternatingRowColors(True)
        self.visits.setUniformRowHeights(True)
        self.visits.setWordWrap(False)
        self.visits_box = _WithEmpty(self.visits, _("No visits yet. Start a visit to begin the history."))
        self.addTab(self.visits_box, _("Visits"))
        self.complaints = _table(
            [_("Opened"), _("Category"), _("Severity"), _("Status"), _("What happened"), _("Resolution")]
        )
        self.complaints_box = _WithEmpty(self.complaints, _("No complaints. Good."))
        self.addTab(self.complaints_box, _("Complaints"))
        prepaid = QWidget()
        pl = QVBoxLayout(prepaid)
        self.balance = QLabel()
        self.balance.setObjectName("sectionTitle")
        pl.addWidget(self.balance)
        self.packages = _table([_("Package"), _("Used"), _("Left"), _("Expires")])
        self.packages_box = _WithEmpty(self.packages, _("No packages bought."))
        pl.addWidget(self.packages_box, 1)
        self.points_title = QLabel()
        self.points_title.setObjectName("sectionTitle")
        self.points_title.setWordWrap(True)
        pl.addWidget(self.points_title)
        self.points = _table([_("When"), _("What"), _("Points"), _("Balance"), _("Receipt")])
        self.points_box = _WithEmpty(self.points, _("No points yet: a sale with the client on the bill earns them."))
        pl.addWidget(self.points_box, 3)  # the longer list: most of the tab's height
        self.addTab(prepaid, _("Balances"))  # prepaid, loyalty points and packages
        self.upcoming = _table([_("When"), _("Stylist"), _("Services"), _("Status")])
        self.upcoming_box = _WithEmpty(self.upcoming, _("No appointments booked. Use “Book” to make one."))
        self.addTab(self.upcoming_box, _("Upcoming"))
        self.consents = _table([_("Date"), _("Consent"), _("Answer"), _("Recorded by"), _("Note")])
        self.consents_box = _WithEmpty(self.consents, _("No consent recorded yet."))
        self.addTab(self.consents_box, _("Consents"))

    def set_profile(self, p: ClientProfile) -> None:
        self._visits(p)
        _fill(
            self.complaints,
            [
                [format_date(c.opened_at), c.category, c.severity, c.status, c.description, c.resolution]
                for c in p.complaints
            ],
        )
        self.complaints_box.set_empty(not p.complaints)
        self.setTabText(
            1, _("Complaints ({n})").format(n=len(p.complaints)) if p.complaints else _("Complaints")
        )
        self.balance.setText(
            _("Prepaid balance: {amount}").format(amount=format_money(p.prepaid_balance, p.currency))
        )
        _fill(
            self.packages,
            [
                [
                    k.name,
                    f"{k.sessions_used} / {k.sessions_total}",
                    str(k.sessions_left),
                    format_date(k.expires_on) if k.expires_on else "—",
                ]
                for k in p.packages
            ],
        )
        self.packages_box.set_empty(not p.packages)
        card = p.points
        self.points_title.setText(
            _("Loyalty points: {text}").format(text=points_text(card)) if card is not None else _("Loyalty points")
        )
        moves = card.moves if card is not None else ()
        _fill(
            self.points,
            [[format_when(m.at), m.word, f"{m.points:+,}", format_number(m.balance_after), m.receipt_no] for m in moves],
        )
        # the receipt number whole, the kind of move cut when the panel is narrow (whole in its tooltip)
        head = self.points.horizontalHeader()
        head.setStretchLastSection(False)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.points_box.set_empty(not moves)
        _fill(
            self.upcoming,
            [
                [format_when(a.start_at), a.staff_name, ", ".join(a.services), appt_status_label(a.status)]
                for a in p.upcoming
            ],
        )
        self.upcoming_box.set_empty(not p.upcoming)
        self.setTabText(3, _("Upcoming ({n})").format(n=len(p.upcoming)) if p.upcoming else _("Upcoming"))
        kinds = {"privacy": _("Privacy"), "marketing": _("Marketing"), "sms": _("Text messages"), "email": _("Email")}
        _fill(
            self.consents,
            [
                [
                    format_when(c.at),
                    kinds.get(c.kind, c.kind),
                    _("Yes") if c.granted else _("No"),
                    c.staff_name,
                    c.note,
                ]
                for c in p.consents
            ],
        )
        self.consents_box.set_empty(not p.consents)

    def _visits(self, p: ClientProfile) -> None:
        self.visits.clear()
        for v in p.visits:
            sat = "★" * v.satisfaction if v.satisfaction else "—"
            if v.step == "cancelled":  # said in words, not an empty row
                what = "✕ " + _("Cancelled")
            elif v.step != "done":
                what = "● " + _("In progress: {step}").format(step=step_label(v.step))
            else:
                what = ", ".join(v.services) or _("no service logged")
            top = QTreeWidgetItem(
                [
                    format_date(v.arrived_at),
                    v.staff_name or "—",
                    what,
                    format_money(v.spend, p.currency),
                    sat,
                ]
            )
            top.setToolTip(2, what)  # cut when long: whole here
            details = [_("Products: {names}").format(names=", ".join(v.products))] if v.products else []
            details += [formula_text(f) for f in v.formulas]
            if v.notes:
                details.append(_("Notes: {text}").format(text=v.notes))
            if v.problem:
                details.append("⚠ " + _("Problem: {text}").format(text=v.problem))
            self.visits.addTopLevelItem(top)
            for text in details:  # a line under the visit across the row (a formula is long)
                child = QTreeWidgetItem(top, [text])
                child.setToolTip(0, text)
                child.setFirstColumnSpanned(True)
            top.setExpanded(bool(details))
        for h in p.history:  # the old system's visits, after this app's own (for reference)
            self.visits.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        format_date(h.at),
                        h.staff_name or "—",
                        _("{what} (old system)").format(what=h.description),
                        "—" if h.amount is None else format_money(h.amount, p.currency),
                        "—",
                    ]
                )
            )
        # each column as wide as what it shows, the services what is left: a formula's line once
        # widened the services column past the panel (a sideways scroll bar at 1366 px)
        head = self.visits.header()
        head.setStretchLastSection(False)
        for c in (0, 1, 3, 4):
            self.visits.resizeColumnToContents(c)
        self.visits.setColumnWidth(1, min(130, self.visits.columnWidth(1)))  # a long name: cut
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        n = len(p.visits) + len(p.history)
        self.visits_box.set_empty(not n)
        self.setTabText(0, _("Visits ({n})").format(n=n) if n else _("Visits"))


def value_text(p: ClientProfile) -> str:
    """The client value segment, the last 12 months' spend and why the potential is high."""
    if not p.segment:
        return "—"
    from ui.shared.table import segment_cell

    cell = segment_cell(p.segment)
    parts = [cell if isinstance(cell, str) else cell[0]]
    parts.append(_("{amount} in 12 months").format(amount=format_money(p.spend_12m, p.currency)))
    if p.segment_why:
        parts.append(p.segment_why)
    return "  ·  ".join(parts)
