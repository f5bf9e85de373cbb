"""Safety before a service (docs/safety.md): the owner's contraindication rules, the client's patch
tests, and the check at planning and at service start with its recorded override.

``require_safe(session, …)`` runs inside the confirming or starting unit of work: it raises
:class:`SafetyCheckNeeded` (nothing is written) or, given a reason, records who overrode what and
why with the action itself.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, reader, require, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Assessment,
    Client,
    PatchTest,
    PlanItem,
    SafetyOverride,
    SafetyRule,
    Service,
    ServiceCategory,
    Staff,
    Visit,
)
from desk_app.domain import safety as sd
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _, pick
from desk_app.visits.row import AnyVisit


@dataclass(frozen=True)
class HitView:
    rule_id: int
    rule_label: str
    service_id: int
    service_name: str
    matched: str
    reason: str


@dataclass(frozen=True)
class OverrideView:
    rule_label: str
    service_name: str
    staff_name: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class PatchTestView:
    id: int
    product: str
    result: sd.PatchResult
    tested_at: datetime
    staff_name: str
    notes: str


@dataclass(frozen=True)
class RuleView:
    id: int
    label: str
    keywords: str
    category_id: int | None
    service_id: int | None
    covers: str  # the category's or service's name
    patch_test_days: int | None


class SafetyCheckNeeded(ServiceError):
    """A planned service is ruled out by a safety rule: a patch test, or an override with a reason."""

    def __init__(self, hits: list[HitView]) -> None:
        lines = [f"• {h.service_name}: {h.rule_label}. {h.reason}" for h in hits]
        super().__init__(
            _("Safety check before this service:") + "\n" + "\n".join(lines), "safety"
        )
        self.hits = hits


# -- session-level: used by the visit's own units of work --------------------------------------------


_ACTIVE_RULES = select(
    SafetyRule.id,
    SafetyRule.label,
    SafetyRule.keywords,
    SafetyRule.category_id,
    SafetyRule.service_id,
    SafetyRule.patch_test_days,
).where(SafetyRule.active.is_(True)).order_by(SafetyRule.id)
_SERVICE_CATEGORIES = select(Service.id, Service.category_id)
_CATEGORIES_OF = _SERVICE_CATEGORIES.where(Service.id.in_(bindparam("sids", expanding=True)))
_PATCH_TESTS = select(PatchTest.tested_at, PatchTest.result, PatchTest.product).where(
    PatchTest.client_id == bindparam("cid")
)


def load_rules(s: Session, services: Collection[int] | None = None) -> list[sd.Rule]:
    """The active rules; with ``services``, each rule's covered services among those only (what
    a visit's check needs: it never asks about a service it has not planned)."""
    on = reader(s)  # columns with statements built once (a visit's confirm and start ask)
    active = on.execute(_ACTIVE_RULES).all()
    if not active:
        return []
    cats: dict[int, set[int]] = {}
    found = on.execute(_SERVICE_CATEGORIES) if services is None else on.execute(_CATEGORIES_OF, {"sids": list(services)})
    for sid, cid in found:
        cats.setdefault(int(cid), set()).add(int(sid))
    rules = []
    for r in active:
        covered = set(cats.get(r.category_id, set())) if r.category_id is not None else set()
        if r.service_id is not None:
            covered.add(r.service_id)
        rules.append(sd.Rule(r.id, r.label, sd.parse_keywords(r.keywords), frozenset(covered), r.patch_test_days))
    return rules


_CLIENT_TEXTS = select(Client.id, Client.allergies, Client.contraindications).where(Client.id == bindparam("cid"))
_PLANNED = select(PlanItem.service_id).where(PlanItem.visit_id == bindparam("vid"), PlanItem.service_id.is_not(None))
_ASSESSED_TEXTS = select(Assessment.allergies, Assessment.contraindications).where(
    Assessment.visit_id == bindparam("vid")
)


