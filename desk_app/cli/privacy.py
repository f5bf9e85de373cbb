"""``desk-app privacy export|erase --client NUMBER --db DB`` (docs/privacy.md).

Both act as an owner who proves it with their PIN: typed at the terminal, or given in the
``DESK_APP_PIN`` environment variable for a script. A wrong PIN counts like one typed at a desk
(the PIN pauses after five). ``--staff`` picks the owner when the shop has more than one.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from desk_app.core.service import ServiceError
from desk_app.i18n import _


def _err(message: str) -> int:
    print(f"desk-app: {message}", file=sys.stderr)
    return 1


def cli_privacy(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services
    from desk_app.db.models import Client, Staff

    if args.privacy_kind == "export":
        out = Path(args.out_dir).expanduser()
        if out.exists() and not out.is_dir():
            return _err(_("{path} is a file; give a folder (--out-dir).").format(path=str(out)))
        if not out.parent.is_dir():
            return _err(_("The folder {folder} does not exist (--out-dir).").format(folder=str(out.parent)))
    elif not args.reason.strip():
        return _err(_("Write why the client's data is erased (--reason)."))
    db = open_database(resolve_db_arg(args))
    try:
        services = Services(db)
        number = args.client.strip().upper()
        with db.uow(write=False) as uow:
            s = uow.session
            client = s.scalars(select(Client).where(Client.client_number == number)).first()
            owners: list[tuple[int, str]] = [
                (int(r[0]), str(r[1]))
                for r in s.execute(
                    select(Staff.id, Staff.name)
                    .where(Staff.role == "owner", Staff.active.is_(True))
                    .order_by(Staff.id)
                )
            ]
            client_id = client.id if client is not None else None
        if client_id is None:
            return _err(_("There is no client {number} in this shop.").format(number=number))
        if args.staff is not None:
            owners = [o for o in owners if o[0] == args.staff]
        if not owners:
            return _err(_("No active owner with that staff number: only an owner may do this (--staff)."))
        if len(owners) > 1:
            listed = ", ".join(f"{oid} {name}" for oid, name in owners)
            return _err(_("This shop has several owners; say which one you are with --staff ({owners}).").format(owners=listed))
        owner_id, owner_name = owners[0]
        pin = os.environ.get("DESK_APP_PIN")
        if pin is None:
            if sys.stdin is None or not sys.stdin.isatty():
                return _err(_("Give the owner's PIN: run it in a terminal to be asked, or set DESK_APP_PIN."))
            pin = getpass.getpass(_("PIN of {name}: ").format(name=owner_name))
        try:
            actor = services.auth.sign_in(owner_id, pin)
        except ServiceError as exc:
            return _err(exc.message)
        if args.privacy_kind == "export":
            try:
                paths = services.privacy.export_client(actor, client_id, out)
            except ServiceError as exc:
                return _err(exc.message)
            for p in paths:
                print(p)
            return 0
        if not args.yes:
            if sys.stdin is None or not sys.stdin.isatty():
                return _err(_("Not erasing: run it in a terminal to be asked, or add --yes."))
            answer = input(
                _("Erase client {number} for good? Their sales stay, without their name. [y/N] ").format(number=number)
            )
            if answer.strip().lower() not in ("y", "yes", "是"):
                print(_("Nothing was changed."))
                return 1
        try:
            res = services.privacy.erase_client(actor, client_id, args.reason)
        except ServiceError as exc:
            return _err(exc.message)
        print(
            _(
                "Erased {number}: {fields} notes cleared, {audit} audit entries redacted, {sales} sales kept."
            ).format(number=res.client_number, fields=res.notes_cleared, audit=res.audit_redacted, sales=res.sales_kept)
        )
        if not res.storage_scrubbed:
            print(_("Another desk was reading the database: the file is tidied at the next erasure."))
        if db.is_sqlite:
            backups = services.privacy.erase_in_backups(actor, client_id)
            print(
                _("Backups: erased inside {cleaned}, {not_in} did not hold the client, {failed} could not be changed.").format(
                    cleaned=len(backups.cleaned), not_in=len(backups.not_in), failed=len(backups.failed)
                )
            )
            for path, why in backups.failed:
                print(f"  {path}: {why}", file=sys.stderr)
            if backups.failed:
                print(_("A restore of those backups erases the client again."), file=sys.stderr)
        else:
            print(_("On a server, the server's own dumps are not changed: a restore through the app erases the client again."))
        return 0
    finally:
        db.dispose()
