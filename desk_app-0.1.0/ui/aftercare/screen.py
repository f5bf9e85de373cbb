"""After the visit: follow-up calls, keeping in touch, contacts & complaints, feedback, incidents,
spot checks, standards."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desk_app.i18n import _
from ui.aftercare.complaint_alert import OverdueComplaintsBanner
from ui.aftercare.complaint_tab import ContactsComplaintsTab
from ui.aftercare.feedback import FeedbackTab
from ui.aftercare.followup_list import FollowUpsTab
from ui.aftercare.incidents import IncidentsTab
from ui.aftercare.outreach import OutreachTab
from ui.aftercare.spotchecks import SpotChecksTab
from ui.context import UiContext
from ui.shared.widgets import PageHeader
from ui.theme import icon
from ui.today.standards import StandardsTab

TABS = ("followups", "outreach", "complaints", "feedback", "incidents", "spotchecks", "standards")


class FollowUpsScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("screenPage")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 16)
        lay.setSpacing(10)
        self.header = PageHeader(
            _("After the visit"),
            _("Follow-up calls, keeping in touch, complaints, feedback and service standards"),
        )
        lay.addWidget(self.header)
        self.banner = OverdueComplaintsBanner(ctx)
        self.banner.on_open = lambda: self.open(tab="complaints")
        lay.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("aftercareTabs")
        self.followups = FollowUpsTab(ctx)
        self.outreach = OutreachTab(ctx)
        self.complaints = ContactsComplaintsTab(ctx)
        self.feedback = FeedbackTab(ctx)
        self.incidents = IncidentsTab(ctx)
        self.spotchecks = SpotChecksTab(ctx)
        self.standards = StandardsTab(ctx)
        for w, label, ic in (
            (self.followups, _("Follow-up calls"), "phone"),
            (self.outreach, _("Keeping in touch"), "gift"),
            (self.complaints, _("Contacts && complaints"), "shield"),
            (self.feedback, _("Feedback"), "star"),
            (self.incidents, _("Incidents"), "alert"),
            (self.spotchecks, _("Spot checks"), "search"),
            (self.standards, _("Standards"), "chart"),
        ):
            self.tabs.addTab(w, icon(ic), label)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        lay.addWidget(self.tabs, 1)
        self.followups.open_complaint.connect(lambda cid: self.open(tab="complaints", complaint_id=cid))
        for i in range(len(TABS)):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self).activated.connect(
                lambda i=i: self.tabs.setCurrentIndex(i)
            )
        ctx.signals.data_changed.connect(self._changed)
        # another person signed in: phone masking and "who" change with them
        ctx.signals.actor_changed.connect(lambda: self.refresh() if self.isVisible() else None)

    def open(self, tab: str = "", complaint_id: int | None = None, **_params: Any) -> None:
        if tab in TABS:
            self.tabs.setCurrentIndex(TABS.index(tab))
        self.refresh()
        if complaint_id is not None:
            self.complaints.select(complaint_id)

    def refresh(self) -> None:
        self.banner.refresh()
        w = self.tabs.currentWidget()
        refresh = getattr(w, "refresh", None)
        if callable(refresh):
            refresh()

    def _changed(self, kind: str, _ident: int) -> None:
        if kind in ("complaint", "followup", "feedback", "contact") and self.isVisible():
            self.banner.refresh()
