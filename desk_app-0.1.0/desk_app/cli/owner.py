"""Headless commands that act as the shop's owner: the owner proves it with their PIN, typed at
the terminal or given in ``DESK_APP_PIN`` for a script. A wrong PIN counts like one typed at a
desk (the PIN pauses after five). ``--staff`` picks the owner when the shop has more than one."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from desk_app.core.service import ServiceError
from desk_app.i18n import _


class Refused(Exception):
    """The command cannot act as an owner; the message says why (translated)."""


def err(message: str) -> int:
    print(f"desk-app: {message}", file=sys.stderr)
    return 1


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


def owner_actor(services: object, args: argparse.Namespace) -> object:
    """The signed-in owner (``desk_app.domain.permissions.Actor``); ``Refused`` otherwise."""
    from sqlalchemy import select

    from desk_app.container import Services
    from desk_app.db.models import Staff

    assert isinstance(services, Services)
    with services.db.uow(write=False) as uow:
        owners: list[tuple[int, str]] = [
            (int(r[0]), str(r[1]))
            for r in uow.session.execute(
                select(Staff.id, Staff.name).where(Staff.role == "owner", Staff.active.is_(True)).order_by(Staff.id)
            )
        ]
    staff = getattr(args, "staff", None)
    if staff is not None:
        owners = [o for o in owners if o[0] == staff]
    if not owners:
        raise Refused(_("No active owner with that staff number: only an owner may do this (--staff)."))
    if len(owners) > 1:
        listed = ", ".join(f"{oid} {name}" for oid, name in owners)
        raise Refused(
            _("This shop has several owners; say which one you are with --staff ({owners}).").format(owners=listed)
        )
    owner_id, owner_name = owners[0]
    pin = os.environ.get("DESK_APP_PIN")
    if pin is None:
        if sys.stdin is None or not sys.stdin.isatty():
            raise Refused(_("Give the owner's PIN: run it in a terminal to be asked, or set DESK_APP_PIN."))
        pin = getpass.getpass(_("PIN of {name}: ").format(name=owner_name))
    try:
        return services.auth.sign_in(owner_id, pin)
    except ServiceError as exc:
        raise Refused(exc.message) from exc
