"""The monthly report's messages: what the shop sent its clients, what was given up, and the no-show
rate of appointments with and without a reminder (docs/report-json.md, ``messages``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from desk_app.domain.messages import MessageChannel, MessageKind
from desk_app.messages.stats import message_stats
from desk_app.reports.monthly_reader import ReportReader, ratio
from desk_app.reports.sqlhelp import Period


def message_figures(rd: ReportReader, p: Period, d: dict[str, Any]) -> None:
    last_day = p.first_day + timedelta(days=p.days - 1)
    st = message_stats(rd.conn, p.first_day, last_day, rd.tz, rd.scope.branch_id)
    by_kind = {k.value: st.sent_by_kind.get(k.value, 0) for k in MessageKind}
    by_kind.update({k: n for k, n in st.sent_by_kind.items() if k not in by_kind})  # a newer version's kind
    by_channel = {c.value: st.sent_by_channel.get(c.value, 0) for c in MessageChannel}
    by_channel.update({c: n for c, n in st.sent_by_channel.items() if c not in by_channel})

    def group(appointments: int, no_shows: int) -> dict[str, Any]:
        return {"appointments": appointments, "no_shows": no_shows, "no_show_rate": ratio(no_shows, appointments)}

    d["messages"] = {
        "sent": sum(by_kind.values()),
        "sent_by_kind": by_kind,
        "sent_by_channel": by_channel,
        "failed": st.failed,
        "with_reminder": group(st.appointments_with_reminder, st.no_shows_with_reminder),
        "without_reminder": group(st.appointments_without_reminder, st.no_shows_without_reminder),
    }
