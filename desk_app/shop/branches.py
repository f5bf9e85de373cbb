"""The shop's branches, run by the owner: list, add, edit, close and reopen (Settings > Branches).

A branch has a code (what a desk's ``desk.json`` and ``--branch`` name), a name, an address, a
phone and a line for the top of its receipts; the receipt and the Z report print the branch's
details, falling back to the shop's (``branch_header``). Closing a branch keeps its history (every
record still carries it; reports can still be made for it) but no desk signs in there and nobody
new is given it; the last open branch cannot be closed, nor one whose cash drawer is open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.core.forms import Form, diff
from desk_app.core.service import NotFound, ValidationError, audit, require, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Branch, CashSession, Resource, Staff
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role
from desk_app.i18n import _
from desk_app.trust.branches import works_at

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")


@dataclass(frozen=True)
class BranchView:
    id: int
    code: str
    name: str
    address: str
    phone: str
    receipt_header: str
    active: bool
    closed_at: datetime | None
    staff: int  # active staff who work there


@dataclass(frozen=True)
class BranchHeader:
    """What a receipt or Z report prints at its top: the branch's details, else the shop's."""

    name: str
    address: str
    phone: str
    header: str


def branch_header(session: Session, branch_id: int | None) -> BranchHeader:
    shop = shop_row(session)
    b = session.get(Branch, branch_id) if branch_id is not None else None
    if b is None:
        return BranchHeader(shop.name, shop.address, shop.phone, "")
    # one branch named like the shop prints the shop's name once; another prints both
    name = shop.name if b.name == shop.name else f"{shop.name} · {b.name}"
    return BranchHeader(name, b.address or shop.address, b.phone or shop.phone, b.receipt_header)


def _branch(s: Session, branch_id: int) -> Branch:
    b = s.get(Branch, branch_id)
    if b is None:
        raise NotFound(_("That branch no longer exists."))
    return b


def _view(s: Session, b: Branch) -> BranchView:
    n = s.scalar(select(func.count()).select_from(Staff).where(works_at(b.id), Staff.active.is_(True))) or 0
    return BranchView(b.id, b.code, b.name, b.address, b.phone, b.receipt_header, b.active, b.closed_at, int(n))


class BranchService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.clock = self.db.clock

    def _owner(self, actor: Actor) -> None:
        known = require(self.db.uow, actor, Perm.SETTINGS)
        if known.role != Role.OWNER:
            raise NotAllowed(Perm.SETTINGS, actor)

    def list(self, open_only: bool = False) -> list[BranchView]:
        """Every branch (open ones first, each in the order they were added), or only the open ones."""
        with self.db.uow(write=False) as uow:
            q = select(Branch)
            if open_only:
                q = q.where(Branch.active.is_(True))
            rows = uow.session.scalars(q.order_by(Branch.active.desc(), Branch.id)).all()
            return [_view(uow.session, b) for b in rows]

    def get(self, branch_id: int) -> BranchView:
        with self.db.uow(write=False) as uow:
            return _view(uow.session, _branch(uow.session, branch_id))

    def _form(self, s: Session, data: Mapping[str, Any], branch_id: int | None) -> dict[str, Any]:
        f = Form(data)
        f.text("name", 200, required=_("Enter the branch's name as it should appear on receipts."))
        f.text("address", 1000)
        f.text("phone", 40)
        f.text("receipt_header", 200)
        code = str(data.get("code") or "").strip().upper()
        if not CODE_RE.match(code):
            f.errors["code"] = _("A branch code is 1 to 20 letters or digits (A-Z, 0-9, - or _), e.g. EAST.")
        else:
            other = s.scalar(select(Branch.id).where(func.upper(Branch.code) == code, Branch.id != (branch_id or 0)))
            if other is not None:
                f.errors["code"] = _("Another branch already has the code {code}.").format(code=code)
            f.out["code"] = code
        return f.done()

    def add(self, actor: Actor, data: Mapping[str, Any]) -> BranchView:
        """A new open branch, with the first branch's chairs and rooms; its staff are given it in
        Settings > Staff."""
        self._owner(actor)
        with self.db.uow() as uow:
            s = uow.session
            values = self._form(s, data, None)
            b = Branch(shop_id=shop_row(s).id, active=True, **values)
            s.add(b)
            s.flush()
            # it starts with the chairs and rooms of the first branch (changed at a desk there)
            first = s.scalar(select(Branch.id).where(Branch.id != b.id).order_by(Branch.id).limit(1))
            for name, kind in s.execute(
                select(Resource.name, Resource.kind).where(Resource.branch_id == first, Resource.active.is_(True))
                .order_by(Resource.id)
            ):
                s.add(Resource(branch_id=b.id, name=name, kind=kind))
            audit(s, actor, "create", "branch", b.id, after=values, at=self.clock())
            view = _view(s, b)
            uow.commit()
            return view

    def edit(self, actor: Actor, branch_id: int, data: Mapping[str, Any]) -> BranchView:
        self._owner(actor)
        with self.db.uow() as uow:
            s = uow.session
            b = _branch(s, branch_id)
            values = self._form(s, data, branch_id)
            before, after = diff(b, values)
            if before:
                for k, v in values.items():
                    setattr(b, k, v)
                audit(s, actor, "update", "branch", b.id, before=before, after=after, at=self.clock())
            s.flush()
            view = _view(s, b)
            uow.commit()
            return view

    def close(self, actor: Actor, branch_id: int) -> BranchView:
        """Close a branch: its history stays; desks there move to the first open branch."""
        self._owner(actor)
        with self.db.uow() as uow:
            s = uow.session
            b = _branch(s, branch_id)
            if not b.active:
                return _view(s, b)
            others = s.scalar(select(func.count()).select_from(Branch).where(Branch.active.is_(True), Branch.id != b.id))
            if not others:
                raise ValidationError({"branch": _("{name} is the last open branch; a shop keeps one open.").format(name=b.name)})
            drawer = s.scalar(
                select(CashSession.id).where(CashSession.branch_id == b.id, CashSession.closed_at.is_(None)).limit(1)
            )
            if drawer is not None:
                raise ValidationError(
                    {"branch": _("{name}'s cash drawer is still open; close it (Z report) first.").format(name=b.name)}
                )
            now = self.clock()
            b.active, b.closed_at = False, now
            audit(s, actor, "close", "branch", b.id, before={"active": True}, after={"active": False}, at=now)
            s.flush()
            view = _view(s, b)
            uow.commit()
            return view

    def reopen(self, actor: Actor, branch_id: int) -> BranchView:
        self._owner(actor)
        with self.db.uow() as uow:
            s = uow.session
            b = _branch(s, branch_id)
            if not b.active:
                b.active, b.closed_at = True, None
                audit(s, actor, "reopen", "branch", b.id, before={"active": False}, after={"active": True},
                      at=self.clock())
            s.flush()
            view = _view(s, b)
            uow.commit()
            return view
