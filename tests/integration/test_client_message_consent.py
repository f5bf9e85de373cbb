"""Consent to texts and email, per client (issue 19): given at registration or changed on the
profile, each change stamped and recorded (ConsentRecord "sms"/"email", who and when), in the
privacy export and the clients export; erasure withdraws it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, Client, ConsentRecord
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock


def _records(services: Services, cid: int) -> list[tuple[str, bool, str, int | None]]:
    with services.db.uow(write=False) as uow:
        return [
            (r.kind, r.granted, r.note, r.staff_id)
            for r in uow.session.scalars(
                select(ConsentRecord).where(ConsentRecord.client_id == cid).order_by(ConsentRecord.id)
            )
        ]


def test_given_at_registration_and_changed_on_the_profile(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    registered = clock()
    p = services.clients.create(
        owner, {"name": "王芳", "phone": "13812345678", "email": "wangfang@example.com", "privacy_consent": True,
                "sms_consent": True}
    )
    assert p.sms_consent and p.sms_consent_at == registered
    assert not p.email_consent and p.email_consent_at == registered  # "no" is recorded with its date too
    assert _records(services, p.id) == [
        ("privacy", True, "at registration", owner.staff_id),
        ("marketing", False, "at registration", owner.staff_id),
        ("sms", True, "at registration", owner.staff_id),
        ("email", False, "at registration", owner.staff_id),
    ]
    clock.advance(days=3)
    p2 = services.clients.update(owner, p.id, p.version, {"email_consent": True, "sms_consent": False})
    assert p2.email_consent and p2.email_consent_at == clock()
    assert not p2.sms_consent and p2.sms_consent_at == clock()
    assert p2.preferred_channel == p.preferred_channel  # the preferred channel stays as it was
    changed = [(c.kind, c.granted, c.at) for c in p2.consents if c.note == "changed on the profile"]
    assert sorted(changed) == [("email", True, clock()), ("sms", False, clock())]
    # an unchanged value is not stamped again
    clock.advance(hours=1)
    p3 = services.clients.update(owner, p.id, p2.version, {"email_consent": True, "notes": "likes tea"})
    assert p3.email_consent_at == p2.email_consent_at
    assert len(_records(services, p.id)) == 6
    with services.db.uow(write=False) as uow:
        row = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity == "client")
            .order_by(AuditEntry.id)
        ).first()
        assert row is not None and row.before == {"email_consent": False, "sms_consent": True}
        assert row.after == {"email_consent": True, "sms_consent": False}


def test_in_the_privacy_export_and_the_clients_export(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    p = services.clients.create(
        owner,
        {"name": "Ann Lee", "phone": "13812345678", "email": "ann@example.com", "privacy_consent": True,
         "email_consent": True},
    )
    paths = services.privacy.export_client(owner, p.id, tmp_path)
    data = json.loads(next(x for x in paths if x.suffix == ".json").read_text(encoding="utf-8"))
    assert data["profile"]["email_consent"] is True and data["profile"]["sms_consent"] is False
    assert {(c["kind"], c["granted"]) for c in data["consents"]} >= {("email", True), ("sms", False)}
    from pypdf import PdfReader

    text = "".join(pg.extract_text() for pg in PdfReader(str(next(x for x in paths if x.suffix == ".pdf"))).pages)
    assert "May receive email" in text and "May receive text messages" in text

    out = tmp_path / "clients.csv"
    services.reports.export_csv(owner, "clients", out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["client_number"], r["sms_consent"], r["email_consent"]) for r in rows] == [
        (p.client_number, "0", "1")
    ]


def test_erasure_withdraws_both(services: Services, owner: Actor, clock: FakeClock) -> None:
    p = services.clients.create(
        owner, {"name": "Bea Wong", "phone": "13812345678", "email": "bea@example.com", "privacy_consent": True,
                "sms_consent": True, "email_consent": True},
    )
    clock.advance(days=1)
    services.privacy.erase_client(owner, p.id, "asked by phone")
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, p.id)
        assert c is not None and not c.sms_consent and not c.email_consent
        assert c.sms_consent_at == clock() and c.email_consent_at == clock()
    withdrawn = [(k, g) for k, g, note, _s in _records(services, p.id) if note.startswith("Withdrawn")]
    assert sorted(withdrawn) == [("email", False), ("marketing", False), ("privacy", False), ("sms", False)]
    from desk_app.trust.integrity import check_invariants

    assert check_invariants(services.db) == []
    # the integrity check would catch an erased client who still agrees to texts
    with services.db.uow() as uow:
        c = uow.session.get(Client, p.id)
        assert c is not None
        c.sms_consent = True
        uow.commit()
    assert any("still holds personal data" in line for line in check_invariants(services.db))


def test_the_privacy_export_lists_the_messages_sent(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    from desk_app.db.models import OutboxMessage

    p = services.clients.create(owner, {"name": "Ann Lee", "phone": "13812345678", "sms_consent": True})
    other = services.clients.create(owner, {"name": "Bea Wong", "phone": "13900001111"})
    now = clock()
    with services.db.uow() as uow:
        for key, cid, body in (("a", p.id, "Hi Ann, see you tomorrow at 3 pm"), ("b", other.id, "Hi Bea")):
            uow.session.add(OutboxMessage(
                client_id=cid, kind="reminder", channel="sms", language="en", dedupe_key=key, planned_at=now,
                due_at=now, state="sent", sent_at=now, to_address="+8613812345678", body=body))
        uow.commit()
    paths = services.privacy.export_client(owner, p.id, tmp_path)
    data = json.loads(next(x for x in paths if x.suffix == ".json").read_text(encoding="utf-8"))
    assert [(m["kind"], m["channel"], m["state"], m["body"]) for m in data["messages"]] == [
        ("reminder", "sms", "sent", "Hi Ann, see you tomorrow at 3 pm")
    ]
    from pypdf import PdfReader

    text = " ".join(" ".join(pg.extract_text().split()) for pg in
                    PdfReader(str(next(x for x in paths if x.suffix == ".pdf"))).pages)
    assert "Messages sent" in text and "Appointment reminder" in text and "see you tomorrow" in text
    assert "Hi Bea" not in text


def test_consent_to_a_channel_needs_its_address(services: Services, owner: Actor) -> None:
    """Walk (issue 19): "May receive email" could be ticked with no email address, and nothing said;
    the client then got nothing. It is refused under the address field, at registration and later."""
    with pytest.raises(ValidationError) as e:
        services.clients.create(owner, {"name": "Kim Lee", "phone": "13812345678", "email_consent": True})
    assert set(e.value.errors) == {"email"} and "email address" in e.value.errors["email"]
    p = services.clients.create(owner, {"name": "Kim Lee", "phone": "13812345678", "email": "kim@example.com",
                                        "email_consent": True, "sms_consent": True})
    with pytest.raises(ValidationError) as e:
        services.clients.update(owner, p.id, p.version, {"email": ""})  # consented: the address stays
    assert set(e.value.errors) == {"email"}
    p2 = services.clients.update(owner, p.id, p.version, {"email": "", "email_consent": False})
    assert not p2.email_consent and p2.email == "" and p2.sms_consent
