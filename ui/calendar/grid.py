"""The calendar grid, painted by hand so 20 stylists x 25 appointments build and paint in a few ms.

Columns are stylists (day view), chairs/rooms (day view, read-only) or days (week view of one
stylist). Rows are local wall-clock time. Working hours are white, the rest and breaks shaded;
appointments are coloured by status and labelled with the status word.

Mouse: click a free slot -> ``slot_activated``; click an appointment -> select it; double-click ->
``appointment_activated``; drag an appointment to another time or stylist -> ``appointment_dropped``.
Keys: arrows move the cursor, Enter books/opens, Delete cancels, Ctrl+arrows move the selected
appointment one slot (or one column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desk_app.calendar.views import INACTIVE_STATUSES, AppointmentView, DayView, WeekView
from desk_app.domain.slots import Interval
from desk_app.i18n import _, format_date, format_time
from ui.theme import COLORS, STATUS_TONE, TONE_BG, TONE_SYMBOL

# status -> (text/bar colour, fill, symbol): every status its own colour AND its word
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "booked": (COLORS["info"], TONE_BG["info"], "○"),
    "confirmed": (COLORS["accent"], "#DDF3EE", "●"),
    "arrived": (COLORS["warn"], TONE_BG["warn"], "→"),
    "in_service": (COLORS["ok"], TONE_BG["ok"], "▶"),
    "done": (COLORS["neutral"], TONE_BG["neutral"], "✓"),
    "cancelled": (COLORS["neutral"], "#F3F4F7", "✕"),
    "no_show": (COLORS["bad"], TONE_BG["bad"], "!"),
}

HEADER_H = 52
GUTTER_W = 60
MIN_COL_W = 96  # a day of a shop's stylists fits 1366 px (chairs and rooms are shown on request)
MIN_HOUR_H = 46


@dataclass
class Column:
    kind: str  # staff | resource | day
    ident: int  # staff id / resource id
    title: str
    subtitle: str
    day: date
    origin: datetime  # UTC instant of the first drawn minute on this column's day
    shifts: tuple[Interval, ...] = ()
    breaks: tuple[Interval, ...] = ()
    appts: list[AppointmentView] = field(default_factory=list)
    color: str = ""
    planned: bool = False  # a staff member's day the rota plans (marked in the header)

    @property
    def droppable(self) -> bool:
        return self.kind in ("staff", "day")


def columns_for_day(view: DayView, with_resources: bool) -> list[Column]:
    cols = [
        Column(
            "staff",
            s.id,
            s.name,
            "",
            view.day,
            view.display_from,
            s.shifts,
            s.breaks,
            view.for_staff(s.id),
            s.color,
            s.planned,
        )
        for s in view.staff
    ]
    if with_resources:
        used = {a.resource_id for a in view.appointments if a.resource_id}
        for r in view.resources:
            if r.id in used or r.kind in ("chair", "room"):
                cols.append(
                    Column(
                        "resource",
                        r.id,
                        r.name,
                        _kind_word(r.kind),
                        view.day,
                        view.display_from,
                        appts=view.for_resource(r.id),
                    )
                )
    return cols


def columns_for_week(week: WeekView) -> list[Column]:
    out = []
    for d in week.days:
        st = d.staff[0]
        out.append(
            Column(
                "day",
                st.id,
                format_date(d.day, "EEE"),
                format_date(d.day, "MMM d"),
                d.day,
                d.display_from,
                st.shifts,
                st.breaks,
                list(d.appointments),
                st.color,
                st.planned,
            )
        )
    return out


def _kind_word(kind: str) -> str:
    return {"chair": _("Chair"), "room": _("Room"), "bed": _("Bed"), "basin": _("Basin")}.get(kind, kind)


class CalendarGrid(QWidget):
    slot_activated = Signal(int, object)  # column index, start (UTC datetime)
    appointment_selected = Signal(int)  # appointment id (0 = none)
    appointment_activated = Signal(int)
    appointment_dropped = Signal(int, int, object)  # appointment id, column index, new start
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarGrid")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.columns: list[Column] = []
        self.tz = ZoneInfo("Asia/Shanghai")
        self.slot_minutes = 15
        self.minutes = 12 * 60
        self.now: datetime | None = None
        self.cursor_col = 0
        self.cursor_min = 0  # minutes from the column origin
        self.selected_id = 0
        self._press: QPoint | None = None
        self._press_appt: AppointmentView | None = None
        self._drag_to: tuple[int, int] | None = None  # column, minute
        self._font = QFont(self.font())
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(7.5, self.font().pointSizeF() - 1.5))

    # ----------------------------------------------------------------- data
    def set_columns(
        self,
        columns: list[Column],
        tz: ZoneInfo,
        slot_minutes: int,
        minutes: int,
        now: datetime | None = None,
    ) -> None:
        self.columns = columns
        self.tz = tz
        self.slot_minutes = max(5, slot_minutes)
        self.minutes = max(60, minutes)
        self.now = now
        self.cursor_col = min(self.cursor_col, max(0, len(columns) - 1))
        self.cursor_min = min(self.cursor_min, self.minutes - self.slot_minutes)
        if self.selected_id and not any(a.id == self.selected_id for c in columns for a in c.appts):
            self.selected_id = 0
        self.updateGeometry()
        self.update()

    def appointment(self, appt_id: int) -> AppointmentView | None:
        for c in self.columns:
            for a in c.appts:
                if a.id == appt_id:
                    return a
        return None

    def selected(self) -> AppointmentView | None:
        return self.appointment(self.selected_id) if self.selected_id else None

    def cursor_start(self) -> datetime | None:
        if not self.columns:
            return None
        return self.columns[self.cursor_col].origin + timedelta(minutes=self.cursor_min)

    def select(self, appt_id: int) -> None:
        self.selected_id = appt_id
        a = self.appointment(appt_id)
        if a is not None:
            for i, c in enumerate(self.columns):
                if a in c.appts and c.droppable:
                    self.cursor_col = i
                    self.cursor_min = self._minute_of(c, a.start_at)
                    break
        self.appointment_selected.emit(appt_id)
        self.update()

    # ----------------------------------------------------------------- geometry
    def sizeHint(self) -> QSize:
        return QSize(
            GUTTER_W + MIN_COL_W * max(1, len(self.columns)), HEADER_H + MIN_HOUR_H * self.minutes // 60
        )

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def _col_w(self) -> float:
        n = max(1, len(self.columns))
        return max(float(MIN_COL_W), (self.width() - GUTTER_W) / n)

    def _px_per_min(self) -> float:
        return max(MIN_HOUR_H / 60, (self.height() - HEADER_H) / self.minutes)

    def _minute_of(self, col: Column, t: datetime) -> int:
        return int((t - col.origin).total_seconds() // 60)

    def _y(self, minute: float) -> float:
        return HEADER_H + minute * self._px_per_min()

    def col_rect(self, i: int) -> QRectF:
        w = self._col_w()
        return QRectF(GUTTER_W + i * w, HEADER_H, w, self.height() - HEADER_H)

    def appt_rect(self, i: int, a: AppointmentView) -> QRectF:
        c = self.columns[i]
        r = self.col_rect(i)
        top = self._y(self._minute_of(c, a.start_at))
        bottom = self._y(self._minute_of(c, a.end_at))
        if a.status in INACTIVE_STATUSES:  # a narrow lane on the right: the time is free again
            return QRectF(r.right() - r.width() * 0.28, top, r.width() * 0.28 - 3, max(14.0, bottom - top))
        narrow = _overlaps_inactive(c, a)
        return QRectF(
            r.left() + 3,
            top + 1,
            r.width() * 0.70 - 4 if narrow else r.width() - 7,
            max(16.0, bottom - top - 2),
        )

    def hit(self, pos: QPoint) -> tuple[int, int, AppointmentView | None]:
        """Column index, minute (snapped to the slot grid) and the appointment under ``pos``."""
        if not self.columns or pos.x() < GUTTER_W or pos.y() < HEADER_H:
            return -1, 0, None
        i = min(len(self.columns) - 1, int((pos.x() - GUTTER_W) // self._col_w()))
        minute = (pos.y() - HEADER_H) / self._px_per_min()
        snapped = int(minute // self.slot_minutes) * self.slot_minutes
        snapped = max(0, min(snapped, self.minutes - self.slot_minutes))
        for a in self.columns[i].appts:
            if self.appt_rect(i, a).contains(pos.toPointF()):
                return i, snapped, a
        return i, snapped, None

    def point_for(self, col: int, start: datetime) -> QPoint:
        """The centre of the slot at ``start`` in column ``col`` (for tests and keyboard focus)."""
        r = self.col_rect(col)
        m = self._minute_of(self.columns[col], start)
        return QPoint(int(r.center().x()), int(self._y(m + self.slot_minutes / 2)))

    # ----------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self.paint(p, event.rect())
        finally:
            p.end()

    def paint(self, p: QPainter, clip: QRect) -> None:
        w, h = self.width(), self.height()
        p.fillRect(QRect(0, 0, w, h), QColor(COLORS["surface"]))
        shade = QColor("#EEF0F5")
        brk = QColor("#E2E5EC")
        line = QColor(COLORS["border"])
        faint = QColor("#F1F2F6")
        ppm = self._px_per_min()
        cw = self._col_w()
        p.setFont(self._small)
        labels: list[QRectF] = []
        # columns: closed time shaded, working time white, breaks hatched
        for i, c in enumerate(self.columns):
            r = self.col_rect(i)
            if r.left() > clip.right() or r.right() < clip.left():
                continue
            if c.kind == "resource":
                p.fillRect(r, QColor("#F8F9FC"))
            else:
                p.fillRect(r, shade)
                for iv in c.shifts:
                    y0, y1 = self._y(self._minute_of(c, iv.start)), self._y(self._minute_of(c, iv.end))
                    p.fillRect(QRectF(r.left(), y0, r.width(), y1 - y0), QColor(COLORS["surface"]))
                for iv in c.breaks:
                    y0, y1 = self._y(self._minute_of(c, iv.start)), self._y(self._minute_of(c, iv.end))
                    br = QRectF(r.left(), y0, r.width(), y1 - y0)
                    p.fillRect(br, brk)
                    if y1 - y0 > 12:
                        labels.append(br)
        # hour and slot lines
        for m in range(0, self.minutes + 1, self.slot_minutes):
            y = self._y(m)
            on_hour = m % 60 == 0
            p.setPen(QPen(line if on_hour else faint, 1))
            p.drawLine(GUTTER_W, int(y), w, int(y))
        for i in range(len(self.columns) + 1):
            xi = int(GUTTER_W + i * cw)
            p.setPen(QPen(line, 1))
            p.drawLine(xi, 0, xi, h)
        p.setPen(QColor(COLORS["muted"]))
        for br in labels:
            p.fillRect(br.adjusted(1, 1, 0, 0), brk)
            p.drawText(br.adjusted(6, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, _("Break"))
        # time gutter
        if self.columns:
            origin = self.columns[0].origin
            p.setPen(QColor(COLORS["muted"]))
            for m in range(0, self.minutes, 60):
                y = self._y(m)
                p.drawText(
                    QRectF(0, y - 2, GUTTER_W - 8, 18),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                    hhmm(origin + timedelta(minutes=m)),
                )
        # the cursor (selected free slot)
        if self.columns and self.hasFocus() or self.columns and not self.selected_id:
            r = self.col_rect(self.cursor_col)
            y0 = self._y(self.cursor_min)
            cur = QRectF(r.left() + 2, y0 + 1, r.width() - 4, self.slot_minutes * ppm - 2)
            p.setPen(QPen(QColor(COLORS["primary"]), 2, Qt.PenStyle.DashLine))
            p.setBrush(QColor(47, 111, 222, 28))
            p.drawRoundedRect(cur, 4, 4)
        # appointments
        for i, c in enumerate(self.columns):
            r = self.col_rect(i)
            if r.left() > clip.right() or r.right() < clip.left():
                continue
            for a in c.appts:
                self._paint_appt(p, self.appt_rect(i, a), a, c.kind == "resource")
        # drag ghost
        if self._drag_to is not None and self._press_appt is not None:
            ci, m = self._drag_to
            r = self.col_rect(ci)
            ghost = QRectF(r.left() + 3, self._y(m), r.width() - 7, self._press_appt.duration_min * ppm)
            p.setPen(QPen(QColor(COLORS["primary"]), 2))
            p.setBrush(QColor(47, 111, 222, 60))
            p.drawRoundedRect(ghost, 5, 5)
            p.setPen(QColor(COLORS["primary_dark"]))
            p.drawText(
                ghost.adjusted(6, 2, -4, 0),
                Qt.AlignmentFlag.AlignTop,
                hhmm(self.columns[ci].origin + timedelta(minutes=m)),
            )
        # now line
        if self.now is not None:
            for i, c in enumerate(self.columns):
                m = self._minute_of(c, self.now)
                if 0 <= m <= self.minutes:
                    r = self.col_rect(i)
                    p.setPen(QPen(QColor(COLORS["bad"]), 2))
                    p.drawLine(int(r.left()), int(self._y(m)), int(r.right()), int(self._y(m)))
        # header
        p.fillRect(QRect(0, 0, w, HEADER_H), QColor(COLORS["surface"]))
        p.setPen(QPen(line, 1))
        p.drawLine(0, HEADER_H - 1, w, HEADER_H - 1)
        for i, c in enumerate(self.columns):
            x = GUTTER_W + i * cw
            hr = QRectF(x + 8, 4, cw - 12, HEADER_H - 8)
            if c.color and c.kind != "resource":
                p.fillRect(QRectF(x + 1, HEADER_H - 5, cw - 2, 4), QColor(c.color))
            p.setFont(self._bold)
            p.setPen(QColor(COLORS["text"] if c.kind != "resource" else COLORS["muted"]))
            title = p.fontMetrics().elidedText(c.title, Qt.TextElideMode.ElideRight, int(hr.width()))
            p.drawText(hr, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)
            p.setFont(self._small)
            p.setPen(QColor(COLORS["muted"]))
            sub = c.subtitle or _n_booked(c)
            if c.planned and c.kind == "staff" and not c.shifts:  # the rota's day off (bookings may be left on it)
                n = sum(1 for a in c.appts if a.status not in INACTIVE_STATUSES)
                sub = _("✎ day off · {n} booked").format(n=n) if n else _("✎ day off")
            elif c.planned:  # the rota's day, not the standard hours
                sub = _("✎ rota · {what}").format(what=sub)
            p.drawText(hr, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, sub)

    def _paint_appt(self, p: QPainter, r: QRectF, a: AppointmentView, muted: bool) -> None:
        tone = STATUS_TONE.get(a.status, "info")
        fg_hex, bg_hex, symbol = STATUS_STYLE.get(
            a.status,
            (
                COLORS.get(tone, COLORS["info"]),
                TONE_BG.get(tone, TONE_BG["info"]),
                TONE_SYMBOL.get(tone, "•"),
            ),
        )
        fg, bg = QColor(fg_hex), QColor(bg_hex)
        inactive = a.status in INACTIVE_STATUSES
        if muted:
            bg = QColor("#EEF0F4")
        p.setPen(QPen(QColor(COLORS["primary"]), 2) if a.id == self.selected_id else Qt.PenStyle.NoPen)
        p.setBrush(bg)
        p.drawRoundedRect(r, 5, 5)
        p.fillRect(QRectF(r.left(), r.top(), 4, r.height()), fg)
        if a.block_end_at > a.end_at and not inactive:  # the buffer after, as a faint tail
            tail = (a.block_end_at - a.end_at).total_seconds() / 60 * self._px_per_min()
            p.fillRect(QRectF(r.left() + 4, r.bottom(), r.width() - 4, tail), QColor(0, 0, 0, 14))
        inner = r.adjusted(8, 2, -4, -2)
        if inner.height() < 10:
            return
        p.setPen(fg)
        p.setFont(self._small)
        status = f"{symbol} {a.status_label}"
        fm = p.fontMetrics()
        lh = fm.height()
        if inactive:
            words = lane_text(fm, symbol, a.status_label, inner.width())
            p.drawText(inner, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter, words)
            return
        p.setPen(QColor(COLORS["text"]))
        p.setFont(self._bold)
        head = f"{hhmm(a.start_at)} {a.client_name or _('Walk-in')}"
        p.drawText(
            inner,
            Qt.AlignmentFlag.AlignTop,
            p.fontMetrics().elidedText(head, Qt.TextElideMode.ElideRight, int(inner.width())),
        )
        p.setFont(self._small)
        y = inner.top() + p.fontMetrics().height()
        second = a.staff_name if muted else a.service_names
        lines = [status, second]  # the status word always shows: colour is never the only signal
        for text in lines:
            if y + lh > inner.bottom() + 3:
                break
            p.setPen(fg if text is status else QColor(COLORS["muted"]))
            p.drawText(
                QRectF(inner.left(), y, inner.width(), lh),
                Qt.AlignmentFlag.AlignTop,
                fm.elidedText(text, Qt.TextElideMode.ElideRight, int(inner.width())),
            )
            y += lh

    # ----------------------------------------------------------------- mouse
    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            _i, _m, a = self.hit(e.pos())
            if a is not None:
                lines = [
                    f"{hhmm(a.start_at)}–{hhmm(a.end_at)}  {a.client_name or _('Walk-in')}",
                    a.service_names,
                    f"{a.staff_name}" + (f" · {a.resource_name}" if a.resource_name else ""),
                    a.status_label,
                ]
                if a.notes:
                    lines.append(a.notes)
                QToolTip.showText(e.globalPos(), "\n".join(x for x in lines if x), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.setFocus()
        i, m, a = self.hit(event.position().toPoint())
        if i < 0:
            return
        self._press = event.position().toPoint()
        self._press_appt = (
            a if a is not None and a.status in ("booked", "confirmed") and self.columns[i].droppable else None
        )
        self.cursor_col, self.cursor_min = i, m
        if a is not None:
            self.select(a.id)
        else:
            self.selected_id = 0
            self.appointment_selected.emit(0)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or self._press_appt is None:
            return
        pos = event.position().toPoint()
        if self._drag_to is None and (pos - self._press).manhattanLength() < 8:
            return
        i, m, _a = self.hit(pos)
        if i >= 0 and self.columns[i].droppable:
            grab = self._minute_of(self.columns[i], self._press_appt.start_at)
            press_i, press_m, _b = self.hit(self._press)
            offset = press_m - self._minute_of(self.columns[press_i], self._press_appt.start_at)
            del grab
            self._drag_to = (i, max(0, m - offset))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        appt, target = self._press_appt, self._drag_to
        press = self._press
        self._press, self._press_appt, self._drag_to = None, None, None
        self.update()
        if appt is not None and target is not None:
            ci, m = target
            new_start = self.columns[ci].origin + timedelta(minutes=m)
            if new_start != appt.start_at or self.columns[ci].ident != appt.staff_id:
                self.appointment_dropped.emit(appt.id, ci, new_start)
            return
        if press is None:
            return
        i, m, a = self.hit(press)
        if i >= 0 and a is None and self.columns[i].droppable:
            self.slot_activated.emit(i, self.columns[i].origin + timedelta(minutes=m))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        i, _m, a = self.hit(event.position().toPoint())
        if a is not None:
            self.appointment_activated.emit(a.id)

    # ----------------------------------------------------------------- keyboard
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if not self.columns:
            super().keyPressEvent(event)
            return
        sel = self.selected()
        if (
            ctrl
            and sel is not None
            and key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right)
        ):
            ci = next(
                (i for i, c in enumerate(self.columns) if sel in c.appts and c.droppable), self.cursor_col
            )
            m = self._minute_of(self.columns[ci], sel.start_at)
            if key == Qt.Key.Key_Up:
                m -= self.slot_minutes
            elif key == Qt.Key.Key_Down:
                m += self.slot_minutes
            else:
                step = -1 if key == Qt.Key.Key_Left else 1
                nxt = ci + step
                while 0 <= nxt < len(self.columns) and not self.columns[nxt].droppable:
                    nxt += step
                if not 0 <= nxt < len(self.columns):
                    return
                ci = nxt
            self.appointment_dropped.emit(sel.id, ci, self.columns[ci].origin + timedelta(minutes=m))
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            d = -self.slot_minutes if key == Qt.Key.Key_Up else self.slot_minutes
            self.cursor_min = max(0, min(self.minutes - self.slot_minutes, self.cursor_min + d))
            self._select_under_cursor()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            d = -1 if key == Qt.Key.Key_Left else 1
            self.cursor_col = max(0, min(len(self.columns) - 1, self.cursor_col + d))
            self._select_under_cursor()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if sel is not None:
                self.appointment_activated.emit(sel.id)
            elif self.columns[self.cursor_col].droppable:
                start = self.cursor_start()
                self.slot_activated.emit(self.cursor_col, start)
        elif key == Qt.Key.Key_Delete and sel is not None:
            self.delete_requested.emit(sel.id)
        else:
            super().keyPressEvent(event)
            return
        self.update()

    def _select_under_cursor(self) -> None:
        c = self.columns[self.cursor_col]
        t = c.origin + timedelta(minutes=self.cursor_min)
        hit = next(
            (a for a in c.appts if a.status not in INACTIVE_STATUSES and a.start_at <= t < a.end_at), None
        )
        new = hit.id if hit else 0
        if new != self.selected_id:
            self.selected_id = new
            self.appointment_selected.emit(new)


def lane_text(fm: QFontMetrics, symbol: str, label: str, width: float) -> str:
    """What a cancelled or no-show booking's narrow lane says: its symbol and word when they fit,
    else the symbol alone (the word was cut to "✕ Canc"); the tooltip says the rest."""
    whole = f"{symbol} {label}"
    return whole if fm.horizontalAdvance(whole) <= width else symbol


def _overlaps_inactive(c: Column, a: AppointmentView) -> bool:
    return any(
        x.status in INACTIVE_STATUSES and x.start_at < a.end_at and a.start_at < x.end_at for x in c.appts
    )


def hhmm(t: datetime) -> str:
    """A compact wall-clock time for the grid (24-hour, as salons write their books)."""
    return format_time(t, "HH:mm")


def _n_booked(c: Column) -> str:
    n = sum(1 for a in c.appts if a.status not in INACTIVE_STATUSES)
    if n:
        return _("{n} booked").format(n=n)
    # a stylist with no working hours that day is off, not "free" (a walk read it as bookable)
    return _("off") if c.kind == "staff" and not c.shifts else _("free")


def working_at(c: Column, start: datetime) -> bool:
    """Whether the column's stylist works at ``start`` (in a shift, not on a break). Rooms and
    the week's day columns have no hours of their own: always."""
    if c.kind != "staff":
        return True
    in_shift = any(iv.start <= start < iv.end for iv in c.shifts)
    return in_shift and not any(iv.start <= start < iv.end for iv in c.breaks)