def visit_hits(s: Session, v: AnyVisit, now: datetime) -> list[HitView]:
    """What the rules stop among the visit's planned services, less what was already overridden."""
    if v.client_id is None:
        return []
    on = reader(s)  # three reads of columns with statements built once (a visit's steps ask twice)
    client = on.execute(_CLIENT_TEXTS, {"cid": v.client_id}).first()
    if client is None:
        return []
    planned = [sid for sid in on.execute(_PLANNED, {"vid": v.id}).scalars() if sid is not None]
    if not planned:
        return []
    texts = [client.allergies or "", client.contraindications or ""]
    for a_all, a_contra in on.execute(_ASSESSED_TEXTS, {"vid": v.id}):
        texts += [a_all or "", a_contra or ""]
    text = "\n".join(t for t in texts if t.strip())
    if not text:  # a rule stops a service only when a keyword is in the client's record: nothing to match
        return []
    rules = load_rules(s, planned)
    if not rules:
        return []
    tz = shop_tz(s)
    tests = [
        sd.PatchTestDay(t.tested_at, t.tested_at.astimezone(tz).date(), sd.PatchResult(t.result), t.product)
        for t in on.execute(_PATCH_TESTS, {"cid": client.id})
    ]
    hits = sd.check(rules, planned, text, tests, now.astimezone(tz).date())
    if not hits:
        return []
    done = {
        (int(rule_id), int(service_id))
        for rule_id, service_id in s.execute(
            select(SafetyOverride.rule_id, SafetyOverride.service_id).where(SafetyOverride.visit_id == v.id)
        )
    }
    names = {
        sid: pick(zh, en)
        for sid, zh, en in s.execute(
            select(Service.id, Service.name_zh, Service.name_en).where(Service.id.in_({h.service_id for h in hits}))
        )
    }
    return [
        HitView(h.rule_id, h.rule_label, h.service_id, names.get(h.service_id, "?"), h.matched, h.reason())
        for h in hits
        if (h.rule_id, h.service_id) not in done
    ]


def require_safe(s: Session, v: AnyVisit, actor: Actor, now: datetime, override_reason: str | None) -> None:
    hits = visit_hits(s, v, now)
    if not hits:
        return
    reason = (override_reason or "").strip()
    if not reason:
        raise SafetyCheckNeeded(hits)
    assert v.client_id is not None
    for h in hits:
        s.add(
            SafetyOverride(
                visit_id=v.id,
                client_id=v.client_id,
                rule_id=h.rule_id,
                service_id=h.service_id,
                staff_id=actor.staff_id,
                reason=reason,
                at=now,
            )
        )
    audit(
        s,
        actor,
        "safety_override",
        "visit",
        v.id,
        after={"rules": sorted({h.rule_id for h in hits}), "services": sorted({h.service_id for h in hits}), "reason": reason},
        at=now,
    )


# -- the service: reads for the screens, patch tests, the owner's rules --------------------------------


class SafetyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def check_visit(self, actor: Actor, visit_id: int) -> list[HitView]:
        """What the plan's services would need (shown while the plan is made)."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        with self.db.uow(write=False) as uow:
            v = uow.session.get(Visit, visit_id)
            if v is None:
                raise NotFound(_("That visit no longer exists."))
            return visit_hits(uow.session, v, self.clock())

    def overrides(self, visit_id: int) -> list[OverrideView]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            rows = s.execute(
                select(SafetyOverride, SafetyRule.label, Service.name_zh, Service.name_en, Staff.name)
                .join(SafetyRule, SafetyRule.id == SafetyOverride.rule_id)
                .join(Service, Service.id == SafetyOverride.service_id)
                .outerjoin(Staff, Staff.id == SafetyOverride.staff_id)
                .where(SafetyOverride.visit_id == visit_id)
                .order_by(SafetyOverride.id)
            ).all()
            return [OverrideView(label, pick(zh, en), name or "", o.reason, o.at) for o, label, zh, en, name in rows]

    def record_patch_test(
        self, actor: Actor, client_id: int, product: str, result: str, notes: str = ""
    ) -> int:
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        product = product.strip()
        errors: dict[str, str] = {}
        if not product:
            errors["product"] = _("Say which product was tested.")
        try:
            res = sd.PatchResult(result)
        except ValueError:
            errors["result"] = _("Choose what the test showed.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            if s.get(Client, client_id) is None:
                raise NotFound(_("That client no longer exists."))
            t = PatchTest(
                client_id=client_id, product=product[:200], result=res.value, tested_at=now,
                staff_id=actor.staff_id, notes=notes.strip(),
            )  # fmt: skip
            s.add(t)
            s.flush()
            audit(s, actor, "patch_test", "client", client_id, after={"product": product, "result": res.value}, at=now)
            uow.commit()
            return t.id

    def patch_tests(self, actor: Actor, client_id: int) -> list[PatchTestView]:
        require(self.db.uow, actor, Perm.CLIENT_VIEW)
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(PatchTest, Staff.name)
                .outerjoin(Staff, Staff.id == PatchTest.staff_id)
                .where(PatchTest.client_id == client_id)
                .order_by(PatchTest.tested_at.desc(), PatchTest.id.desc())
            ).all()
            return [
                PatchTestView(t.id, t.product, sd.PatchResult(t.result), t.tested_at, name or "", t.notes)
                for t, name in rows
            ]

    # the owner's rules (Settings)
    def rules(self) -> list[RuleView]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            cats = {c.id: pick(c.name_zh, c.name_en) for c in s.scalars(select(ServiceCategory))}
            svcs = {sv.id: pick(sv.name_zh, sv.name_en) for sv in s.scalars(select(Service))}
            return [
                RuleView(
                    r.id, r.label, r.keywords, r.category_id, r.service_id,
                    cats.get(r.category_id or 0) or svcs.get(r.service_id or 0, ""), r.patch_test_days,
                )  # fmt: skip
                for r in s.scalars(select(SafetyRule).where(SafetyRule.active.is_(True)).order_by(SafetyRule.id))
            ]

    def save_rule(
        self,
        actor: Actor,
        rule_id: int | None,
        *,
        label: str,
        keywords: str,
        category_id: int | None,
        service_id: int | None,
        patch_test_days: int | None,
    ) -> int:
        require(self.db.uow, actor, Perm.SETTINGS)
        errors: dict[str, str] = {}
        if not label.strip():
            errors["label"] = _("Name the rule, e.g. “Hair dye allergy”.")
        if not sd.parse_keywords(keywords):
            errors["keywords"] = _("Give at least one word to look for in the client's allergies.")
        if (category_id is None) == (service_id is None):
            errors["covers"] = _("Choose the service category or the one service the rule is about.")
        if patch_test_days is not None and not 0 <= patch_test_days <= 3650:
            errors["days"] = _("Days must be between 0 and 3650.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            if rule_id is None:
                r = SafetyRule(label="", keywords="")
                s.add(r)
            else:
                found = s.get(SafetyRule, rule_id)
                if found is None or not found.active:
                    raise NotFound(_("That rule no longer exists."))
                r = found
            before = {"label": r.label, "keywords": r.keywords, "days": r.patch_test_days} if rule_id else None
            r.label = label.strip()[:200]
            r.keywords = ", ".join(sd.parse_keywords(keywords))
            r.category_id = category_id
            r.service_id = service_id
            r.patch_test_days = patch_test_days
            s.flush()
            audit(
                s, actor, "update" if rule_id else "create", "safety_rule", r.id, before=before,
                after={"label": r.label, "keywords": r.keywords, "days": r.patch_test_days}, at=now,
            )  # fmt: skip
            uow.commit()
            return r.id

    def remove_rule(self, actor: Actor, rule_id: int) -> None:
        require(self.db.uow, actor, Perm.SETTINGS)
        now = self.clock()
        with self.db.uow() as uow:
            r = uow.session.get(SafetyRule, rule_id)
            if r is None or not r.active:
                raise NotFound(_("That rule no longer exists."))
            r.active = False  # past overrides keep pointing at it
            audit(uow.session, actor, "delete", "safety_rule", r.id, before={"label": r.label}, at=now)
            uow.commit()
