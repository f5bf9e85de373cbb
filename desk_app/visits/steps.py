"""What the visit's services share, inside a unit of work: load a visit, move it a step, commit it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desk_app.core.service import (
    ConflictError,
    NotFound,
    ServiceError,
    reader,
)
from desk_app.db.models import (
    Client,
    PlanItem,
    Product,
    Service,
    Shop,
    Visit,
)
from desk_app.domain import visit as vd
from desk_app.domain.permissions import Actor
from desk_app.domain.pricing import LineIn, PricingError, price_lines
from desk_app.domain.visit import step_label
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore
from desk_app.visits import flow as visit_flow
from desk_app.visits.row import AnyVisit, VisitRow
from desk_app.visits.views import Estimate, EstimateLine


def get_visit(s: Session, visit_id: int) -> Visit:
    v = s.get(Visit, visit_id)
    if v is None:
        raise NotFound(_("That visit no longer exists. Refresh the list."))
    return v


def open_visit(s: Session, visit_id: int) -> VisitRow:
    """The open visit a step changes, as columns (``VisitRow``: one SELECT now, one versioned
    UPDATE of what changed in ``commit_visit``), not as an ORM entity."""
    v = VisitRow.read(reader(s), visit_id)
    if v is None:
        raise NotFound(_("That visit no longer exists. Refresh the list."))
    if not vd.is_open(v.step):
        raise ServiceError(_("This visit is already closed."))
    s.info.setdefault(_ROWS, []).append(v)  # written by commit_visit
    return v


_ROWS = "visit_rows"


def required_steps(settings: SettingsStore) -> frozenset[vd.Step]:
    out: set[vd.Step] = set()
    for step in settings.get(S.VISIT_REQUIRED_STEPS) or []:
        try:
            out.add(vd.Step(step))
        except ValueError:
            continue
    return frozenset(out)


def move_visit(
    s: Session, settings: SettingsStore, v: AnyVisit, action: str, actor: Actor, now: datetime, reason: str = ""
) -> None:
    """One step of the visit's state machine, with the shop's required steps and standards."""
    step = v.step
    try:
        visit_flow.move(
            s,
            v,
            action,
            actor,
            now,
            reason=reason,
            required=required_steps(settings),
            standards=settings.standards(),
        )
    except vd.TransitionError as exc:
        raise ServiceError(transition_message(exc, step)) from exc


def commit_visit(s: Session) -> None:
    """Write the visits the step opened (``open_visit``: their changed columns, version checked)
    and commit; a visit another desk changed meanwhile is refused with ``ConflictError``."""
    for row in s.info.pop(_ROWS, ()):
        row.save(s)
    try:
        s.commit()
    except StaleDataError as exc:
        raise ConflictError(
            _("Another desk changed this visit a moment ago. It has been reloaded; check it and try again.")
        ) from exc


def transition_message(exc: vd.TransitionError, step: str) -> str:
    text = str(exc)
    if "needs a reason" in text:
        return _("Say why: a reason is needed.")
    if "requires" in text:
        return _("The shop requires the {step} step; it cannot be skipped. Finish it instead.").format(
            step=step_label(step)
        )
    if "checkout cannot be skipped" in text:
        return _("Checkout cannot be skipped; cancel the visit instead.")
    if "cannot be cancelled" in text:
        return _("A paid visit cannot be cancelled; make a refund instead.")
    if "cannot go back" in text:
        return _("This visit cannot go back from the {step} step.").format(step=step_label(step))
    return _("This visit is closed; open a new visit instead.")


# the shop's currency and the client's tier in one statement (a NULL id finds no tier)
_CURRENCY_AND_TIER = (
    select(Shop.currency, select(Client.membership_tier).where(Client.id == bindparam("cid")).scalar_subquery())
    .order_by(Shop.id)
    .limit(1)
)
_PLAN_OF = (  # a plan's lines with their service's or product's columns, built once
    select(
        PlanItem.id,
        PlanItem.kind,
        PlanItem.description,
        PlanItem.quantity,
        PlanItem.unit_price_minor,
        PlanItem.staff_id,
        PlanItem.suggested_only,
        Service.id.label("svc_id"),
        Service.tax_rate_bp.label("svc_tax"),
        Service.name_zh.label("svc_zh"),
        Service.name_en.label("svc_en"),
        Service.duration_min.label("svc_duration"),
        Product.id.label("prod_id"),
        Product.tax_rate_bp.label("prod_tax"),
        Product.name_zh.label("prod_zh"),
        Product.name_en.label("prod_en"),
    )
    .outerjoin(Service, Service.id == PlanItem.service_id)
    .outerjoin(Product, Product.id == PlanItem.product_id)
    .where(PlanItem.visit_id == bindparam("vid"))
    .order_by(PlanItem.id)
)


def estimate_of(s: Session, settings: SettingsStore, v: AnyVisit) -> Estimate:
    """The visit's price estimate from its plan (member price, tax as the shop sets it)."""
    # two columns, not the shop and the client as entities (each entity load cost ~0.3 ms)
    on = reader(s)
    found = on.execute(_CURRENCY_AND_TIER, {"cid": v.client_id}).first()
    currency, tier = (None, None) if found is None else found
    if currency is None:
        raise ServiceError("no shop is set up in this database")
    include = settings.get(S.MONEY_PRICES_INCLUDE_TAX)
    svc_rate = settings.get(S.MONEY_TAX_RATE_SERVICE_BP)
    prod_rate = settings.get(S.MONEY_TAX_RATE_PRODUCT_BP)
    is_member = tier == "vip"
    pct = settings.vip_rule().discount_percent if is_member else None
    rows = on.execute(_PLAN_OF, {"vid": v.id}).all()  # columns, not three entities a line
    lines: list[LineIn] = []
    names: list[tuple[str, str]] = []
    suggestions: list[EstimateLine] = []
    duration = 0
    for it in rows:
        if it.kind == "service" and it.svc_id is not None:
            rate = it.svc_tax if it.svc_tax is not None else svc_rate
            name = (it.svc_zh, it.svc_en)
            duration += it.svc_duration * it.quantity
            ref: int | None = it.svc_id
        elif it.kind == "product" and it.prod_id is not None:
            rate = it.prod_tax if it.prod_tax is not None else prod_rate
            name = (it.prod_zh, it.prod_en)
            ref = it.prod_id
        else:
            rate = svc_rate
            name = (it.description, it.description)
            ref = None
        line = LineIn(
            kind=it.kind if it.kind != "fee" else "service",
            description=name[1],
            quantity=it.quantity,
            unit_price_minor=it.unit_price_minor,
            tax_rate_bp=rate,
            ref_id=ref,
            staff_id=it.staff_id,
            member_price=it.kind != "fee",
        )
        if it.suggested_only:
            one = price_lines([line], prices_include_tax=include, member_percent=pct).lines[0]
            suggestions.append(EstimateLine.of(it.kind, it.id, name, one))
            continue
        lines.append(line)
        names.append(name)
    try:
        bill = price_lines(lines, prices_include_tax=include, member_percent=pct)
    except PricingError as exc:  # catalog prices are never negative; keep the message readable
        raise ServiceError(_("The plan cannot be priced: {why}").format(why=str(exc))) from exc
    plan_ids = [it.id for it in rows if not it.suggested_only]
    kinds = [it.kind for it in rows if not it.suggested_only]
    est_lines = tuple(
        EstimateLine.of(kinds[i], plan_ids[i], names[i], p) for i, p in enumerate(bill.lines)
    )
    return Estimate(
        visit_id=v.id,
        currency=currency,
        lines=est_lines,
        suggestions=tuple(suggestions),
        subtotal_minor=bill.subtotal_minor,
        discount_minor=bill.discount_minor,
        member_discount_minor=bill.member_discount_minor,
        tax_minor=bill.tax_minor,
        total_minor=bill.total_minor,
        prices_include_tax=include,
        is_member=is_member,
        member_percent=bill.member_percent,
        duration_min=duration,
        confirmed_minor=v.estimate_minor,
        confirmed_at=v.estimate_confirmed_at,
    )
