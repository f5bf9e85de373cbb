"""The owner's reports for the UI: the monthly summary, its PDF and the CSV exports.

Owner only (``Perm.REPORTS`` to see, ``Perm.EXPORT`` to save a PDF or CSV);
every export is written to the audit trail. The figures come from
``desk_app.reports.monthly`` (SQL aggregates; docs/report-json.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from desk_app.core.service import ServiceError, ValidationError, audit, require, shop_row, verified_actor
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Branch
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import Fmt, _
from desk_app.reports.monthly import ReportError, build_monthly, resolve_branch
from desk_app.reports.sqlhelp import BadMonth, Period, parse_month, previous_month

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    branch_id: int | None
    data: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class BranchChoice:
    id: int
    code: str
    name: str


class ReportService:
    def __init__(self, db: Database, settings: Any, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def _check_month(self, month: str) -> None:
        try:
            parse_month(month)
        except BadMonth:
            raise ValidationError({"month": _("Choose a month (year and month).")}) from None

    def last_month(self) -> str:
        """The month before the current one, in the shop's time zone."""
        with self.db.uow(write=False) as uow:
            tz = shop_row(uow.session).timezone
        now = self.clock()
        p = Period.of(f"{now.year:04d}-{now.month:02d}", tz)
        local = now.astimezone(p.tz)
        return previous_month(f"{local.year:04d}-{local.month:02d}")

    def branches(self, actor: Actor) -> list[BranchChoice]:
        require(self.db.uow, actor, Perm.REPORTS)
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(select(Branch.id, Branch.code, Branch.name).order_by(Branch.id)).all()
        return [BranchChoice(int(i), str(c), str(n)) for i, c, n in rows]

    def monthly(
        self, actor: Actor, month: str, branch_id: int | None = None, progress: Progress | None = None
    ) -> MonthlyReport:
        """The month's figures (safe to call off the GUI thread)."""
        require(self.db.uow, actor, Perm.REPORTS)
        self._check_month(month)
        if progress:
            progress(0, 2)
        try:
            data = build_monthly(self.db, month, branch=branch_id, settings=self.settings, now=self.clock())
        except ReportError as exc:
            raise ValidationError({"branch": str(exc)}) from None
        if progress:
            progress(2, 2)
        return MonthlyReport(month, branch_id, data)

    def my_month(self, actor: Actor, month: str | None = None) -> dict[str, Any]:
        """The signed-in staff member's own appraisal for ``month`` (this month by default): their
        parts, score, pass mark and performance pay, and the rules. Any staff member may read
        their own; nobody else's (the whole table is the owner's, in the monthly report)."""
        with self.db.uow(write=False) as uow:
            known = verified_actor(uow.session, actor)
            tz = shop_row(uow.session).timezone
        if known is None:
            raise ServiceError(_("Sign in again: the app does not know who you are."))
        now = self.clock()
        if month is None:
            from zoneinfo import ZoneInfo

            month = now.astimezone(ZoneInfo(tz)).strftime("%Y-%m")
        self._check_month(month)
        data = build_monthly(self.db, month, settings=self.settings, now=now, compare=False)
        ap = data.get("appraisal", {})
        mine = next((r for r in ap.get("staff", []) if r.get("staff_id") == known.staff_id), None)
        return {
            "month": month,
            "currency": data.get("currency"),
            "rules": ap.get("rules", {}),
            "me": mine,
            "complaints": next(
                (r.get("complaints", 0) for r in data.get("by_staff", []) if r.get("staff_id") == known.staff_id), 0
            ),
        }

    def pdf_fmt(self, lang: str | None = None) -> Fmt:
        """The report PDF's formatting: ``lang`` (else the shop's language), the shop's time zone and currency."""
        with self.db.uow(write=False) as uow:
            shop = shop_row(uow.session)
            return Fmt.for_shop(lang or shop.locale, shop.timezone, shop.currency)

    def save_pdf(
        self, actor: Actor, report: MonthlyReport, path: str | os.PathLike[str], lang: str | None = None
    ) -> str:
        require(self.db.uow, actor, Perm.EXPORT)
        from desk_app.reports.pdf import render_pdf

        render_pdf(report.data, path, self.pdf_fmt(lang))
        self._log(actor, "report_pdf", report.month, str(path), _branch_of(report.data))
        return str(path)

    def pdf_bytes(self, actor: Actor, report: MonthlyReport, lang: str | None = None) -> bytes:
        """The PDF in memory (for the print preview)."""
        require(self.db.uow, actor, Perm.REPORTS)
        from desk_app.reports.pdf import render_pdf_bytes

        return render_pdf_bytes(report.data, self.pdf_fmt(lang))

    def export_csv(
        self,
        actor: Actor,
        kind: str,
        path: str | os.PathLike[str],
        month: str | None = None,
        branch_id: int | str | None = None,
    ) -> int:
        """Write one CSV export (sales, payments, clients, visits); returns the row count.
        ``branch_id``: a branch's id, or its code (the command line's ``--branch``)."""
        require(self.db.uow, actor, Perm.EXPORT)
        if month:
            self._check_month(month)
        from desk_app.reports.exports import export

        try:
            n = export(self.db, kind, path, month=month, branch=branch_id)
            scope = None
            if branch_id not in (None, ""):
                with self.db.uow(write=False) as uow:
                    scope = resolve_branch(uow.session.connection(), branch_id)
        except ReportError as exc:
            raise ValidationError({"path": str(exc)}) from None
        after: dict[str, Any] = {"rows": n}
        if scope is not None:  # whose figures left the shop: one branch's, or (no key) all of them
            after["branch"] = scope.branch_code
        self._log(actor, f"export_{kind}", month or "", f"{path} ({n} rows)", after)
        return n

    def log_export(self, actor: Actor, what: str, month: str, path: str, data: dict[str, Any] | None = None) -> None:
        """Audit a report written by the caller (the command line's JSON, ``data``): ``Perm.EXPORT``."""
        require(self.db.uow, actor, Perm.EXPORT)
        self._log(actor, what, month, path, _branch_of(data))

    def _log(self, actor: Actor, action: str, month: str, detail: str, after: dict[str, Any] | None = None) -> None:
        with self.db.uow() as uow:
            audit(uow.session, actor, "export", action, month, detail=detail, after=after, at=self._now())
            uow.commit()

    def _now(self) -> datetime:
        return self.clock()


def _branch_of(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The audit row's ``after`` for a monthly report: the branch it covers (none: all branches)."""
    branch = (data or {}).get("branch")
    return {"branch": branch["code"]} if isinstance(branch, dict) and branch.get("code") else None
