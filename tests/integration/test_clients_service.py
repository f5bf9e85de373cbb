"""ClientService: create with validation, duplicates, consents, profile, audit, optimistic edits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ConflictError, ValidationError
from desk_app.db.models import AuditEntry, Client, ConsentRecord
from desk_app.domain.permissions import Actor, Role


def _new(services: Services, owner: Actor, **kw: object) -> int:
    data = {"name": "张三", "phone": "13812345678", **kw}
    return services.clients.create(owner, data).id


def test_create_with_name_and_phone_only(services: Services, owner: Actor) -> None:
    p = services.clients.create(owner, {"name": " 张三 ", "phone": "138 1234 5678", "privacy_consent": True})
    assert p.client_number == "C000001"
    assert p.name == "张三"
    assert p.phone == "+8613812345678"
    assert p.registered_by_name == "Mia Chen"
    assert p.privacy_consent and p.privacy_consent_at == services.clock()
    assert not p.marketing_consent
    second = services.clients.create(owner, {"name": "Tom Lee", "phone": "+852 9123 4567"})
    assert second.client_number == "C000002"
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, p.id)
        assert c is not None
        assert c.name_pinyin == "zhangsan" and c.name_initials == "zs"
        assert "5678" in c.search_text.split()
        rows = list(uow.session.scalars(select(ConsentRecord).where(ConsentRecord.client_id == p.id)))
        got = {(r.kind, r.granted, r.staff_id) for r in rows}
    assert got == {
        ("privacy", True, owner.staff_id),
        ("marketing", False, owner.staff_id),
        ("sms", False, owner.staff_id),  # issue 19: texts and email are asked at registration too
        ("email", False, owner.staff_id),
    }


def test_create_validation_has_a_message_per_field(services: Services, owner: Actor) -> None:
    with pytest.raises(ValidationError) as ei:
        services.clients.create(
            owner, {"name": "", "phone": "12345", "email": "nope", "birthday": "2030-01-01", "gender": "x"}
        )
    errors = ei.value.errors
    assert set(errors) == {"name", "phone", "email", "birthday", "gender"}
    assert "name" in errors["name"]
    assert "not valid for China." in errors["phone"]  # the country in words, not "CN"
    assert "future" in errors["birthday"]
    with pytest.raises(ValidationError) as ei2:
        services.clients.create(owner, {"name": "A"})
    assert set(ei2.value.errors) == {"phone"}


def test_duplicates_by_phone_or_name_and_birthday(services: Services, owner: Actor) -> None:
    a = _new(services, owner, birthday=date(1990, 5, 31))
    b = services.clients.create(
        owner, {"name": "Amy Wu", "phone": "13900001111", "birthday": "1985-02-03"}
    ).id
    dups = services.client_search.find_duplicates("Someone", "+86 138-1234-5678", None)
    assert [(d.id, d.reason) for d in dups] == [(a, "phone")]
    assert dups[0].phone == "138****5678"
    dups = services.client_search.find_duplicates("amy wu", "13700000000", "1985-02-03")
    assert [(d.id, d.reason) for d in dups] == [(b, "name_birthday")]
    assert services.client_search.find_duplicates("Amy Wu", "13700000000", "1985-02-04") == []
    assert services.client_search.find_duplicates("Amy Wu", "13900001111", None, exclude_id=b) == []


def test_get_writes_an_audit_view_row_and_masks_for_stylists(services: Services, owner: Actor) -> None:
    cid = _new(services, owner, allergies="PPD hair dye", preferences=["likes quiet", "green tea"])
    p = services.clients.get(owner, cid)
    assert p.has_allergy and p.preferences == ("likes quiet", "green tea")
    assert p.phone_display == "138 1234 5678"
    stylist_view = services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    stylist = Actor(staff_id=stylist_view.id, name="Leo", role=Role.STYLIST, branch_id=owner.branch_id)
    sp = services.clients.get(stylist, cid)
    assert sp.phone == "138****5678" and not sp.can_see_phone
    with services.db.uow(write=False) as uow:
        views = [
            v.staff_id
            for v in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.entity_id == str(cid))
            )
        ]
    assert views == [owner.staff_id, stylist.staff_id]
    hits = services.client_search.search(stylist, "zhangsan")
    assert hits[0].phone == "138****5678" and hits[0].has_allergy


def test_update_validates_each_field_and_audits(services: Services, owner: Actor) -> None:
    cid = _new(services, owner)
    p = services.clients.get(owner, cid)
    with pytest.raises(ValidationError) as ei:
        services.clients.update(
            owner, cid, p.version, {"phone": "1", "email": "a@", "preferred_channel": "fax"}
        )
    assert set(ei.value.errors) == {"phone", "email", "preferred_channel"}
    p2 = services.clients.update(owner, cid, p.version, {"name": "李四", "marketing_consent": True})
    assert p2.version == p.version + 1
    assert p2.marketing_consent and p2.marketing_consent_at is not None
    assert [c.kind for c in p2.consents if c.note == "changed on the profile"] == ["marketing"]
    # search fields rebuilt from the new name
    assert [h.id for h in services.client_search.search(owner, "lis")] == [cid]
    assert services.client_search.search(owner, "zhangsan") == []
    with services.db.uow(write=False) as uow:
        row = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity == "client")
        ).one()
        assert row.before == {"name": "张三", "marketing_consent": False}
        assert row.after == {"name": "李四", "marketing_consent": True}


def test_second_desk_save_is_refused_with_latest_values(services: Services, owner: Actor) -> None:
    cid = _new(services, owner)
    desk_a = services.clients.get(owner, cid)
    desk_b = services.clients.get(owner, cid)
    services.clients.update(owner, cid, desk_a.version, {"notes": "prefers mornings"})
    with pytest.raises(ConflictError) as ei:
        services.clients.update(owner, cid, desk_b.version, {"notes": "likes tea"})
    latest = ei.value.latest  # type: ignore[attr-defined]
    assert latest.notes == "prefers mornings"
    assert "Someone else changed" in ei.value.message
    assert services.clients.get(owner, cid).notes == "prefers mornings"
