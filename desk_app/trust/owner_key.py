"""The owner key: how an unattended script (a nightly backup, a cron export) says it acts for the
owner without a PIN typed at a terminal (docs/privacy.md, "Who runs a command").

The owner makes one (``desk-app owner-key new``, their PIN asked): it is shown once and only its
argon2 hash is kept (``owner_keys``), like a PIN. A script passes it in ``DESK_APP_OWNER_KEY``, never
on the command line (where anyone on the computer sees it in ``ps``). At most one key is in use: a
new one replaces the old, and the owner revokes it here or in Settings › Safety. A command run
with the key acts as the owner who made it (while they are still an active owner) and every audit
row it writes says ``"via": "owner_key"``. A wrong or revoked key is refused and audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.core.service import ServiceError, audit, verified_actor
from desk_app.db.engine import Clock, Database
from desk_app.db.models import OwnerKey, Staff
from desk_app.domain.permissions import Actor, Role
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.trust.pins import hash_with, verify_pin

KEY_ENV = "DESK_APP_OWNER_KEY"
PREFIX = "dko_"
HINT_CHARS = 8  # "dko_" and four characters: enough to tell two keys apart, nothing to guess with
VIA_KEY = "owner_key"


class OwnerKeyRefused(ServiceError):
    """The key given is not the shop's owner key in use (wrong, revoked, or its owner left)."""


@dataclass(frozen=True)
class OwnerKeyStatus:
    """The owner key in use: when it was made and by whom (never the key)."""

    id: int
    hint: str
    created_at: datetime
    owner_id: int
    owner_name: str


class OwnerKeyService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def _owner(self, actor: Actor) -> Actor:
        """``actor`` as the database knows them, when they are an active owner; refused otherwise."""
        with self.db.uow(write=False) as uow:
            known = verified_actor(uow.session, actor)
        if known is None or known.role != Role.OWNER:
            with self.db.uow() as uow:
                exists = uow.session.get(Staff, actor.staff_id) is not None
                audit(uow.session, actor if exists else None, "denied", "owner_key", "", allowed=False)
                uow.commit()
            raise ServiceError(_("Only the owner makes or revokes the owner key."))
        return known

    def status(self) -> OwnerKeyStatus | None:
        """The key in use, or None."""
        with self.db.uow(write=False) as uow:
            row = uow.session.execute(
                select(OwnerKey, Staff.name)
                .join(Staff, Staff.id == OwnerKey.staff_id)
                .where(OwnerKey.revoked_at.is_(None))
                .order_by(OwnerKey.id.desc())
            ).first()
            if row is None:
                return None
            key, name = row
            return OwnerKeyStatus(key.id, key.hint, key.created_at, key.staff_id, str(name))

    def create(self, actor: Actor) -> str:
        """A new owner key for ``actor`` (an owner), replacing the one in use. Returns the key: it
        is shown once; only its hash is kept."""
        owner = self._owner(actor)
        key = PREFIX + secrets.token_urlsafe(32)
        digest = hash_with(key)
        now = self.clock()
        with self.db.uow() as uow:
            replaced = [k.id for k in self._in_use(uow.session)]
            for k in self._in_use(uow.session):
                k.revoked_at, k.revoked_by_id = now, owner.staff_id
            row = OwnerKey(staff_id=owner.staff_id, key_hash=digest, hint=key[:HINT_CHARS], created_at=now)
            uow.session.add(row)
            uow.session.flush()
            audit(uow.session, actor, "create", "owner_key", row.id, after={"hint": row.hint, "replaced": replaced},
                  at=now)
            uow.commit()
        return key

    def revoke(self, actor: Actor) -> bool:
        """Stop the key in use from working; False when there was none."""
        owner = self._owner(actor)
        now = self.clock()
        with self.db.uow() as uow:
            keys = self._in_use(uow.session)
            for k in keys:
                k.revoked_at, k.revoked_by_id = now, owner.staff_id
                audit(uow.session, actor, "revoke", "owner_key", k.id, after={"hint": k.hint}, at=now)
            uow.commit()
        return bool(keys)

    def actor_for_key(self, key: str) -> Actor:
        """The owner the key acts for (``via="owner_key"``); ``OwnerKeyRefused`` for a key that is
        not the one in use (audited, nothing else written)."""
        from desk_app.trust.auth import actor_for

        key = (key or "").strip()
        with self.db.uow(write=False) as uow:  # a good key writes nothing (a busy database is no matter)
            match = next(
                (k for k in uow.session.scalars(select(OwnerKey).order_by(OwnerKey.id.desc()))
                 if key.startswith(PREFIX) and k.hint == key[:HINT_CHARS] and verify_pin(k.key_hash, key)),
                None,
            )
            owner = uow.session.get(Staff, match.staff_id) if match is not None else None
            key_id = match.id if match is not None else None
            revoked = match is not None and match.revoked_at is not None
            actor = actor_for(owner) if owner is not None else None
            owner_ok = owner is not None and owner.active and owner.role == Role.OWNER.value
        if key_id is None or revoked:
            self._refused(key_id, "revoked" if revoked else "unknown")
            if revoked:
                raise OwnerKeyRefused(_("That owner key was revoked. Ask the owner for the new one "
                                        "(desk-app owner-key new)."))
            raise OwnerKeyRefused(_("That is not this shop's owner key (DESK_APP_OWNER_KEY). Check it, "
                                    "or ask the owner for a new one (desk-app owner-key new)."))
        if actor is None or not owner_ok:
            self._refused(key_id, "owner_left")
            raise OwnerKeyRefused(_("The owner who made that owner key is no longer an owner here; "
                                    "an owner makes a new one (desk-app owner-key new)."))
        return replace(actor, via=VIA_KEY)

    def _refused(self, key_id: int | None, reason: str) -> None:
        with self.db.uow() as uow:
            audit(uow.session, None, "owner_key_refused", "owner_key", key_id if key_id is not None else "",
                  after={"reason": reason}, allowed=False, at=self.clock())
            uow.commit()

    @staticmethod
    def _in_use(session: Session) -> list[OwnerKey]:
        return list(session.scalars(select(OwnerKey).where(OwnerKey.revoked_at.is_(None)).with_for_update()))
