"""The monthly report's table by staff member, from the totals the other sections added up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from desk_app.reports.monthly_reader import Catalog, ReportReader, StaffAcc, ratio

SERVICE_ROLES = ("stylist", "owner")  # who may perform services (a receptionist does not)
# the standards each role answers for: the desk (check-in, feedback, complaints, follow-up calls) and
# the chair (starting the service on time)
STANDARD_ROLES = ("reception", "service")
SERVICE_STANDARDS = ("service_start",)


def standard_role(key: str) -> str:
    return "service" if key in SERVICE_STANDARDS else "reception"



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
                "satisfaction": {
                    "checkout": {"average": ratio(a["sat_sum"], a["sat_count"], "0.01"), "count": a["sat_count"]},
                    "followup": {
                        "average": ratio(a["fu_sat_sum"], a["fu_sat_count"], "0.01"),
                        "count": a["fu_sat_count"],
                    },
                },
                "complaints": a["complaints"],
                "no_shows": a["no_shows"],
                # each role's standards with their own denominator: a desk person measures every
                # check-in, a stylist every service started (docs/report-json.md)
                "standards": {
                    role: {"met": a[f"std_{role}_met"], "total": a[f"std_{role}_total"],
                           "rate": ratio(a[f"std_{role}_met"], a[f"std_{role}_total"])}
                    for role in STANDARD_ROLES
                },
                "_rev": revenue,
            }
        )
    rows.sort(key=lambda r: (-int(str(r["_rev"])), str(r["name"])))
    for r in rows:
        del r["_rev"]
    return rows


def revenue_by_stylist(rows: list[dict[str, Any]], services_total: str) -> dict[str, Any]:
    """Service revenue by the staff who perform services (stylists, an owner who cuts hair), and what
    no stylist is named on (a receptionist's line, a typed-in item) as "not assigned": the rows and
    ``not_assigned`` add up to ``revenue.services``."""
    people = [
        {"staff_id": r["staff_id"], "name": r["name"], "role": r["role"], "services": r["services"],
         "services_count": r["services_count"]}
        for r in rows
        if r["role"] in SERVICE_ROLES and (Decimal(str(r["services"])) != 0 or r["services_count"])
    ]  # fmt: skip
    people.sort(key=lambda r: (-Decimal(str(r["services"])), str(r["name"])))
    assigned = sum((Decimal(str(r["services"])) for r in people), Decimal(0))
    total = Decimal(services_total)
    return {"rows": people, "not_assigned": str(total - assigned), "total": str(total)}


def earned(row: dict[str, Any]) -> bool:
    """A staff row that sold something this month: the revenue-by-stylist chart shows only these
    (a receptionist is in the performance table for their standards, not in the chart at 0)."""
    return Decimal(str(row["revenue"])) != 0 or int(row.get("services_count") or 0) > 0
