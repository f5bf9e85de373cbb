"""The needs assessment: the consultation questions and answers, the service plan and its estimate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from desk_app.core.service import (
    ConflictError,
    ServiceError,
    ValidationError,
    audit,
    permitted,
    reader,
)
from desk_app.db.engine import Clock, Database, connection_of, touched
from desk_app.db.models import (
    Assessment,
    Client,
    ConsultationQuestion,
    PlanItem,
    Product,
    Service,
    ServiceCategory,
)
from desk_app.domain import visit as vd
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.visits.row import inserted_id
from desk_app.visits.safety import require_safe
from desk_app.visits.steps import commit_visit, estimate_of, get_visit, move_visit, open_visit
from desk_app.visits.views import (
    PRIORITIES,
    WANTS_KEYS,
    ChoiceOption,
    Estimate,
    MenuService,
    PlanItemIn,
    ProductChoice,
    Question,
)


class ConsultationService:
    """Step 2 of the visit: what the client wants, the plan, the price estimate the client confirms."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ needs
    def questions(self, kind: str) -> list[Question]:
        with self.db.uow(write=False) as uow:
            return _questions(uow.session, kind)

    def save_assessment(
        self,
        actor: Actor,
        visit_id: int,
        *,
        kind: str,
        answers: Mapping[str, Any],
        goals: str = "",
        expectations: str = "",
        priority: str = "normal",
        skin_type: str = "",
        hair_type: str = "",
        allergies: str = "",
        contraindications: str = "",
    ) -> None:
        """Save the consultation (one per visit, updated in place); allergies also go on the profile."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            errors: dict[str, str] = {}
            if priority not in PRIORITIES:
                errors["priority"] = _("Choose a priority from the list.")
            qs = {q.key: q for q in _questions(s, kind)}  # in this unit of work
            clean: dict[str, Any] = {}
            for key, value in answers.items():
                if isinstance(value, str):
                    value = value.strip()
                clean[key] = value
            # the profile fields and the form's questions of the same name are one answer
            profile = {
                "skin_type": skin_type.strip(),
                "hair_type": hair_type.strip(),
                "allergies": allergies.strip(),
                "contraindications": contraindications.strip(),
            }
            for key, val in profile.items():
                if val and not clean.get(key):
                    clean[key] = val
                elif not val and isinstance(clean.get(key), str):
                    profile[key] = clean[key]
            skin_type, hair_type = profile["skin_type"], profile["hair_type"]
            allergies, contraindications = profile["allergies"], profile["contraindications"]
            goals = goals.strip()
            for key in WANTS_KEYS:  # the question of what the client wants and "goals" are one answer
                if key in qs and goals and not clean.get(key):
                    clean[key] = goals
                elif not goals and isinstance(clean.get(key), str) and clean[key]:
                    goals = clean[key]
            for key, q in qs.items():
                if q.required and not clean.get(key):
                    # the form asks it in its "goals" field: the message goes there
                    errors["goals" if key in WANTS_KEYS else key] = _(
                        "Answer “{q}”: it is needed for this service."
                    ).format(q=q.label)
            if not goals and not clean:
                errors.setdefault("goals", _("Write down what the client wants, in their words."))
            if errors:
                raise ValidationError(errors)
            v = open_visit(s, visit_id)
            if v.step == vd.Step.GREETING.value:
                raise ServiceError(_("Greet the client first, then record the consultation."))
            # the consultation's row with Core statements built once (no entity load and flush)
            fields = {
                "kind": kind,
                "answers": clean,
                "goals": goals.strip(),
                "expectations": expectations.strip(),
                "priority": priority,
                "skin_type": skin_type.strip(),
                "hair_type": hair_type.strip(),
                "allergies": allergies.strip(),
                "contraindications": contraindications.strip(),
            }
            aid = reader(s).execute(_LAST_ASSESSMENT, {"vid": v.id}).scalar()
            if aid is None:
                aid = inserted_id(
                    connection_of(s).execute(
                        _INSERT_ASSESSMENT,
                        {**fields, "visit_id": v.id, "created_by_id": actor.staff_id, "created_at": now},
                    )
                )
            else:
                connection_of(s).execute(_UPDATE_ASSESSMENT, {**fields, "aid": aid})
            touched(s, "assessment", int(aid))
            if v.client_id is not None:
                # the profile's columns and one versioned UPDATE, not the client as an entity
                client = reader(s).execute(_CLIENT_HEALTH, {"cid": v.client_id}).first()
                if client is not None:
                    before = {"allergies": client.allergies, "contraindications": client.contraindications}
                    values: dict[str, Any] = {"updated_at": now}
                    for col, val in (
                        ("allergies", allergies),
                        ("contraindications", contraindications),
                        ("skin_type", skin_type),
                        ("hair_type", hair_type),
                    ):
                        if val.strip():
                            values[col] = val.strip()
                    done = connection_of(s).execute(
                        _UPDATE_PROFILE,
                        {**values, "version": client.version + 1, "cid": client.id, "read_version": client.version},
                    )
                    if done.rowcount != 1:  # another desk changed the profile since it was read (PostgreSQL)
                        raise ConflictError(
                            _(
                                "Another desk changed this visit a moment ago. It has been reloaded; "
                                "check it and try again."
                            )
                        )
                    touched(s, "client", client.id)  # a Core write: the change feed is told by hand
                    after = {
                        "allergies": values.get("allergies", client.allergies),
                        "contraindications": values.get("contraindications", client.contraindications),
                    }
                    if before != after:
                        audit(s, actor, "update", "client", client.id, before=before, after=after, at=now)
            audit(s, actor, "assess", "visit", v.id, after={"kind": kind, "priority": priority}, at=now)
            commit_visit(s)

    def set_plan(self, actor: Actor, visit_id: int, items: Sequence[PlanItemIn]) -> Estimate:
        """Replace the visit's plan. Prices come from the catalog. A changed plan needs a new confirmation."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            errors: dict[str, str] = {}
            for i, it in enumerate(items, start=1):
                if it.kind not in ("service", "product", "fee"):
                    errors[f"items.{i}"] = _("Line {n}: unknown kind of line.").format(n=i)
                elif it.quantity < 1 or it.quantity > 99:
                    errors[f"items.{i}.quantity"] = _("Line {n}: quantity must be 1 to 99.").format(n=i)
                elif it.kind == "fee" and (
                    it.unit_price_minor is None or it.unit_price_minor < 0 or not it.description
                ):
                    errors[f"items.{i}"] = _("Line {n}: a fee needs a description and an amount.").format(n=i)
            if errors:
                raise ValidationError(errors)
            v = open_visit(s, visit_id)
            if v.step in (vd.Step.CHECKOUT.value, vd.Step.REBOOKING.value):
                raise ServiceError(_("The service is finished; change the bill at checkout instead."))
            # the old plan goes and the new one is written with Core statements (a plan's rows are
            # only read back by estimate_of below, as rows): no entity loads, deletes and inserts
            # of the unit of work; the visit is announced as changed by hand
            conn = connection_of(s)
            conn.execute(_DELETE_PLAN, {"vid": v.id})
            new_items: list[dict[str, Any]] = []
            for i, it in enumerate(items, start=1):
                if it.kind == "service":
                    svc = conn.execute(_SERVICE_FOR_PLAN, {"sid": it.service_id}).first() if it.service_id else None
                    if svc is None or not svc.active:
                        raise ValidationError(
                            {f"items.{i}": _("Line {n}: that service is not on the menu.").format(n=i)}
                        )
                    new_items.append(
                        _plan_row(
                            visit_id=v.id,
                            kind="service",
                            service_id=svc.id,
                            description=svc.name_en,
                            quantity=it.quantity,
                            unit_price_minor=svc.price_minor,
                            staff_id=it.staff_id or v.staff_id,
                        )
                    )
                elif it.kind == "product":
                    p = conn.execute(_PRODUCT_FOR_PLAN, {"pid": it.product_id}).first() if it.product_id else None
                    if p is None or not p.active or not p.is_retail:
                        raise ValidationError(
                            {f"items.{i}": _("Line {n}: that product is not for sale.").format(n=i)}
                        )
                    new_items.append(
                        _plan_row(
                            visit_id=v.id,
                            kind="product",
                            product_id=p.id,
                            description=p.name_en,
                            quantity=it.quantity,
                            unit_price_minor=p.price_minor,
                            suggested_only=it.suggested_only,
                            staff_id=it.staff_id,
                        )
                    )
                else:
                    new_items.append(
                        _plan_row(
                            visit_id=v.id,
                            kind="fee",
                            description=it.description.strip(),
                            quantity=it.quantity,
                            unit_price_minor=int(it.unit_price_minor or 0),
                        )
                    )
            if new_items:
                conn.execute(_INSERT_PLAN, new_items)
            touched(s, "visit", v.id)
            if v.step == vd.Step.NEEDS.value:
                v.estimate_confirmed_at = None
                v.estimate_confirmed_by_id = None
            s.flush()
            est = estimate_of(s, self.settings, v)
            audit(
                s, actor, "plan", "visit", v.id, after={"lines": len(items), "total": est.total_minor}, at=now
            )
            commit_visit(s)
        return est

    def estimate(self, visit_id: int) -> Estimate:
        with self.db.uow(write=False) as uow:
            v = get_visit(uow.session, visit_id)
            return estimate_of(uow.session, self.settings, v)

    def confirm_plan(self, actor: Actor, visit_id: int, override_reason: str | None = None) -> Estimate:
        """The client confirms the plan and its estimate (time and staff recorded); on to the service.

        A planned service a safety rule stops (docs/safety.md) raises SafetyCheckNeeded and nothing
        is written, unless ``override_reason`` says why it goes ahead (recorded with who)."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            if v.step != vd.Step.NEEDS.value:
                raise ServiceError(_("The plan can be confirmed during the needs assessment only."))
            est = estimate_of(s, self.settings, v)
            if not any(line.kind == "service" for line in est.lines):
                raise ValidationError(
                    {"plan": _("Add at least one service to the plan before the client confirms.")}
                )
            require_safe(s, v, actor, now, override_reason)
            v.estimate_minor = est.total_minor
            v.estimate_confirmed_at = now
            v.estimate_confirmed_by_id = actor.staff_id
            move_visit(s, self.settings, v, "advance", actor, now)
            audit(
                s, actor, "confirm_estimate", "visit", v.id, after={"estimate_minor": est.total_minor}, at=now
            )
            commit_visit(s)
        # the estimate as confirmed: the plan did not change, so no second read after the commit
        return replace(est, confirmed_minor=est.total_minor, confirmed_at=now)

    # ------------------------------------------------------------------ catalog reads for the forms
    def menu(self) -> list[MenuService]:
        """The active service menu (for the new client's introduction and the plan builder)."""
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(Service, ServiceCategory)
                .join(ServiceCategory, ServiceCategory.id == Service.category_id)
                .where(Service.active.is_(True), ServiceCategory.active.is_(True))
                .order_by(ServiceCategory.sort, Service.sort, Service.id)
            ).all()
            return [
                MenuService(
                    id=svc.id,
                    name_zh=svc.name_zh,
                    name_en=svc.name_en,
                    category_zh=cat.name_zh,
                    category_en=cat.name_en,
                    consultation_kind=cat.consultation_kind,
                    price_minor=svc.price_minor,
                    duration_min=svc.duration_min,
                    care_advice_zh=svc.care_advice_zh,
                    care_advice_en=svc.care_advice_en,
                )
                for svc, cat in rows
            ]

    def products(self, *, retail: bool | None = None, backbar: bool | None = None) -> list[ProductChoice]:
        with self.db.uow(write=False) as uow:
            q = select(Product).where(Product.active.is_(True)).order_by(Product.id)
            if retail is not None:
                q = q.where(Product.is_retail.is_(retail))
            if backbar is not None:
                q = q.where(Product.is_backbar.is_(backbar))
            return [
                ProductChoice(
                    p.id,
                    p.name_zh,
                    p.name_en,
                    p.price_minor,
                    p.stock_qty,
                    p.unit,
                    p.is_retail,
                    p.is_backbar,
                    p.usage_advice_zh,
                    p.usage_advice_en,
                )
                for p in uow.session.execute(q).scalars()
            ]


