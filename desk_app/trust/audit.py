"""The audit log, read side (docs/product.md §7): the owner filters it and exports it.

Rows are written by ``desk_app.core.service.audit`` from every service and are
never updated or deleted (a test greps the code base for that), with one exception the
database checks (migration 0005): ``redact`` empties the values of the entries that name
an erased client, keeping who did what and when. Reading is owner-only
(``Perm.AUDIT_VIEW``); an export is itself logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, func, select, text
from sqlalchemy.orm import Session

from desk_app.core import csvfile
from desk_app.core.service import audit, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import AuditEntry, Staff
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import N_, _, format_datetime, timezone
from desk_app.settings import SettingsStore


@dataclass(frozen=True)
class AuditFilter:
    staff_id: int | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    date_from: date | None = None  # shop-local dates, inclusive
    date_to: date | None = None
    denied_only: bool = False
    text: str = ""  # searched in the detail


# the words for the fields most often written in the log ("tax_number: → …" and "branch_id: 1"
# were shown as they are stored); any other field's name is made readable by ``field_label``
FIELD_WORDS: dict[str, str] = {
    "name": N_("Name"), "phone": N_("Phone"), "email": N_("E-mail"), "address": N_("Address"),
    "tax_number": N_("Tax number"), "currency": N_("Currency"), "timezone": N_("Time zone"),
    "region": N_("Country / region"), "locale": N_("Language"), "language": N_("Language"),
    "branch_id": N_("Branch"), "staff_id": N_("Staff"), "client_id": N_("Client"), "visit_id": N_("Visit"),
    "sale_id": N_("Sale"), "service_id": N_("Service"), "product_id": N_("Product"),
    "resource_id": N_("Chair / room"), "receipt_no": N_("Receipt no."), "reason": N_("Reason"),
    "kind": N_("Kind"), "status": N_("Status"), "step": N_("Step"), "result": N_("Result"),
    "active": N_("In use"), "path": N_("File"), "file": N_("File"), "total": N_("Total"),
    "qty": N_("Quantity"), "allergies": N_("Allergies"), "notes": N_("Notes"), "label": N_("Name"),
    "priority": N_("Priority"), "severity": N_("Severity"), "score": N_("Score"), "start_at": N_("Start"),
    "due_on": N_("Due by"), "role": N_("Role"), "return_policy_zh": N_("Return policy (Chinese)"),
    "return_policy_en": N_("Return policy (English)"), "float_minor": N_("Float"),
    "effective_from": N_("In force from"), "rates": N_("Commission rates"),
    "prepaid_rule": N_("Prepaid top-ups earn commission"), "package_rule": N_("Packages earn commission"),
    "voucher_rule": N_("Gift vouchers earn commission"),
}


def field_label(key: str) -> str:
    """A logged field in words: "Tax number", "Branch"; else its name made readable ("late fee")."""
    if key in FIELD_WORDS:
        return _(FIELD_WORDS[key])
    words = key.removesuffix("_id").removesuffix("_minor").replace("_", " ").replace(".", " · ")
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    staff_id: int | None
    staff_name: str
    branch_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str
    allowed: bool
    redacted: bool = False

    def changes(self) -> str:
        """A short 'field: before -> after' text for tables and exports."""
        if self.redacted:
            return _("(removed: the client was erased)")
        b, a = self.before or {}, self.after or {}
        parts: list[str] = []
        for k in list(dict.fromkeys([*b.keys(), *a.keys()])):
            word = field_label(k)
            if k in b and k in a:
                if b[k] != a[k]:
                    parts.append(f"{word}: {b[k]} → {a[k]}")
            elif k in a:
                parts.append(f"{word}: {a[k]}")
            else:
                parts.append(f"{word}: {b[k]} → ∅")
        return "; ".join(parts)


def _local_bounds(d_from: date | None, d_to: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone()
    lo = datetime.combine(d_from, time(0), tz) if d_from else None
    hi = datetime.combine(d_to + timedelta(days=1), time(0), tz) if d_to else None
    return lo, hi


class AuditService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    def _query(self, f: AuditFilter) -> Select[AuditEntry, str]:
        q = select(AuditEntry, Staff.name).outerjoin(Staff, Staff.id == AuditEntry.staff_id)
        if f.staff_id is not None:
            q = q.where(AuditEntry.staff_id == f.staff_id)
        if f.action:
            q = q.where(AuditEntry.action == f.action)
        if f.entity:
            q = q.where(AuditEntry.entity == f.entity)
        if f.entity_id:
            q = q.where(AuditEntry.entity_id == str(f.entity_id))
        lo, hi = _local_bounds(f.date_from, f.date_to)
        if lo is not None:
            q = q.where(AuditEntry.at >= lo)
        if hi is not None:
            q = q.where(AuditEntry.at < hi)
        if f.denied_only:
            q = q.where(AuditEntry.allowed.is_(False))
        if f.text.strip():
            q = q.where(AuditEntry.detail.ilike(f"%{f.text.strip()}%"))
        return q

    def list_entries(
        self, actor: Actor, f: AuditFilter | None = None, *, limit: int = 500, offset: int = 0
    ) -> list[AuditRow]:
        """Newest first."""
        require(self.db.uow, actor, Perm.AUDIT_VIEW)
        f = f or AuditFilter()
        with self.db.uow(write=False) as uow:
            q = (
                self._query(f)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_row(e, name) for e, name in uow.session.execute(q).all()]

    def count(self, actor: Actor, f: AuditFilter | None = None) -> int:
        require(self.db.uow, actor, Perm.AUDIT_VIEW)
        with self.db.uow(write=False) as uow:
            sub = self._query(f or AuditFilter()).subquery()
            return int(uow.session.scalar(select(func.count()).select_from(sub)) or 0)

    def actions(self, actor: Actor) -> list[str]:
        """Every action that appears in the log (for the filter list)."""
        require(self.db.uow, actor, Perm.AUDIT_VIEW)
        with self.db.uow(write=False) as uow:
            return sorted(uow.session.scalars(select(AuditEntry.action).distinct()))

    def entities(self, actor: Actor) -> list[str]:
        require(self.db.uow, actor, Perm.AUDIT_VIEW)
        with self.db.uow(write=False) as uow:
            return sorted(uow.session.scalars(select(AuditEntry.entity).distinct()))

    def export_csv(self, actor: Actor, out_path: Path, f: AuditFilter | None = None) -> int:
        """Write the filtered log as CSV (UTF-8 with BOM, opens in Excel). Returns the row count."""
        require(self.db.uow, actor, Perm.AUDIT_VIEW)
        require(self.db.uow, actor, Perm.EXPORT)
        f = f or AuditFilter()
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        n = 0
        tmp = out_path.with_name(out_path.name + ".part")
        with self.db.uow(write=False) as uow, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csvfile.writer(fh)  # escapes formula cells (staff names, details, values)
            w.writerow(
                [
                    _("Time"),
                    _("Staff"),
                    _("Action"),
                    _("Record"),
                    _("Record id"),
                    _("Allowed"),
                    _("Changes"),
                    _("Before"),
                    _("After"),
                    _("Detail"),
                    "id",
                    "at_utc",
                ]
            )
            q = self._query(f).order_by(AuditEntry.at, AuditEntry.id).execution_options(yield_per=1000)
            for e, name in uow.session.execute(q):
                r = _row(e, name)
                w.writerow(
                    [
                        format_datetime(r.at, "short"),
                        r.staff_name,
                        r.action,
                        r.entity,
                        r.entity_id,
                        _("yes") if r.allowed else _("no"),
                        r.changes(),
                        json.dumps(r.before, ensure_ascii=False) if r.before is not None else "",
                        json.dumps(r.after, ensure_ascii=False) if r.after is not None else "",
                        r.detail,
                        r.id,
                        r.at.isoformat(),
                    ]
                )
                n += 1
        tmp.replace(out_path)
        with self.db.uow() as uow:
            audit(
                uow.session,
                actor,
                "export",
                "audit_log",
                "",
                at=self.clock(),
                after={"rows": n, "file": out_path.name, "filter": _filter_dict(f)},
            )
            uow.commit()
        return n


# The only UPDATE of the audit log anywhere in the app, in the one shape migration 0005's trigger
# lets through: values gone, the event (id, time, staff, action, record, allowed) kept.
_REDACT = text(
    "UPDATE audit_log SET before = NULL, after = NULL, detail = '', redacted_by = :erasure"
    " WHERE id IN :ids AND redacted_by IS NULL"
).bindparams(bindparam("ids", expanding=True))


def redact(session: Session, entry_ids: list[int], erasure_id: int) -> int:
    """Empty the values of these entries for the erasure ``erasure_id`` (in the caller's unit of
    work); returns how many were redacted (entries redacted before are left as they are)."""
    n = 0
    ids = sorted(set(entry_ids))
    for i in range(0, len(ids), 500):
        res = session.execute(_REDACT, {"erasure": erasure_id, "ids": ids[i : i + 500]})
        n += int(getattr(res, "rowcount", 0) or 0)
    return n


def _row(e: AuditEntry, staff_name: str | None) -> AuditRow:
    return AuditRow(
        id=e.id,
        at=e.at,
        staff_id=e.staff_id,
        staff_name=staff_name or (_("system") if e.staff_id is None else ""),
        branch_id=e.branch_id,
        action=e.action,
        entity=e.entity,
        entity_id=e.entity_id,
        before=dict(e.before) if e.before is not None else None,
        after=dict(e.after) if e.after is not None else None,
        detail=e.detail or "",
        allowed=bool(e.allowed),
        redacted=e.redacted_by is not None,
    )


def _filter_dict(f: AuditFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in f.__dict__.items():
        if v not in (None, "", False):
            out[k] = v.isoformat() if isinstance(v, date) else v
    return out
