"""The audit log: the owner filters and exports it; nothing updates or deletes a row."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from desk_app.container import Services
from desk_app.core.service import audit
from desk_app.db.models import AuditEntry
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.trust.audit import AuditFilter
from tests.conftest import OWNER_PIN, FakeClock

ROOT = Path(__file__).resolve().parents[2]


def _stylist(services: Services, owner: Actor, name: str = "Leo", **perms: bool) -> Actor:
    view = services.auth.save_staff(
        owner, staff_id=None, name=name, role="stylist", pin="5678", permissions=dict(perms) or None
    )
    return services.auth.sign_in(view.id, "5678")


def test_owner_filters_by_staff_action_entity_and_date(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = _stylist(services, owner)
    setup_time = clock()
    clock.advance(days=10)  # the shop was set up ten days ago
    with services.db.uow() as uow:
        audit(
            uow.session,
            leo,
            "update",
            "client",
            42,
            before={"phone": "+8613800000000"},
            after={"phone": "+8613811111111"},
            at=clock(),
        )
        audit(
            uow.session,
            owner,
            "price_change",
            "service",
            7,
            before={"price": "100"},
            after={"price": "120"},
            at=clock(),
        )
        uow.commit()
    svc = services.audit
    everything = svc.list_entries(owner)
    assert [r.action for r in everything][:2] == ["price_change", "update"]  # newest first
    # every row is stamped by the services' clock, never the machine's: setting up the shop too
    assert {r.at for r in everything[2:]} == {setup_time} and everything[0].at == clock()
    by_leo = svc.list_entries(owner, AuditFilter(staff_id=leo.staff_id))
    assert {r.action for r in by_leo} == {"sign_in", "update"} and all(r.staff_name == "Leo" for r in by_leo)
    client_rows = svc.list_entries(owner, AuditFilter(entity="client", entity_id="42"))
    assert len(client_rows) == 1 and client_rows[0].changes() == "Phone: +8613800000000 → +8613811111111"  # the field in words
    assert svc.count(owner, AuditFilter(action="price_change")) == 1
    today = date(2026, 11, 28)
    assert {r.action for r in svc.list_entries(owner, AuditFilter(date_from=today, date_to=today))} == {
        "update",
        "price_change",
    }
    assert svc.count(owner, AuditFilter(date_to=date(2026, 11, 27))) == svc.count(owner) - 2
    assert "sign_in" in svc.actions(owner) and "client" in svc.entities(owner)


def test_export_csv_is_owner_only_and_logged(services: Services, owner: Actor, tmp_path: Path) -> None:
    leo = _stylist(services, owner)
    out = tmp_path / "audit.csv"
    n = services.audit.export_csv(owner, out, AuditFilter(action="create"))
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert n == len(rows) - 1 >= 2 and rows[0][:3] == ["Time", "Staff", "Action"]
    assert {r[2] for r in rows[1:]} == {"create"}
    assert services.audit.count(owner, AuditFilter(action="export", entity="audit_log")) == 1
    with pytest.raises(NotAllowed):
        services.audit.list_entries(leo)
    with pytest.raises(NotAllowed):
        services.audit.export_csv(leo, tmp_path / "leo.csv")
    assert not (tmp_path / "leo.csv").exists()
    denied = services.audit.list_entries(owner, AuditFilter(denied_only=True))
    assert [r.detail for r in denied] == ["stylist tried audit_view", "stylist tried audit_view"]
    assert all(r.staff_id == leo.staff_id and not r.allowed for r in denied)


def test_wrong_pin_and_sign_in_are_logged(services: Services, owner: Actor) -> None:
    from desk_app.trust.auth import SignInError

    with pytest.raises(SignInError):
        services.auth.sign_in(owner.staff_id, "0000")
    services.auth.sign_in(owner.staff_id, OWNER_PIN)
    rows = services.audit.list_entries(owner, AuditFilter(entity="staff", entity_id=str(owner.staff_id)))
    assert [r.action for r in rows][:2] == ["sign_in", "sign_in_failed"]


# -- append-only ----------------------------------------------------------------

_CODE_DIRS = ("desk_app", "ui", "migrations", "scripts", "bench")
_FORBIDDEN = [
    re.compile(r"\b(update|delete)\s*\(\s*AuditEntry\b"),  # update(AuditEntry) / delete(AuditEntry)
    re.compile(r"\bquery\s*\(\s*AuditEntry\b[^\n]*\.(update|delete)\s*\("),
    re.compile(r"\bUPDATE\s+\"?audit_log\b", re.IGNORECASE),
    re.compile(r"\bDELETE\s+FROM\s+\"?audit_log\b", re.IGNORECASE),
    # a TRUNCATE statement naming the table; not "TRUNCATE ON audit_log", the privilege and the
    # trigger event with which migration 0004 refuses it
    re.compile(r"\bTRUNCATE\b(?!\s+ON\b)[^\n]*audit_log", re.IGNORECASE),
    re.compile(r"\bDROP\s+TABLE\b[^\n]*audit_log", re.IGNORECASE),
]


def _python_files() -> list[Path]:
    files = [ROOT / "main.py"]
    for d in _CODE_DIRS:
        files += [p for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts]
    return [p for p in files if p.exists()]


REDACTION = "UPDATE audit_log SET before = NULL, after = NULL, detail = '', redacted_by = :erasure"


def test_no_code_path_updates_or_deletes_an_audit_row() -> None:
    """Except the one statement that redacts entries for an erasure, which only empties values."""
    offenders: list[str] = []
    redactions = 0
    for path in _python_files():
        src = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        for pat in _FORBIDDEN:
            for m in pat.finditer(src):
                line = src.count("\n", 0, m.start()) + 1
                # the initial migration's downgrade may drop every table
                if "DROP" in m.group(0).upper() and "migrations" in rel.parts:
                    continue
                # the one redaction an erasure makes, in the shape migration 0005's trigger allows
                if str(rel) == "desk_app/trust/audit.py" and src[m.start() :].startswith(REDACTION):
                    redactions += 1
                    continue
                offenders.append(f"{rel}:{line}: {m.group(0)}")
        # an AuditEntry loaded and then changed or deleted through the session
        if "AuditEntry" in src and "desk_app/core/service.py" != str(rel):
            for m in re.finditer(r"session\.delete\(([^)]*)\)", src):
                if re.search(r"audit|entry", m.group(1), re.IGNORECASE):
                    offenders.append(f"{rel}: session.delete({m.group(1)})")
            for m in re.finditer(
                r"\b(\w*(?:audit|entry)\w*)\.(before|after|detail|action|allowed|at)\s*=[^=]",
                src,
                re.IGNORECASE,
            ):
                offenders.append(f"{rel}: assigns {m.group(1)}.{m.group(2)}")
    assert offenders == [], "audit rows are append-only:\n" + "\n".join(offenders)
    assert redactions == 1


def test_the_grep_catches_what_it_should(tmp_path: Path) -> None:
    bad = "session.execute(delete(AuditEntry).where(AuditEntry.id == 1))\nconn.exec_driver_sql('UPDATE audit_log SET x=1')"
    assert sum(1 for p in _FORBIDDEN if p.search(bad)) == 2
    for stmt in ("TRUNCATE audit_log", "truncate table sales, audit_log CASCADE"):
        assert any(p.search(stmt) for p in _FORBIDDEN), stmt
    guards = "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC\nBEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log"
    assert not any(p.search(guards) for p in _FORBIDDEN)


def test_no_trigger_rewrites_the_audit_log_and_the_orm_never_issues_one(
    services: Services, owner: Actor
) -> None:
    """No trigger of the schema updates or deletes audit rows (the only triggers on audit_log are
    migration 0004's guards that refuse it: tests/integration/test_audit_append_only.py), and a full
    service run emits no UPDATE/DELETE against audit_log."""
    from sqlalchemy import event

    with services.db.engine.connect() as conn:
        triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, sql in triggers:
        s = (sql or "").upper()
        assert "AUDIT_LOG" not in s or not re.search(r"(UPDATE|DELETE\s+FROM)\s+\"?AUDIT_LOG", s), name
    seen: list[str] = []

    def spy(conn: object, cursor: object, statement: str, *a: object) -> None:
        seen.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", spy)
    try:
        services.auth.sign_in(owner.staff_id, OWNER_PIN)
        leo = _stylist(services, owner)
        with pytest.raises(NotAllowed):
            services.audit.list_entries(leo)
        services.audit.list_entries(owner)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", spy)
    touching = [s for s in seen if re.search(r"^\s*(UPDATE|DELETE\s+FROM)\s+audit_log", s, re.IGNORECASE)]
    assert touching == [] and any(s.lstrip().upper().startswith("INSERT INTO AUDIT_LOG") for s in seen)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)) >= 5


def test_the_logs_fields_are_in_words() -> None:
    """The second newcomer's walk: the log said "tax_number:  → 91310000MA1TEST" and "branch_id: 1",
    as stored. A field reads in words, in the screen's language; an unknown one is made readable."""
    from desk_app import i18n
    from desk_app.trust.audit import field_label

    assert field_label("tax_number") == "Tax number" and field_label("branch_id") == "Branch"
    assert field_label("deposit_taken_minor") == "Deposit taken"
    i18n.set_language("zh_CN")
    try:
        assert field_label("tax_number") == "税号"
    finally:
        i18n.set_language("en")
