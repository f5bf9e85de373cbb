"""The monthly report's table by staff member, from the totals the other sections added up."""

from __future__ import annotations

from typing import Any

from desk_app.reports.monthly_reader import Catalog, ReportReader, StaffAcc, ratio


def by_staff(rd: ReportReader, catalog: Catalog, staff_acc: StaffAcc) -> list[dict[str, Any]]:
    rows = []
    for sid, a in staff_acc.items():
        revenue = a["services"] + a["retail"] + a["packages"] + a["other"]
        if not any(a.values()):
            continue  # nothing this month: not listed (an owner who only signed in, a new hire)
        rows.append(
            {
                "staff_id": sid,
                "name": catalog.staff.get(sid, "?"),
                "role": catalog.staff_role.get(sid, ""),
                "revenue": rd.m(revenue),
                "services": rd.m(a["services"]),
                "retail": rd.m(a["retail"]),
                "packages": rd.m(a["packages"]),
                "tips": rd.m(a["tips"]),
                "services_count": a["services_count"],
                "visits": a["visits"],
                "rebooking_rate": ratio(a["rebooked"], a["done"]),
                "satisfaction_average": ratio(a["sat_sum"], a["sat_count"], "0.01"),
                "satisfaction_count": a["sat_count"],
                "complaints": a["complaints"],
                "no_shows": a["no_shows"],
                "standards_met": a["std_met"],
                "standards_total": a["std_total"],
                "_rev": revenue,
            }
        )
    rows.sort(key=lambda r: (-int(str(r["_rev"])), str(r["name"])))
    for r in rows:
        del r["_rev"]
    return rows


def earned(row: dict[str, Any]) -> bool:
    """A staff row that sold something this month: the revenue-by-stylist chart shows only these
    (a receptionist is in the performance table for their standards, not in the chart at 0)."""
    from decimal import Decimal

    return Decimal(str(row["revenue"])) != 0 or int(row.get("services_count") or 0) > 0
