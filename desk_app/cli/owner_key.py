"""``desk-app owner-key new|revoke``: the owner key for unattended scripts (desk_app/trust/owner_key.py).
The owner's PIN is asked (or ``DESK_APP_PIN``); the key itself cannot make or revoke a key."""

from __future__ import annotations

import argparse

from desk_app.cli.owner import Refused, err, owner_actor
from desk_app.core.service import ServiceError
from desk_app.i18n import _


def cli_owner_key(args: argparse.Namespace) -> int:
    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services

    db = open_database(resolve_db_arg(args))  # an older shop gains the owner_keys table
    try:
        services = Services(db)
        try:
            actor = owner_actor(services, args)
        except Refused as exc:
            return err(str(exc))
        try:
            if args.owner_key_kind == "revoke":
                if services.owner_key.revoke(actor):
                    print(_("The owner key was revoked: scripts that pass it are refused from now on."))
                else:
                    print(_("This shop has no owner key in use; nothing was changed."))
                return 0
            key = services.owner_key.create(actor)
        except ServiceError as exc:
            return err(exc.message)
    finally:
        db.dispose()
    print(_("Owner key (shown this once; it replaces any earlier one):"))
    print()
    print("    " + key)
    print()
    print(
        _(
            "A script passes it in the environment variable DESK_APP_OWNER_KEY (never on the command line) "
            "and acts as you; every use is in the audit log. Keep it like a password. Revoke it with "
            "desk-app owner-key revoke or in Settings › Safety."
        )
    )
    return 0