_PLAN_ITEMS = cast(Table, PlanItem.__table__)
_CLIENTS = cast(Table, Client.__table__)
_DELETE_PLAN = delete(_PLAN_ITEMS).where(_PLAN_ITEMS.c.visit_id == bindparam("vid"))
_INSERT_PLAN = insert(_PLAN_ITEMS)
_SERVICE_FOR_PLAN = select(Service.id, Service.active, Service.name_en, Service.price_minor).where(
    Service.id == bindparam("sid")
)
_PRODUCT_FOR_PLAN = select(
    Product.id, Product.active, Product.is_retail, Product.name_en, Product.price_minor
).where(Product.id == bindparam("pid"))
_ASSESSMENTS = cast(Table, Assessment.__table__)
_LAST_ASSESSMENT = (
    select(_ASSESSMENTS.c.id)
    .where(_ASSESSMENTS.c.visit_id == bindparam("vid"))
    .order_by(_ASSESSMENTS.c.id.desc())
    .limit(1)
)
_INSERT_ASSESSMENT = insert(_ASSESSMENTS)
_UPDATE_ASSESSMENT = update(_ASSESSMENTS).where(_ASSESSMENTS.c.id == bindparam("aid"))  # SET: the keys given
# the profile's fields the consultation fills, checked against the version read (SET: the keys given)
_UPDATE_PROFILE = update(_CLIENTS).where(
    _CLIENTS.c.id == bindparam("cid"), _CLIENTS.c.version == bindparam("read_version")
)
_CLIENT_HEALTH = select(
    _CLIENTS.c.id, _CLIENTS.c.allergies, _CLIENTS.c.contraindications, _CLIENTS.c.version
).where(_CLIENTS.c.id == bindparam("cid"))


