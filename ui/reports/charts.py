"""QtCharts builders for the Reports screen (revenue by day/category/stylist, satisfaction, standards)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QSizePolicy

from ui.theme import COLORS

SERIES_COLORS = ("#2F6FDE", "#14A38B", "#B7791F", "#8E5BD8", "#C53030")


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    mag = 10 ** (len(str(int(v))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if v <= step * mag:
            return float(step * mag)
    return float(v)


class ChartView(QChartView):
    """A chart view with the app's look; ``title`` is shown above the plot."""

    def __init__(self, title: str, min_height: int = 240) -> None:
        chart = QChart()
        chart.setTitle(title)
        f = QFont()
        f.setPointSize(11)
        f.setBold(True)
        chart.setTitleFont(f)
        chart.setTitleBrush(QColor(COLORS["text"]))
        chart.legend().setVisible(False)
        chart.setBackgroundRoundness(10)
        chart.setMargins(QMargins(6, 6, 6, 6))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(min_height)
        self.setStyleSheet("background: transparent;")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        ch = self.chart()
        ch.removeAllSeries()
        for ax in list(ch.axes()):
            ch.removeAxis(ax)

    def _axis_font(self) -> QFont:
        f = QFont()
        f.setPointSize(8)
        return f

    def set_bars(
        self,
        labels: Sequence[str],
        values: Sequence[Decimal | int | float],
        color: str = SERIES_COLORS[0],
        horizontal: bool = False,
        value_max: float | None = None,
        fmt: str = "%.0f",
    ) -> None:
        self.clear()
        ch = self.chart()
        bar_set = QBarSet("")
        bar_set.setColor(QColor(color))
        bar_set.setBorderColor(QColor(color))
        for v in values:
            bar_set.append(float(v))
        series = QHorizontalBarSeries() if horizontal else QBarSeries()
        series.append(bar_set)
        series.setBarWidth(0.7)
        ch.addSeries(series)
        cats = QBarCategoryAxis()
        cats.append(list(labels) or [""])
        cats.setLabelsFont(self._axis_font())
        cats.setTruncateLabels(False)
        vals = QValueAxis()
        vals.setRange(0, value_max or _nice_max(max([float(v) for v in values] or [0])))
        vals.setLabelFormat(fmt)
        if horizontal:  # a narrow chart beside a table: three labels that fit, not "10…20…30…"
            vals.setTickCount(3)
        if value_max is None:
            vals.applyNiceNumbers()
        vals.setLabelsFont(self._axis_font())
        vals.setGridLineColor(QColor(COLORS["border"]))
        if horizontal:
            ch.addAxis(cats, Qt.AlignmentFlag.AlignLeft)
            ch.addAxis(vals, Qt.AlignmentFlag.AlignBottom)
        else:
            ch.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
            ch.addAxis(vals, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(cats)
        series.attachAxis(vals)

    def set_lines(self, days: Sequence[str], lines: Sequence[tuple[str, Sequence[float | None]]]) -> None:
        """One line per series of percentages (None = nothing measured that day)."""
        self.clear()
        ch = self.chart()
        ch.legend().setVisible(True)
        ch.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        x = QValueAxis()
        x.setRange(1, max(1, len(days)))
        x.setLabelFormat("%d")
        x.setTickCount(min(len(days), 11) or 2)
        x.setLabelsFont(self._axis_font())
        y = QValueAxis()
        y.setRange(0, 100)
        y.setLabelFormat("%d%%")
        y.setLabelsFont(self._axis_font())
        y.setGridLineColor(QColor(COLORS["border"]))
        ch.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        ch.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        for i, (name, values) in enumerate(lines):
            s = QLineSeries()
            s.setName(name)
            pen = s.pen()
            pen.setWidth(2)
            pen.setColor(QColor(SERIES_COLORS[i % len(SERIES_COLORS)]))
            s.setPen(pen)
            for d, v in enumerate(values, 1):
                if v is not None:
                    s.append(d, v)
            ch.addSeries(s)
            s.attachAxis(x)
            s.attachAxis(y)
