"""Who runs a headless command (docs/privacy.md, "Who runs a command").

Every command that reads or changes the shop's data says who runs it, and acts (and is audited)
as that person:

- ``--staff N`` and that person's PIN, typed at the terminal (asked, not echoed) or given in
  ``DESK_APP_PIN``. A wrong PIN counts like one typed at a desk (the PIN pauses after five:
  ``AuthService.sign_in``). Without ``--staff`` in a shop with one active owner, that owner's PIN
  is asked.
- ``DESK_APP_OWNER_KEY``: the owner key an unattended script passes (desk_app/trust/owner_key.py),
  acting as the owner who made it. Never on the command line, where ``ps`` shows it.

The person's rights apply as at a desk (the same ``Perm`` checks the screens use). A refusal
prints one line (``desk-app: ...``), exits 1, and reads or writes nothing of the shop's data
(wrong PINs and keys, and refused rights, are audited like at a desk). Every audit row the
command writes carries ``"via": "cli"`` or ``"via": "owner_key"``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from desk_app.core.service import ServiceError, require
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role, perm_label
from desk_app.i18n import _

if TYPE_CHECKING:
    from desk_app.container import Services

PIN_ENV = "DESK_APP_PIN"
VIA_CLI = "cli"


class Refused(Exception):
    """The command cannot run as anyone: the message says why and what to do (translated)."""


def err(message: str) -> int:
    print(f"desk-app: {message}", file=sys.stderr)
    return 1


def no_identity() -> str:
    return _(
        "say who you are: --staff N and your PIN (asked, or DESK_APP_PIN), or DESK_APP_OWNER_KEY for scripts"
    )


YES = ("y", "yes", "是")


def confirmed(args: argparse.Namespace, not_asked: str, question: str, *, refused_code: int = 1) -> int | None:
    """Ask before a change that cannot be taken back: None when ``--yes`` was given or the person
    answered yes; otherwise the exit code, after saying why nothing was done. Without a terminal
    to ask in, ``not_asked`` is printed and ``refused_code`` returned."""
    if getattr(args, "yes", False):
        return None
    if sys.stdin is None or not sys.stdin.isatty():
        err(not_asked)
        return refused_code
    if input(question).strip().lower() not in YES:
        print(_("Nothing was changed."))
        return 1
    return None


def identify(
    services: Services, args: argparse.Namespace, *perms: Perm, owner_only: bool = False, key_ok: bool = True
) -> Actor:
    """The person running the command, proved by their PIN or the owner key, with every right in
    ``perms``; ``Refused`` otherwise. ``owner_only``: only an owner (``--staff`` picks one of
    several); ``key_ok=False``: the owner key does not do this (a PIN is needed)."""
    from desk_app.trust.owner_key import KEY_ENV, OwnerKeyRefused

    staff = getattr(args, "staff", None)
    key = os.environ.get(KEY_ENV)
    if staff is None and key and key_ok:
        try:
            actor = services.owner_key.actor_for_key(key)
        except OwnerKeyRefused as exc:
            raise Refused(exc.message) from exc
    else:
        staff_id, name = _who(services, staff, owner_only=owner_only, key_ok=key_ok)
        pin = os.environ.get(PIN_ENV)
        if pin is None:
            if sys.stdin is None or not sys.stdin.isatty():
                raise Refused(
                    no_identity() if key_ok
                    else _("Give the owner's PIN: run it in a terminal to be asked, or set DESK_APP_PIN.")
                )
            pin = getpass.getpass(_("PIN of {name}: ").format(name=name))
        try:
            actor = replace(services.auth.sign_in(staff_id, pin), via=VIA_CLI)
        except ServiceError as exc:
            raise Refused(exc.message) from exc
    for perm in perms:
        try:
            require(services.db.uow, actor, perm)  # a refusal is audited, like at a desk
        except NotAllowed:
            raise Refused(
                _("{name} may not do this ({right}): ask the owner to run it, or to give that right in Settings › Staff.")
                .format(name=actor.name, right=perm_label(perm))
            ) from None
    return actor


def _who(services: Services, staff: int | None, *, owner_only: bool, key_ok: bool) -> tuple[int, str]:
    """(staff id, name) whose PIN is asked: ``--staff``, else the shop's only active owner."""
    from sqlalchemy import select

    from desk_app.db.models import Staff

    with services.db.uow(write=False) as uow:
        q = select(Staff.id, Staff.name, Staff.role).where(Staff.active.is_(True)).order_by(Staff.id)
        if staff is not None:
            q = q.where(Staff.id == staff)
        else:
            q = q.where(Staff.role == Role.OWNER.value)
        rows = [(int(r[0]), str(r[1]), str(r[2])) for r in uow.session.execute(q)]
    if staff is not None:
        if not rows or (owner_only and rows[0][2] != Role.OWNER.value):
            raise Refused(
                _("No active owner with that staff number: only an owner may do this (--staff).") if owner_only
                else _("No active staff member has the number {n} (--staff).").format(n=staff)
            )
        return rows[0][0], rows[0][1]
    if len(rows) == 1:
        return rows[0][0], rows[0][1]
    if not rows:
        raise Refused(no_identity() if key_ok else _("This shop has no active owner."))
    listed = ", ".join(f"{oid} {name}" for oid, name, _role in rows)
    raise Refused(
        _("This shop has several owners; say which one you are with --staff ({owners}).").format(owners=listed)
    )


def owner_actor(services: Services, args: argparse.Namespace) -> Actor:
    """The owner, proved by their PIN (``--staff`` picks one of several owners); ``Refused``
    otherwise. The owner key does not do what this guards (restore, privacy, the recovery key)."""
    return identify(services, args, owner_only=True, key_ok=False)
