"""Who may do what (docs/product.md §7): enforced in the services, refusals logged, per-staff overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import require
from desk_app.db.models import AuditEntry, Service
from desk_app.domain.permissions import ROLE_PERMS, Actor, NotAllowed, Perm, Role, mask_phone
from tests.conftest import OWNER_PIN

PHONE = "+8613812345678"


def staff(services: Services, owner: Actor, name: str, role: str, pin: str, **overrides: bool) -> Actor:
    view = services.auth.save_staff(
        owner, staff_id=None, name=name, role=role, pin=pin, permissions=dict(overrides) or None
    )
    return services.auth.sign_in(view.id, pin)


def denied_rows(services: Services) -> list[tuple[int | None, str]]:
    with services.db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(AuditEntry.staff_id, AuditEntry.detail)
            .where(AuditEntry.action == "denied")
            .order_by(AuditEntry.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_role_table_owner_only_actions() -> None:
    owner_only = {
        Perm.SETTINGS,
        Perm.REFUND,
        Perm.VOID,
        Perm.DISCOUNT_ABOVE_LIMIT,
        Perm.EXPORT,
        Perm.ERASE,
        Perm.AUDIT_VIEW,
        Perm.BACKUP,
        Perm.IMPORT,
        Perm.PURCHASE,
        Perm.STAFF_MANAGE,
        Perm.REPORTS,
    }
    for perm in owner_only:
        assert perm in ROLE_PERMS[Role.OWNER]
        assert perm not in ROLE_PERMS[Role.RECEPTIONIST] and perm not in ROLE_PERMS[Role.STYLIST], perm
    assert Perm.SEE_PHONE not in ROLE_PERMS[Role.STYLIST] and Perm.SEE_PHONE in ROLE_PERMS[Role.RECEPTIONIST]
    assert mask_phone("13812345678") == "138****5678" and mask_phone(PHONE) == "138****5678"


def test_generic_require_raises_and_logs_in_its_own_transaction(services: Services, owner: Actor) -> None:
    leo = staff(services, owner, "Leo", "stylist", "5678")
    with pytest.raises(NotAllowed) as err:
        require(services.db.uow, leo, Perm.REFUND)
    assert err.value.perm is Perm.REFUND and "not allowed" in str(err.value)
    require(services.db.uow, owner, Perm.REFUND)  # no error, nothing logged
    assert denied_rows(services) == [(leo.staff_id, "stylist tried refund")]


def test_stylist_cannot_export_erase_back_up_import_or_read_the_audit_log(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    leo = staff(services, owner, "Leo", "stylist", "5678")
    cid = services.clients.create(owner, {"name": "张三", "phone": PHONE}).id
    attempts = [
        lambda: services.audit.export_csv(leo, tmp_path / "a.csv"),
        lambda: services.audit.list_entries(leo),
        lambda: services.privacy.export_client(leo, cid, tmp_path / "x"),
        lambda: services.privacy.erase_client(leo, cid, "asked"),
        lambda: services.backup.backup(actor=leo),
        lambda: services.backup.restore(leo, tmp_path / "b.sqlite3"),
        lambda: services.importer.run(leo, tmp_path / "c.csv"),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert [d for _s, d in denied_rows(services)] == [
        "stylist tried audit_view",
        "stylist tried audit_view",
        "stylist tried export",
        "stylist tried erase",
        "stylist tried backup",
        "stylist tried backup",
        "stylist tried import",
    ]
    assert list(tmp_path.iterdir()) == [] or all(
        p.name.startswith("shop.sqlite3") for p in tmp_path.iterdir()
    )


def test_stylist_sees_a_masked_phone_unless_the_owner_allows(services: Services, owner: Actor) -> None:
    cid = services.clients.create(owner, {"name": "张三", "phone": PHONE}).id
    leo = staff(services, owner, "Leo", "stylist", "5678")
    mia = staff(services, owner, "Mia", "stylist", "5679", see_phone=True)
    rita = staff(services, owner, "Rita", "receptionist", "2468", see_phone=False)
    assert "5678" in services.clients.get(leo, cid).phone and "****" in services.clients.get(leo, cid).phone
    assert "****" in services.clients.get(rita, cid).phone  # override takes the right away
    assert "****" not in services.clients.get(mia, cid).phone  # override grants it
    assert "****" not in services.clients.get(owner, cid).phone
    hits = services.client_search.search(leo, "张三")
    assert hits and all("****" in h.phone for h in hits)


def test_stylist_cannot_refund_and_receptionist_needs_the_owner(services: Services, owner: Actor) -> None:
    from desk_app.checkout.service import ApprovalNeeded, PaymentIn

    cid = services.clients.create(owner, {"name": "张三", "phone": PHONE}).id
    with services.db.uow(write=False) as uow:
        svc_id = uow.session.scalars(select(Service.id).order_by(Service.id)).first()
    assert svc_id is not None
    co = services.checkout
    bill = co.add_service(co.build_bill(owner, client_id=cid), svc_id)
    sale = services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    leo = staff(services, owner, "Leo", "stylist", "5678")
    rita = staff(services, owner, "Rita", "receptionist", "2468")
    with pytest.raises(NotAllowed):
        services.payments.refund(leo, sale.sale_id, None, "client unhappy")
    with pytest.raises(NotAllowed):
        services.payments.void(leo, sale.sale_id, "wrong bill")
    with pytest.raises(ApprovalNeeded):
        services.payments.refund(rita, sale.sale_id, None, "client unhappy")
    assert ("stylist tried checkout") in [d for _s, d in denied_rows(services)]
    refunded = services.payments.refund(rita, sale.sale_id, None, "client unhappy", approval_pin=OWNER_PIN)
    assert refunded.sale_id != sale.sale_id


def test_per_staff_override_grants_export_to_a_trusted_stylist(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    ann = staff(services, owner, "Ann", "stylist", "1357", export=True, audit_view=True)
    assert ann.can(Perm.EXPORT) and not ann.can(Perm.REFUND)
    n = services.audit.export_csv(ann, tmp_path / "audit.csv")
    assert n > 0 and (tmp_path / "audit.csv").exists()
    # the owner takes it away again: the next sign-in carries the new rights
    services.auth.save_staff(owner, staff_id=ann.staff_id, name="Ann", role="stylist", permissions={})
    ann2 = services.auth.sign_in(ann.staff_id, "1357")
    with pytest.raises(NotAllowed):
        services.audit.export_csv(ann2, tmp_path / "again.csv")
