"""Commissions and pay statements for the UI and the command line (docs/payroll.md).

The owner's plan: seen and changed with ``Perm.SETTINGS`` (a change is a new plan in force from
a day on, audited). The statements: ``Perm.REPORTS`` to see, ``Perm.EXPORT`` to save a file
(audited like every export).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from desk_app.core.service import ValidationError, audit, permitted, require, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import CommissionPlan, ServiceCategory, Staff
from desk_app.domain import commission as cm
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import Fmt, _
from desk_app.payroll import statement
from desk_app.reports.sqlhelp import BadMonth, parse_month

FORMATS = ("xlsx", "pdf", "csv")

# what a plan's parse error names -> the words a person reads
_PLAN_WORDS = {
    "prepaid_rule": lambda: _("Prepaid top-ups: choose when commission is earned."),
    "package_rule": lambda: _("Packages: choose when commission is earned."),
    "voucher_rule": lambda: _("Gift vouchers: choose when commission is earned."),
}


class PayrollService:
    def __init__(self, db: Database, settings: Any, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    # ----------------------------------------------------------------- the plan
    def today(self) -> date:
        with self.db.uow(write=False) as uow:
            tz = shop_tz(uow.session)
        return self.clock().astimezone(tz).date()

    def plan(self, actor: Actor, day: date | None = None) -> tuple[cm.Plan, date | None]:
        """The plan in force on ``day`` (today) and the day it began (None: none saved yet)."""
        require(self.db.uow, actor, Perm.SETTINGS)
        day = day or self.today()
        with self.db.uow(write=False) as uow:
            return statement.plan_in_force(uow.session, day)

    def latest_plan(self, actor: Actor) -> tuple[cm.Plan, date | None]:
        """The newest plan saved (in force now, or from a month ahead) and its first day: what the
        owner edits next."""
        require(self.db.uow, actor, Perm.SETTINGS)
        with self.db.uow(write=False) as uow:
            return statement.plan_in_force(uow.session, date.max)

    def save_plan(self, actor: Actor, plan: cm.Plan | dict[str, Any], effective_from: date) -> cm.Plan:
        """A new plan in force from ``effective_from``: checked (the people and categories it
        names exist), written as a new row and audited in one unit of work. The plan in force
        before it stays as it was for the days before."""
        raw = plan.to_json() if isinstance(plan, cm.Plan) else plan
        if effective_from.day != 1:  # a month is paid under one plan (its bands add up the month)
            raise ValidationError({"effective_from": _("New rates start on the first day of a month.")})
        try:
            parsed = cm.parse_plan(raw)
        except cm.PlanError as exc:
            word = _PLAN_WORDS.get(exc.field)
            raise ValidationError({exc.field: word() if word else _("This commission plan cannot be used: {why}").format(why=str(exc))}) from None
        with permitted(self.db.uow, actor, Perm.SETTINGS) as (uow, _known):
            s = uow.session
            staff_ids = set(s.scalars(select(Staff.id)))
            cat_ids = set(s.scalars(select(ServiceCategory.id)))
            for r in parsed.rates:
                if r.staff_id is not None and r.staff_id not in staff_ids:
                    raise ValidationError({"staff": _("That staff member no longer exists.")})
                if r.category_id is not None and r.category_id not in cat_ids:
                    raise ValidationError({"category": _("That service category no longer exists.")})
            before, since = statement.plan_in_force(s, effective_from)
            row = CommissionPlan(effective_from=effective_from, plan=parsed.to_json(), created_by_id=actor.staff_id)
            s.add(row)
            s.flush()
            audit(
                s, actor, "commission_plan", "commission_plan", row.id,
                before={"effective_from": since.isoformat() if since else None, **before.to_json()},
                after={"effective_from": effective_from.isoformat(), **parsed.to_json()},
                at=self.clock(),
            )  # fmt: skip
            uow.commit()
        return parsed

    def warnings(self, actor: Actor, plan: cm.Plan, effective_from: date) -> list[str]:
        """What saving ``plan`` from ``effective_from`` would do that the owner may not mean, in
        words to confirm: months already over paid differently, money that would earn no one."""
        require(self.db.uow, actor, Perm.SETTINGS)
        out = []
        this_month = self.today().replace(day=1)
        if effective_from < this_month:
            from desk_app.reports.pdf import month_title

            last = date(this_month.year - (this_month.month == 1), (this_month.month - 2) % 12 + 1, 1)
            span = month_title(f"{effective_from:%Y-%m}") if effective_from == last else _(
                "{first} to {last}").format(first=month_title(f"{effective_from:%Y-%m}"), last=month_title(f"{last:%Y-%m}"))
            out.append(_("Months already over change: the statements of {months} will be worked out "
                         "again with these rates.").format(months=span))  # fmt: skip
        with self.db.uow(write=False) as uow:
            later = list(uow.session.scalars(
                select(CommissionPlan.effective_from).where(CommissionPlan.effective_from > effective_from).distinct()
                .order_by(CommissionPlan.effective_from)
            ))  # fmt: skip
            before, _since = statement.plan_in_force(uow.session, effective_from - timedelta(days=1))
        if later:
            from desk_app.reports.pdf import month_title

            out.append(_("Rates are already saved from {months}: from then on those stay in force, not these.").format(
                months=", ".join(month_title(f"{d:%Y-%m}") for d in later)))  # fmt: skip
        # money taken before the service (a top-up, a voucher): a changed rule, and "when sold" with no rate
        for was, now, to_sale, to_spent in (
            (before.prepaid_rule, plan.prepaid_rule,
             _("Balances topped up before this earned nothing when sold; from now on what they pay for "
               "earns nothing either."),
             _("Top-ups sold before this already earned when sold; from now on what they pay for earns again.")),
            (before.voucher_rule, plan.voucher_rule,
             _("Vouchers sold before this earned nothing when sold; from now on what they pay for "
               "earns nothing either."),
             _("Vouchers sold before this already earned when sold; from now on what they pay for earns again.")),
        ):  # fmt: skip
            if was != now and _since is not None:
                out.append(to_sale if now == cm.ON_SALE else to_spent)
        for rule, scope, unrated in (
            (plan.voucher_rule, cm.VOUCHER, _("Gift vouchers earn when sold, but no rate is set for them: no one "
                                              "earns on them, and what a voucher pays for earns nothing either.")),
            (plan.prepaid_rule, cm.PREPAID, _("Top-ups earn when sold, but no rate is set for top-ups: no one earns "
                                              "on them, and what a prepaid balance pays for earns nothing either.")),
        ):  # fmt: skip
            if rule == cm.ON_SALE and not any(r.scope == scope for r in plan.rates):
                out.append(unrated)
        return out

    # ----------------------------------------------------------------- statements
    def _check_month(self, month: str) -> None:
        try:
            parse_month(month)
        except BadMonth:
            raise ValidationError({"month": _("Choose a month (year and month).")}) from None

    def statements(self, actor: Actor, month: str, branch_id: int | None = None) -> statement.Payroll:
        self._check_month(month)
        require(self.db.uow, actor, Perm.REPORTS)
        with self.db.uow(write=False) as uow:
            payroll = statement.build(uow.session, month, self.clock(), branch_id)
        if not any(s.base_pay_minor for s in payroll.statements):
            return payroll
        # the performance pay the month's appraisal gives (the same figures as Reports > Staff)
        from desk_app.domain.money import to_minor
        from desk_app.reports.monthly import build_monthly

        data = build_monthly(self.db, month, branch=branch_id, settings=self.settings, now=self.clock(), compare=False)
        perf = {
            int(r["staff_id"]): (to_minor(Decimal(str(r["performance_pay"])), payroll.currency), r.get("score"))
            for r in data["appraisal"]["staff"]
            if r.get("performance_pay") is not None
        }
        return replace(payroll, statements=tuple(
            replace(s, performance_pay_minor=perf[s.staff_id][0], score=perf[s.staff_id][1])
            if s.staff_id in perf and s.base_pay_minor else s
            for s in payroll.statements
        ))  # fmt: skip

    def save(
        self,
        actor: Actor,
        payroll: statement.Payroll,
        path: str | os.PathLike[str],
        fmt: Fmt,
        staff_id: int | None = None,
    ) -> str:
        """Write the period's statements (or one person's) as .xlsx, .pdf or .csv, by the file's
        ending; audited as an export."""
        kind = str(path).rsplit(".", 1)[-1].lower()
        if kind not in FORMATS:
            raise ValidationError({"path": _("Save as .xlsx, .pdf or .csv.")})
        require(self.db.uow, actor, Perm.EXPORT)
        from desk_app.payroll import files

        chosen = payroll if staff_id is None else files.only(payroll, staff_id)
        {"xlsx": files.write_xlsx, "pdf": files.write_pdf, "csv": files.write_csv}[kind](chosen, path, fmt)
        with self.db.uow() as uow:
            audit(uow.session, actor, "export", f"payroll_{kind}", payroll.month, detail=str(path),
                  after={"staff_id": staff_id} if staff_id is not None else None, at=self.clock())  # fmt: skip
            uow.commit()
        return str(path)
