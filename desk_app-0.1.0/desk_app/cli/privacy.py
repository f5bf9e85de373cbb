"""``desk-app privacy export|erase --client NUMBER --db DB`` (docs/privacy.md), as the owner
(``desk_app.cli.owner``: the owner's PIN, asked or in ``DESK_APP_PIN``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desk_app.cli.owner import Refused, confirmed, err, owner_actor
from desk_app.core.service import ServiceError
from desk_app.domain.permissions import Actor
from desk_app.i18n import _


def cli_privacy(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services
    from desk_app.db.models import Client

    if args.privacy_kind == "export":
        out = Path(args.out_dir).expanduser()
        if out.exists() and not out.is_dir():
            return err(_("{path} is a file; give a folder (--out-dir).").format(path=str(out)))
        if not out.parent.is_dir():
            return err(_("The folder {folder} does not exist (--out-dir).").format(folder=str(out.parent)))
    elif not args.reason.strip():
        return err(_("Write why the client's data is erased (--reason)."))
    db = open_database(resolve_db_arg(args))
    try:
        services = Services(db)
        number = args.client.strip().upper()
        with db.uow(write=False) as uow:
            client_id = uow.session.scalars(select(Client.id).where(Client.client_number == number)).first()
        if client_id is None:
            return err(_("There is no client {number} in this shop.").format(number=number))
        try:
            actor = owner_actor(services, args)
        except Refused as exc:
            return err(str(exc))
        assert isinstance(actor, Actor)
        if args.privacy_kind == "export":
            try:
                paths = services.privacy.export_client(actor, client_id, out)
            except ServiceError as exc:
                return err(exc.message)
            for p in paths:
                print(p)
            return 0
        refused = confirmed(
            args,
            _("Not erasing: run it in a terminal to be asked, or add --yes."),
            _("Erase client {number} for good? Their sales stay, without their name. [y/N] ").format(number=number),
        )
        if refused is not None:
            return refused
        try:
            res = services.privacy.erase_client(actor, client_id, args.reason)
        except ServiceError as exc:
            return err(exc.message)
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
