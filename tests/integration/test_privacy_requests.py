"""Privacy requests: export everything about a client (JSON + PDF), erase a client (books still balance)."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.clients.search_text import build_search_fields
from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError, next_counter
from desk_app.db.models import (
    Appointment,
    Assessment,
    AuditEntry,
    Client,
    Complaint,
    ConsentRecord,
    Contact,
    Feedback,
    FollowUp,
    Formula,
    Payment,
    PrepaidAccount,
    PrepaidMovement,
    Sale,
    SaleLine,
    Service,
    Visit,
)
from desk_app.domain.permissions import Actor, NotAllowed
from tests.conftest import FakeClock

PHONE = "+8613812345678"


def seed_history(services: Services, owner: Actor, clock: FakeClock) -> int:
    """One client with something in every table a privacy request touches."""
    now = clock()
    with services.db.uow() as uow:
        s = uow.session
        number = f"C{next_counter(s, 'client_number'):06d}"
        py, ini, digits, text = build_search_fields("王芳", PHONE, number)
        c = Client(
            client_number=number,
            name="王芳",
            phone=PHONE,
            phone_digits=digits,
            name_pinyin=py,
            name_initials=ini,
            search_text=text,
            email="wf@example.cn",
            birthday=date(1990, 3, 5),
            birthday_md="03-05",
            allergies="对PPD染发剂过敏",
            notes="Prefers quiet",
            wechat_id="wf1990",
            preferences=["quiet", "tea"],
            privacy_consent=True,
            marketing_consent=True,
            total_spend_minor=38000,
            visit_count=1,
        )
        s.add(c)
        s.flush()
        s.add(ConsentRecord(client_id=c.id, kind="privacy", granted=True, at=now, staff_id=owner.staff_id))
        svc = s.scalars(select(Service).order_by(Service.id)).first()
        assert svc is not None
        appt = Appointment(
            branch_id=owner.branch_id,
            client_id=c.id,
            staff_id=owner.staff_id,
            start_at=now,
            end_at=now + timedelta(hours=1),
            block_end_at=now + timedelta(hours=1),
            notes="Call her husband if late",
            status="done",
        )
        s.add(appt)
        s.flush()
        v = Visit(
            branch_id=owner.branch_id,
            client_id=c.id,
            staff_id=owner.staff_id,
            arrived_at=now,
            notes="Mentioned a pregnancy",
            problem="Scalp was sore",
            step="done",
            status="done",
            appointment_id=appt.id,
        )
        s.add(v)
        s.flush()
        s.add(Assessment(visit_id=v.id, goals="Cover greys", allergies="PPD", answers={"scalp": "sensitive"}))
        s.add(
            Formula(
                visit_id=v.id,
                client_id=c.id,
                components=[{"product": "Koleston", "shade": "6/1", "notes": "patch test ok"}],
                notes="Lift slowly",
                locks_at=now + timedelta(days=1),
            )
        )
        sale = Sale(
            branch_id=owner.branch_id,
            receipt_no="R-0001",
            client_id=c.id,
            visit_id=v.id,
            sold_at=now,
            currency="CNY",
            subtotal_minor=38000,
            total_minor=38000,
            over_estimate_note="agreed by phone",
        )
        s.add(sale)
        s.flush()
        s.add(
            SaleLine(
                sale_id=sale.id,
                line_no=1,
                kind="service",
                service_id=svc.id,
                description="染发 Colour",
                unit_price_minor=38000,
                line_total_minor=38000,
            )
        )
        s.add(Payment(sale_id=sale.id, method="wechat", amount_minor=38000, paid_at=now))
        acct = PrepaidAccount(client_id=c.id, balance_minor=50000)
        s.add(acct)
        s.flush()
        s.add(
            PrepaidMovement(
                account_id=acct.id, kind="topup", amount_minor=50000, balance_after_minor=50000, at=now
            )
        )
        s.add(
            FollowUp(
                visit_id=v.id,
                client_id=c.id,
                due_from=now,
                due_by=now + timedelta(days=3),
                comments="Said her scalp still itches",
            )
        )
        ct = Contact(
            client_id=c.id,
            channel="phone",
            kind="complaint",
            caller_name="王芳",
            caller_phone=PHONE,
            summary="Unhappy with colour",
            at=now,
        )
        s.add(ct)
        s.flush()
        s.add(
            Complaint(
                contact_id=ct.id,
                client_id=c.id,
                description="Colour too dark",
                opened_at=now,
                first_response_due_at=now + timedelta(hours=24),
            )
        )
        s.add(Feedback(client_id=c.id, visit_id=v.id, score=3, content="Too dark for me", at=now))
        uow.commit()
        return c.id


def test_export_client_writes_everything_as_json_and_a_readable_pdf(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    cid = seed_history(services, owner, clock)
    paths = services.privacy.export_client(owner, cid, tmp_path / "out")
    assert [p.suffix for p in paths] == [".json", ".pdf"]
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert data["profile"]["name"] == "王芳" and data["profile"]["phone"] == PHONE
    for kind in (
        "consents",
        "visits",
        "assessments",
        "formulas",
        "sales",
        "sale_lines",
        "payments",
        "prepaid_accounts",
        "prepaid_movements",
        "follow_ups",
        "complaints",
        "feedback",
        "appointments",
        "contacts",
    ):
        assert len(data[kind]) == 1, kind
    assert data["payments"][0]["amount_minor"] == 38000
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(paths[1]), "-"], capture_output=True, text=True, check=True
    ).stdout
    for needle in ("王芳", "对PPD染发剂过敏", "R-0001", "Colour too dark", "Koleston", "380.00"):
        assert needle in pdf_text, needle
    with services.db.uow(write=False) as uow:
        row = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert row.entity == "client" and row.entity_id == str(cid)


def test_erase_anonymises_the_person_and_keeps_the_books(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    cid = seed_history(services, owner, clock)
    with pytest.raises(ValidationError):
        services.privacy.erase_client(owner, cid, "  ")
    res = services.privacy.erase_client(owner, cid, "Client asked by email on 2026-11-17")
    assert res.name == "Erased client C000001" and res.sales_kept == 1 and res.notes_cleared >= 15
    with services.db.uow(write=False) as uow:
        s = uow.session
        c = s.get(Client, cid)
        assert c is not None
        assert (c.name, c.phone, c.phone_digits, c.email, c.wechat_id) == (
            "Erased client C000001",
            "",
            "",
            "",
            "",
        )
        assert c.birthday is None and c.birthday_md is None and c.allergies == "" and c.notes == ""
        assert c.preferences == [] and not c.marketing_consent and not c.privacy_consent and c.erased_at
        assert (
            "wangfang" not in c.search_text
            and "13812345678" not in c.search_text
            and "c000001" in c.search_text
        )
        withdrawn = s.scalars(select(ConsentRecord).where(ConsentRecord.granted.is_(False))).all()
        assert {w.kind for w in withdrawn} == {"privacy", "marketing", "sms", "email"}
        v = s.scalars(select(Visit)).one()
        assert (v.notes, v.problem) == ("", "")
        a = s.scalars(select(Assessment)).one()
        assert (a.goals, a.allergies, a.answers) == ("", "", {})
        f = s.scalars(select(Formula)).one()
        assert f.notes == "" and f.components == [{"product": "Koleston", "shade": "6/1", "notes": ""}]
        ct = s.scalars(select(Contact)).one()
        assert (ct.caller_name, ct.caller_phone, ct.summary) == ("", "", "")
        assert s.scalars(select(Complaint)).one().description == ""
        assert s.scalars(select(Feedback)).one().content == ""
        assert s.scalars(select(FollowUp)).one().comments == ""
        assert s.scalars(select(Appointment)).one().notes == ""
        # the books: sale, lines, payments and prepaid untouched and still the client's
        sale = s.scalars(select(Sale)).one()
        assert sale.client_id == cid and sale.total_minor == 38000
        assert s.scalar(select(func.sum(SaleLine.line_total_minor))) == 38000
        assert s.scalar(select(func.sum(Payment.amount_minor))) == 38000
        assert s.scalars(select(PrepaidAccount)).one().balance_minor == 50000
        logged = s.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert logged.detail.startswith("Client asked") and "王芳" not in json.dumps(
            logged.after, ensure_ascii=False
        )
    # nothing personal left in an export of the erased client
    paths = services.privacy.export_client(owner, cid, tmp_path)
    dumped = paths[0].read_text(encoding="utf-8")
    for secret in ("王芳", "13812345678", "wf@example.cn", "PPD", "pregnancy", "husband", "itches"):
        assert secret not in dumped, secret
    with pytest.raises(ServiceError, match="already erased"):
        services.privacy.erase_client(owner, cid, "again")


def test_privacy_requests_are_owner_only(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    cid = seed_history(services, owner, clock)
    view = services.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin="2468")
    rita = services.auth.sign_in(view.id, "2468")
    out = tmp_path / "export"
    with pytest.raises(NotAllowed):
        services.privacy.export_client(rita, cid, out)
    with pytest.raises(NotAllowed):
        services.privacy.erase_client(rita, cid, "because")
    assert not out.exists()
    with services.db.uow(write=False) as uow:
        assert uow.session.get(Client, cid).name == "王芳"  # type: ignore[union-attr]
        denied = uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.allowed.is_(False))).all()
    assert denied == ["receptionist tried export", "receptionist tried erase"]
