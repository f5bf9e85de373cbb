"""Services never trust the Actor a caller builds (#14 item 8): the rights come from the staff row.

A script or a screen bug that hands a service ``Actor(role=OWNER)`` for a stylist, an actor with
``overrides={"erase": True}``, a deactivated person or an id nobody has gets what the database says
and no more; each refusal is in the audit log. A right the owner gives or takes away in Settings
applies at once.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.db.models import AuditEntry, Client
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role

PHONE = "+8613812345678"


def _staff(services: Services, owner: Actor, name: str, role: str, pin: str, **perms: bool) -> Actor:
    view = services.auth.save_staff(
        owner, staff_id=None, name=name, role=role, pin=pin, permissions=dict(perms) or None
    )
    return services.auth.sign_in(view.id, pin)


def _denied(services: Services) -> list[tuple[int | None, str]]:
    with services.db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(AuditEntry.staff_id, AuditEntry.detail)
            .where(AuditEntry.action == "denied")
            .order_by(AuditEntry.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def _client_name(services: Services, cid: int) -> str:
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        return c.name


def test_hand_made_overrides_and_roles_are_refused(services: Services, owner: Actor, tmp_path: Path) -> None:
    leo = _staff(services, owner, "Leo", "stylist", "5678")
    cid = services.clients.create(owner, {"name": "张三", "phone": PHONE}).id
    forged = [
        replace(leo, overrides={"erase": True, "export": True}),  # rights the owner never gave
        replace(leo, role=Role.OWNER),  # a stylist claiming to be the owner
        Actor(staff_id=9999, name="Nobody", role=Role.OWNER, branch_id=owner.branch_id),  # nobody
    ]
    for actor in forged:
        with pytest.raises(NotAllowed):
            services.privacy.erase_client(actor, cid, "asked")
        with pytest.raises(NotAllowed):
            services.privacy.export_client(actor, cid, tmp_path / "out")
    assert _client_name(services, cid) == "张三"  # nothing erased
    assert not (tmp_path / "out").exists()  # nothing exported
    denied = _denied(services)
    assert len(denied) == 6
    # the unknown id is logged without a staff row (it would break the foreign key) but named
    assert denied[-1][0] is None and "staff 9999" in denied[-1][1]
    assert all(d[0] == leo.staff_id for d in denied[:4])
    assert "does not match" in denied[2][1]  # the claimed role is not the stored one


def test_a_deactivated_owner_can_no_longer_act(services: Services, owner: Actor) -> None:
    second = _staff(services, owner, "Mei", "owner", "246810")
    services.auth.save_staff(
        owner, staff_id=second.staff_id, name="Mei", role="owner", pin=None, active=False
    )
    with pytest.raises(NotAllowed):
        services.audit.list_entries(second)
    assert services.audit.list_entries(owner)  # the active owner still can


def test_phone_numbers_follow_the_stored_right_not_the_actor(services: Services, owner: Actor) -> None:
    leo = _staff(services, owner, "Leo", "stylist", "5678")
    services.clients.create(owner, {"name": "张三", "phone": PHONE})
    # a stylist who wrote himself a right sees the masked number
    forged = replace(leo, overrides={Perm.SEE_PHONE.value: True})
    assert [h.phone for h in services.client_search.search(forged, "张三")] == ["138****5678"]
    # the owner gives the right in Settings: it applies to the signed-in stylist at once
    services.auth.save_staff(
        owner, staff_id=leo.staff_id, name="Leo", role="stylist", pin=None,
        permissions={Perm.SEE_PHONE.value: True},
    )
    assert services.client_search.search(leo, "张三")[0].phone == "138 1234 5678"
    # and taking it away applies at once too, although ``leo`` still carries no override
    services.auth.save_staff(
        owner, staff_id=leo.staff_id, name="Leo", role="stylist", pin=None, permissions={}
    )
    assert [h.phone for h in services.client_search.search(leo, "张三")] == ["138****5678"]
