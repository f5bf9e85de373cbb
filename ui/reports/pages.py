"""The pages of the Reports screen: overview, staff performance, clients & quality, month over month."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.domain.money import currency_exponent
from desk_app.i18n import _
from desk_app.reports.monthly_staff import earned
from desk_app.reports.pdf import (
    appraisal_note,
    appraisal_rows,
    client_value_rows,
    compare_label,
    compare_note,
    complaint_deadline_rows,
    complaint_label,
    contact_rows,
    followup_rows,
    gift_voucher_rows,
    has_points,
    incident_rows,
    message_rows,
    met_of,
    payment_rows,
    points_rows,
    reconcile_rows,
    role_label,
    span_title,
    spot_check_rows,
    stock_rows,
    stylist_bars,
    stylist_sum_line,
)
from desk_app.reports.standards import standard_label
from ui.reports.charts import SERIES_COLORS, ChartView
from ui.theme import COLORS


def money(data: dict[str, Any], v: str | None) -> str:
    return "-" if v is None else i18n.format_money(Decimal(v), data["currency"])


def pct(v: str | None) -> str:
    return "-" if v is None else i18n.format_percent(Decimal(v), 1)


def fmt_value(data: dict[str, Any], key: str, v: Any) -> str:
    if v is None:
        return "-"
    if key.startswith("revenue.") or key in ("average_ticket", "prepaid.topups"):
        return money(data, str(v))
    if key == "rebooking_rate":
        return pct(str(v))
    if key.startswith("satisfaction."):
        return str(v)
    return i18n.format_number(int(v))


class Tile(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(2)
        self.label = QLabel()
        self.label.setObjectName("muted")
        self.value = QLabel()
        self.value.setStyleSheet("font-size: 22px; font-weight: 700;")
        self.note = QLabel()
        self.note.setObjectName("muted")
        # "▲ 194.9% vs the same days last month" widened four tiles past the page (a sideways
        # scroll bar at 1366 px, "Export CSV" cut): it takes a second line instead
        self.note.setWordWrap(True)
        for w in (self.label, self.value, self.note):
            lay.addWidget(w)

    def set(self, label: str, value: str, note: str = "", tone: str = "") -> None:
        self.label.setText(label)
        self.value.setText(value)
        self.note.setText(note)
        color = {"up": COLORS["ok"], "down": COLORS["bad"]}.get(tone, COLORS["muted"])
        self.note.setStyleSheet(f"color: {color};")


def change_note(data: dict[str, Any], key: str) -> tuple[str, str]:
    f = data.get("comparison", {}).get("figures", {}).get(key)
    if not f or f.get("delta_ratio") is None:
        return "", ""
    r = Decimal(f["delta_ratio"])
    arrow = "▲" if r > 0 else "▼" if r < 0 else "="
    good = r > 0 if key not in ("no_shows", "complaints.count") else r < 0
    text = (
        _("{arrow} {pct} vs last month")
        if data.get("period", {}).get("complete", True)
        else _("{arrow} {pct} vs the same days last month")
    )
    return text.format(arrow=arrow, pct=pct(str(abs(r)))), "up" if good else "down"


def two_lines(header: str) -> str:
    """A column heading on two lines, so a narrow column keeps its room: at the first space, or in
    Chinese (no spaces) before a full-width bracket ("绩效工资\n（占基本工资%）")."""
    if " " in header:
        return header.replace(" ", "\n", 1)
    return header.replace("（", "\n（", 1)


class NamesWhole(QObject):
    """The first column (the staff names) is never cut short. It stretches over the room the other
    columns leave, as in ``small_table``, while there is room for all of them; when there is not,
    it takes its contents' width and the figures scroll sideways. (Always stretched, it got what
    nine columns left on the staff page at 1366 px and cut the names to "Dani…".)"""

    def __init__(self, table: QTableWidget) -> None:
        super().__init__(table)
        self.table = table
        table.installEventFilter(self)
        # the other columns follow their contents (the style sheet's padding, the font) after the
        # table is shown: decide again once they have their widths
        table.horizontalHeader().sectionResized.connect(self.later)
        self.fit()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.later()
        return False

    def later(self, *_args: object) -> None:
        QTimer.singleShot(0, self, self.fit)

    def fit(self) -> None:
        t, hh = self.table, self.table.horizontalHeader()
        names = max(t.sizeHintForColumn(0), hh.sectionSizeHint(0))
        others = sum(hh.sectionSize(c) for c in range(1, t.columnCount()))  # sized to their contents
        room = names + others < t.viewport().width()
        mode = QHeaderView.ResizeMode.Stretch if room else QHeaderView.ResizeMode.ResizeToContents
        if hh.sectionResizeMode(0) != mode:
            hh.setSectionResizeMode(0, mode)


def small_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(30)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            it = QTableWidgetItem(text)
            if c >= numeric_from:
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, it)
    hh = t.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    hh.setMinimumSectionSize(70)
    if len(rows) <= 16:  # short tables show whole, without their own scroll bar
        t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        t.setFixedHeight(hh.sizeHint().height() + 30 * len(rows) + 4)
    return t


def _scroll(inner: QWidget) -> QScrollArea:
    sa = QScrollArea()
    sa.setWidgetResizable(True)
    sa.setFrameShape(QFrame.Shape.NoFrame)
    sa.setWidget(inner)
    return sa


class OverviewPage(QWidget):
    """Key figures as tiles, revenue by day and by category, payment methods."""

    TILES = 8

    def __init__(self) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        grid = QGridLayout()
        grid.setSpacing(10)
        self.tiles = [Tile() for _i in range(self.TILES)]
        for i, t in enumerate(self.tiles):
            grid.addWidget(t, i // 4, i % 4)
        lay.addLayout(grid)
        charts = QHBoxLayout()
        self.by_day = ChartView(_("Revenue by day"))
        self.by_category = ChartView(_("Revenue by category"))
        charts.addWidget(self.by_day, 3)
        charts.addWidget(self.by_category, 2)
        lay.addLayout(charts, 1)

    def show_data(self, data: dict[str, Any]) -> None:
        r = data["revenue"]
        sat = data["satisfaction"]
        figures = [
            (_("Revenue"), money(data, r["total"]), "revenue.total"),
            (_("Services"), money(data, r["services"]), "revenue.services"),
            (_("Retail products"), money(data, r["products"]), "revenue.products"),
            (_("Average ticket"), money(data, data["average_ticket"]), "average_ticket"),
            (_("Visits"), i18n.format_number(data["visits"]), "visits"),
            (
                _("New / returning clients"),
                f"{data['new_clients']} / {data['returning_clients']}",
                "new_clients",
            ),
            (_("Rebooking rate"), pct(data["rebooking_rate"]), "rebooking_rate"),
            (
                _("Checkout score"),
                "-" if sat["checkout"]["average"] is None else f"{sat['checkout']['average']} / 5",
                "satisfaction.checkout.average",
            ),
        ]
        for tile, (label, value, key) in zip(self.tiles, figures, strict=True):
            note, tone = change_note(data, key)
            tile.set(label, value, note, tone)
            if key == "new_clients":
                tile.setToolTip(NEW_CLIENTS_MEANS())
            elif key == "average_ticket":  # not revenue ÷ visits: the newcomer divided and doubted it
                tile.setToolTip(
                    _(
                        "What a sale came to on average: the month's sales before refunds (prepaid "
                        "top-ups aside) divided by the number of sales, {n} this month. Revenue is after "
                        "refunds, and a sale need not be a visit."
                    ).format(n=i18n.format_number(data.get("sales", {}).get("tickets", 0)))
                )
        days = r.get("by_day", [])
        self.by_day.set_bars([d["date"][8:] for d in days], [Decimal(d["total"]) for d in days])
        cats = [c for c in r.get("by_category", []) if Decimal(c["total"]) != 0]
        self.by_category.set_bars(
            [i18n.pick(c["name_zh"], c["name_en"]) for c in reversed(cats)],
            [Decimal(c["total"]) for c in reversed(cats)],
            SERIES_COLORS[1],
            horizontal=True,
        )


def NEW_CLIENTS_MEANS() -> str:  # noqa: N802 - reads as the constant it stands for
    return _(
        "New: the client's first visit ever was this month (whenever the profile was made). "
        "Returning: came this month and before. New profiles: profiles made this month."
    )


class StaffPage(QWidget):
    """Revenue by stylist and the staff performance table."""

    def __init__(self) -> None:
        super().__init__()
        self.lay = QHBoxLayout(self)
        self.lay.setContentsMargins(0, 8, 0, 0)
        left = QVBoxLayout()
        self.chart = ChartView(_("Service revenue by stylist"))
        left.addWidget(self.chart, 1)
        self.sum_line = QLabel()
        self.sum_line.setObjectName("muted")
        self.sum_line.setWordWrap(True)
        left.addWidget(self.sum_line)
        self.lay.addLayout(left, 2)  # 2 : 7 with the tables (2 : 5 left the last column scrolled off)
        self.table: QTableWidget | None = None
        self.appraisal_table: QTableWidget | None = None  # under the staff table
        self.appraisal_note: QLabel | None = None  # weights that do not add up to 100, base pay missing
        self.right: QWidget | None = None  # holds both

    def show_data(self, data: dict[str, Any]) -> None:
        staff = list(data.get("by_staff", []))  # only staff who did something this month
        labels, amounts = stylist_bars(data)  # stylists' service revenue, then "not assigned": = services
        self.chart.set_bars(list(reversed(labels[:16])), list(reversed(amounts[:16])), horizontal=True)
        self.sum_line.setText(stylist_sum_line(data))
        sign = i18n.currency_symbol(data["currency"])

        def amount(v: str) -> str:  # the currency once, in the heading: nine columns share the width
            return i18n.format_number(Decimal(v), currency_exponent(data["currency"]))

        rows = [
            [
                s["name"],
                amount(s["revenue"]) if earned(s) else "-",
                i18n.format_number(s["services_count"]),
                amount(s["retail"]) if earned(s) else "-",
                pct(s["rebooking_rate"]),
                s["satisfaction"]["checkout"]["average"] or "-",
                str(s["complaints"]),
                met_of(s["standards"]["reception"]),
                met_of(s["standards"]["service"]),
            ]
            for s in staff
        ]
        table = small_table(
            [
                _("Staff"),
                f"{_('Revenue')}\n({sign})",
                _("Services"),
                f"{_('Retail')}\n({sign})",
                _("Rebooking"),
                *(  # two lines: the staff names keep their room
                    two_lines(h)
                    for h in (_("Checkout score"), _("Complaints"), _("Reception standards"), _("Service standards"))
                ),
            ],
            rows,
        )
        table.horizontalHeader().setMinimumHeight(44)
        table.setToolTip(
            _(
                "Reception standards: greeting, reception, feedback, complaints and follow-up calls, for the desk "
                "person responsible. Service standards: the service started on time, for the stylist. Each is met "
                "of its own checks."
            )
        )
        appraisal = appraisal_rows(data)
        heads = [appraisal[0][0], *(two_lines(h) for h in appraisal[0][1:])]  # two lines: narrow columns
        ap_table = small_table(heads, [tuple(r) for r in appraisal[1:]]) if len(appraisal) > 1 else None
        for t in (table, ap_table):
            if t is not None:
                NamesWhole(t)
        # both tables scroll inside their part of the page: it fits a 1366x768 screen
        table.setMinimumHeight(120)
        if ap_table is not None:
            ap_table.setMinimumHeight(120)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(table)
        self.appraisal_note = None
        if ap_table is not None:
            title = QLabel(_("Staff appraisal"))
            title.setObjectName("sectionTitle")
            rl.addWidget(title)
            note = appraisal_note(data)
            if note:
                note_label = QLabel(note)
                note_label.setObjectName("warningText" if note.startswith("!") else "muted")
                note_label.setWordWrap(True)
                rl.addWidget(note_label)
                self.appraisal_note = note_label
            ap_table.horizontalHeader().setMinimumHeight(44)
            rl.addWidget(ap_table)
        if self.right is not None:
            self.lay.removeWidget(self.right)
            self.right.deleteLater()
        self.table, self.appraisal_table, self.right = table, ap_table, right
        self.lay.addWidget(right, 7)


class QualityPage(QWidget):
    """Satisfaction distribution, standards met (and over the month), complaints, follow-ups, prepaid."""

    def __init__(self) -> None:
        super().__init__()
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 8, 0, 0)
        row = QHBoxLayout()
        self.satisfaction = ChartView(_("Checkout scores (1-5)"), 220)
        self.standards = ChartView(_("Standards met"), 220)
        row.addWidget(self.satisfaction, 1)
        row.addWidget(self.standards, 2)
        lay.addLayout(row)
        self.over_time = ChartView(_("Standards met over the month"), 230)
        lay.addWidget(self.over_time)
        # two tables a row: four side by side left each label column a few letters wide at
        # the counter's 1366 px ("Messages not…", "已发…")
        self.tables = QGridLayout()
        self.tables.setColumnStretch(0, 1)
        self.tables.setColumnStretch(1, 1)
        lay.addLayout(self.tables)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(_scroll(inner))

    def show_data(self, data: dict[str, Any]) -> None:
        dist = data["satisfaction"]["checkout"]["distribution"]
        self.satisfaction.set_bars(
            ["1", "2", "3", "4", "5"], [dist.get(str(k), 0) for k in range(1, 6)], SERIES_COLORS[1]
        )
        stds = {k: v for k, v in data.get("standards", {}).items() if v["total"]}
        self.standards.set_bars(
            [standard_label(k) for k in reversed(stds)],
            [Decimal(v["rate"]) * 100 for v in reversed(list(stds.values()))],
            horizontal=True,
            value_max=100,
            fmt="%d%%",
        )
        by_day = data.get("standards_by_day", {})
        lines = []
        for role, v in data.get("standards_by_role", {}).items():
            stds_role = f"{role_label(role)}: {met_of(v)} ({pct(v['rate'])})"
            if role == "reception":
                self.standards.setToolTip(stds_role)
            else:
                self.standards.setToolTip(self.standards.toolTip() + "\n" + stds_role)
        for key in ("greet", "reception", "service_start"):
            days = by_day.get(key, [])
            lines.append(
                (
                    standard_label(key),
                    [None if d["total"] == 0 else 100.0 * d["met"] / d["total"] for d in days],
                )
            )
        self.over_time.set_lines([d["date"] for d in by_day.get("greet", [])], lines)
        while self.tables.count():
            item = self.tables.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        c, fu, pp, sat = data["complaints"], data.get("followups", {}), data["prepaid"], data["satisfaction"]
        figures = [
            (_("Checkout score (scores)"), f"{sat['checkout']['average'] or '-'} ({sat['checkout']['count']})"),
            (_("Follow-up call score (scores)"),
             f"{sat['followup']['average'] or '-'} ({sat['followup']['count']})"),
            (_("Complaints / overdue"), f"{c['count']} / {c['overdue']}"),
            (_("Median first response"), "-" if c["median_first_response_hours"] is None
             else _("{h} h").format(h=c["median_first_response_hours"])),
            *((a, b) for a, b in complaint_deadline_rows(c)),
            *((a, b) for a, b in contact_rows(data.get("contacts", {}))),
            *((a, b) for a, b in incident_rows(data.get("incidents", {}))),
            *((a, b) for a, b in spot_check_rows(data.get("spot_checks", {}))),
            *((a, b) for a, b in followup_rows(fu)),
            (_("No-shows"), str(data["no_shows"])),
            (_("New members (VIP)"), str(data["members_new"])),
            *((a, b) for a, b in client_value_rows(data.get("client_value", {}))),
            (_("New profiles"), str(data.get("new_profiles", "-"))),
            (_("Package sessions redeemed"), str(data.get("packages", {}).get("sessions_redeemed", 0))),
        ]  # fmt: skip
        self.tables.setAlignment(Qt.AlignmentFlag.AlignTop)
        tables = [small_table([_("Figure"), _("This month")], figures)]
        tables.append(
            small_table(
                [_("Complaints by category"), _("Complaints")],
                [(complaint_label(k), str(v)) for k, v in c["by_category"].items()],
            )
        )
        prepaid = [
            (_("Opening balance"), money(data, pp["opening_balance"])),
            (_("Top-ups"), money(data, pp["topups"])),
            (_("Spent"), money(data, pp["spent"])),
            (_("Deposits kept (no-shows)"), money(data, pp.get("deposits_taken", "0"))),
            (_("Closing balance"), money(data, pp["closing_balance"])),
        ]
        tables.append(small_table([_("Prepaid balances"), _("Amount")], prepaid))
        if data.get("messages"):
            head, *rows = message_rows(data["messages"])
            msg_table = small_table(head, rows)
            msg_table.setObjectName("report_messages")
            tables.append(msg_table)
        for i, t in enumerate(tables):
            self.tables.addWidget(t, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)


class ComparisonPage(QWidget):
    """Month over month, payment methods, what sold."""

    def __init__(self) -> None:
        super().__init__()
        self.lay = QHBoxLayout(self)
        self.lay.setContentsMargins(0, 8, 0, 0)

    def show_data(self, data: dict[str, Any]) -> None:
        while self.lay.count():
            item = self.lay.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        cmp_ = data.get("comparison", {})
        rows = [
            (
                compare_label(k),
                fmt_value(data, k, f["current"]),
                fmt_value(data, k, f["previous"]),
                "-" if f["delta_ratio"] is None else pct(f["delta_ratio"]),
            )
            for k, f in cmp_.get("figures", {}).items()
        ]
        prev = span_title(cmp_["previous_month"], cmp_.get("previous_period")) if cmp_ else ""
        left = QVBoxLayout()
        self.note = QLabel(compare_note(data))
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(self.note.text()))
        left.addWidget(self.note)
        left.addWidget(
            small_table([_("Figure"), span_title(data["month"], data.get("period")), prev, _("Difference")], rows)
        )
        left.addStretch(1)
        holder_l = QWidget()
        holder_l.setLayout(left)
        self.lay.addWidget(holder_l, 4)  # the wider side: its labels were cut to "Retail …" (was 3 : 4)
        col = QVBoxLayout()
        pay = payment_rows(data)
        col.addWidget(small_table(pay[0], pay[1:]))
        rec = reconcile_rows(data)
        col.addWidget(small_table(rec[0], rec[1:]))
        if "gift_vouchers" in data:  # what the shop owes voucher holders, under the money it took
            owed = gift_voucher_rows(data)
            vouchers = small_table(owed[0], owed[1:])
            vouchers.setObjectName("report_vouchers")
            col.addWidget(vouchers)
        if has_points(data):  # what clients hold in points, beside what voucher holders are owed
            held = points_rows(data)
            points = small_table(held[0], held[1:])
            points.setObjectName("report_points")
            col.addWidget(points)
        if "stock" in data:  # what the shelves hold at cost, what came, what counts found
            stock = stock_rows(data)
            shelves = small_table(stock[0], stock[1:])
            shelves.setObjectName("report_stock")
            col.addWidget(shelves)
        col.addWidget(
            small_table(
                [_("Top services"), _("Count"), _("Revenue")],
                [
                    (i18n.pick(s["name_zh"], s["name_en"]), str(s["count"]), money(data, s["revenue"]))
                    for s in data.get("top_services", [])[:6]
                ],
            )
        )
        col.addWidget(
            small_table(
                [_("Top products"), _("Quantity"), _("Revenue")],
                [
                    (i18n.pick(s["name_zh"], s["name_en"]), str(s["quantity"]), money(data, s["revenue"]))
                    for s in data.get("top_products", [])[:6]
                ],
            )
        )
        col.addStretch(1)
        holder = QWidget()
        holder.setLayout(col)
        self.lay.addWidget(_scroll(holder), 3)