def _plan_row(
    *,
    visit_id: int,
    kind: str,
    quantity: int,
    unit_price_minor: int,
    description: str = "",
    service_id: int | None = None,
    product_id: int | None = None,
    suggested_only: bool = False,
    staff_id: int | None = None,
) -> dict[str, Any]:
    """One plan line as a row (every column, so the lines go in one executemany)."""
    return {
        "visit_id": visit_id,
        "kind": kind,
        "service_id": service_id,
        "product_id": product_id,
        "description": description,
        "quantity": quantity,
        "unit_price_minor": unit_price_minor,
        "suggested_only": suggested_only,
        "staff_id": staff_id,
    }


_QUESTIONS = (
    select(
        ConsultationQuestion.key,
        ConsultationQuestion.label_zh,
        ConsultationQuestion.label_en,
        ConsultationQuestion.answer_type,
        ConsultationQuestion.choices,
        ConsultationQuestion.required,
    )
    .where(ConsultationQuestion.kind == bindparam("kind"), ConsultationQuestion.active.is_(True))
    .order_by(ConsultationQuestion.sort, ConsultationQuestion.id)
)


def _questions(session: Session, kind: str) -> list[Question]:
    rows = reader(session).execute(_QUESTIONS, {"kind": kind}).all()  # columns, not entities
    return [
        Question(
            key=q.key,
            label_zh=q.label_zh,
            label_en=q.label_en,
            answer_type=q.answer_type,
            choices=tuple(
                ChoiceOption(str(c.get("key", "")), str(c.get("zh", "")), str(c.get("en", "")))
                for c in (q.choices or [])
            ),
            required=q.required,
        )
        for q in rows
    ]
