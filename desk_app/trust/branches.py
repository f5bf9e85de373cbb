"""Which staff work at which branch, and which branch a desk is at (session-level, no commits).

A staff member works at their home branch (``Staff.branch_id``) and at every branch listed for
them in ``staff_branches`` (the owner ticks them in Settings > Staff). A desk is at the branch its
``desk.json`` names (``DeskSettings.branch``, a branch code); when it names none, or a closed or
unknown one, at the shop's first open branch.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Staff, StaffBranch


def works_at(branch_id: int) -> ColumnElement[bool]:
    """A condition on ``Staff``: works at ``branch_id`` (home branch or a listed one)."""
    listed = select(StaffBranch.staff_id).where(StaffBranch.branch_id == branch_id)
    return or_(Staff.branch_id == branch_id, Staff.id.in_(listed))


def branch_ids_of(session: Session, staff: Staff) -> set[int]:
    """The branches ``staff`` works at (always including the home branch)."""
    listed = session.scalars(select(StaffBranch.branch_id).where(StaffBranch.staff_id == staff.id))
    return {staff.branch_id, *listed}


def set_branches(session: Session, staff: Staff, branch_ids: set[int]) -> None:
    """Make ``staff_branches`` list exactly ``branch_ids`` for ``staff`` (the caller checked them)."""
    have = set(session.scalars(select(StaffBranch.branch_id).where(StaffBranch.staff_id == staff.id)))
    for bid in have - branch_ids:
        row = session.get(StaffBranch, (staff.id, bid))
        if row is not None:
            session.delete(row)
    for bid in sorted(branch_ids - have):
        session.add(StaffBranch(staff_id=staff.id, branch_id=bid))


def desk_branch(session: Session, code: str | None) -> Branch:
    """The branch a desk configured with ``code`` is at: that open branch, else the first open one
    (else the first branch at all: a shop always keeps one open, see BranchService.close)."""
    if code:
        found = session.scalars(select(Branch).where(Branch.code == code, Branch.active.is_(True))).first()
        if found is not None:
            return found
    first = session.scalars(select(Branch).where(Branch.active.is_(True)).order_by(Branch.id).limit(1)).first()
    if first is None:
        first = session.scalars(select(Branch).order_by(Branch.id).limit(1)).one()
    return first
