"""The quota card: sent and left today, the rate, and the last 14 days against the quota."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from sesdesk.ui.dashboard.common import count, name_label, value_label
from sesdesk.ui.widgets.card import Card

if TYPE_CHECKING:
    from sesdesk.services.state import AccountView, DaySends, TeamSnapshot


def _date(day: date) -> str:
    """'16 Nov' (no platform-dependent strftime flag for the unpadded day)."""
    return f"{day.day} {day:%b}"


def _figure(title: str) -> tuple[QWidget, QVBoxLayout, QLabel]:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(name_label(title))
    value = value_label()
    font = value.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setBold(True)
    value.setFont(font)
    layout.addWidget(value)
    return box, layout, value


class QuotaCard(Card):
    """Sent in the last 24 h, left, max rate, and a 14-day chart of sends vs the quota."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sending quota", parent)
        figures = QHBoxLayout()
        figures.setSpacing(28)
        box, _, self.sent = _figure("Sent (last 24 h)")
        figures.addWidget(box)
        box, _, self.left = _figure("Left today")
        figures.addWidget(box)
        box, _, self.rate = _figure("Max rate")
        figures.addWidget(box)
        figures.addStretch(1)
        self.body.addLayout(figures)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.bar.setAccessibleName("Quota used today")
        self.body.addWidget(self.bar)
        self.unknown = value_label("The quota is read from AWS with the account.", muted=True)
        self.body.addWidget(self.unknown)

        self.chart = QChart()
        self.chart.setBackgroundVisible(False)
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.sends_set = QBarSet("Recipients sent")
        self.sends_set.setColor(QColor("#2f6fde"))
        self.bars = QBarSeries()
        self.bars.append(self.sends_set)
        self.quota_line = QLineSeries()
        self.quota_line.setName("Daily quota")
        self.quota_line.setPen(QPen(QColor("#c81e1e"), 2, Qt.PenStyle.DashLine))
        self.chart.addSeries(self.bars)
        self.chart.addSeries(self.quota_line)
        self.days_axis = QBarCategoryAxis()
        self.count_axis = QValueAxis()
        self.count_axis.setLabelFormat("%d")
        self.line_x = QValueAxis()  # the quota line spans the bars' category range
        self.line_x.setVisible(False)
        self.chart.addAxis(self.days_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.line_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.count_axis, Qt.AlignmentFlag.AlignLeft)
        self.bars.attachAxis(self.days_axis)
        self.bars.attachAxis(self.count_axis)
        self.quota_line.attachAxis(self.line_x)
        self.quota_line.attachAxis(self.count_axis)
        self.chart.setPlotAreaBackgroundVisible(False)
        self.view = QChartView(self.chart)
        self.view.setStyleSheet("background: transparent;")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(210)
        self.view.setAccessibleName("Recipients sent per day, last 14 days, against the quota")
        self.body.addWidget(self.view)
        self._sends: tuple[DaySends, ...] = ()
        self._max_24h = 0.0
        self._drawn: tuple[object, ...] | None = None

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Show the quota figures of the stored account."""
        self._show_account(snapshot)
        self._draw()

    def show_quota(
        self, snapshot: TeamSnapshot, sends: tuple[DaySends, ...] | list[DaySends]
    ) -> None:
        """`show_snapshot` and `show_sends` with one chart update instead of two."""
        self._show_account(snapshot)
        self._sends = tuple(sends)
        self._draw()

    def _show_account(self, snapshot: TeamSnapshot) -> None:
        account = snapshot.account
        self.unknown.setVisible(account is None)
        self.bar.setVisible(account is not None)
        self.view.setVisible(account is not None)  # an empty chart says nothing
        if account is None:
            for label in (self.sent, self.left, self.rate):
                label.setText("—")
            self._max_24h = 0.0
        else:
            self._show_figures(account)

    def _show_figures(self, account: AccountView) -> None:
        self.sent.setText(f"{count(account.sent_24h)} of {count(account.max_24h)}")
        self.left.setText(count(account.left_24h))
        self.rate.setText(f"{count(account.max_rate)} / s")
        self.bar.setRange(0, max(1, int(account.max_24h)))
        self.bar.setValue(min(int(account.sent_24h), int(account.max_24h)))
        self._max_24h = account.max_24h

    def show_sends(self, sends: tuple[DaySends, ...] | list[DaySends]) -> None:
        """Show recipients sent per day (oldest first)."""
        self._sends = tuple(sends)
        self._draw()

    def _draw(self) -> None:
        sends = self._sends
        key = (sends, self._max_24h)
        if key == self._drawn:
            return  # a chart relayout is the costliest thing on the dashboard: only on change
        self._drawn = key
        values = [float(day.sent) for day in sends]
        if self.sends_set.count() != len(values) or any(
            self.sends_set.at(i) != v for i, v in enumerate(values)
        ):
            self.sends_set.remove(0, self.sends_set.count())
            self.sends_set.append(values)
        # The day of the month under each bar (unique within 14 days) and the dates in the axis
        # title: fourteen "16/11" labels do not fit a card beside the Simulator dock ("1…").
        categories = [str(day.day.day) for day in sends]
        if self.days_axis.categories() != categories:
            self.days_axis.clear()
            self.days_axis.append(categories)
        self.days_axis.setTitleText(
            f"{_date(sends[0].day)} – {_date(sends[-1].day)}" if sends else ""
        )
        n = max(1, len(sends))
        self.line_x.setRange(-0.5, n - 0.5)
        self.quota_line.replace([QPointF(-0.5, self._max_24h), QPointF(n - 0.5, self._max_24h)])
        busiest = max([*values, 0.0])
        # A quota far above the sends (50,000 against 97) would flatten the bars to nothing:
        # then the axis follows the sends and the legend names the quota instead of drawing it.
        off_scale = self._max_24h > 0 and busiest * 10 < self._max_24h
        self.quota_line.setVisible(self._max_24h > 0 and not off_scale)
        self.quota_line.setName(
            f"Daily quota {count(self._max_24h)} (far above)" if off_scale else "Daily quota"
        )
        top = max([busiest, 10.0] if off_scale else [busiest, self._max_24h, 10.0])
        self.count_axis.setRange(0, top * 1.1)
        self.count_axis.applyNiceNumbers()  # 0, 10k, 20k… rather than 13750
