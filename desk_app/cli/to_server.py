"""``desk-app move-to-server``: move a one-desk shop (its SQLite file) onto the shop's PostgreSQL
server (desk_app.transfer.to_server), then switch this desk to the server. The owner proves it
with their PIN (asked, or ``DESK_APP_PIN``). Prints what was copied: the rows of each table and
the sums of its money columns, as found in the file and on the server."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from desk_app.cli.owner import Refused, owner_actor
from desk_app.cli.owner import err as _err
from desk_app.core.service import ServiceError
from desk_app.db import cipher
from desk_app.db.server import PASSWORD_ENV, check_server, load_password, parse_address, save_password
from desk_app.domain.permissions import Actor
from desk_app.i18n import _


def cli_move_to_server(args: argparse.Namespace) -> int:
    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services
    from desk_app.db.engine import normalise_url, sqlite_path
    from desk_app.demo.shop import TextBar
    from desk_app.desk import load_desk, save_desk
    from desk_app.transfer.to_server import move_to_server

    source_url = normalise_url(resolve_db_arg(args))
    if sqlite_path(source_url) is None:
        return _err(_("--db is not a shop file (SQLite): only a shop kept in a file can be moved onto a server."))
    try:
        address, password = parse_address(args.to)
    except ValueError as exc:
        return _err(_("--to: {problem}").format(problem=str(exc)))
    password = password or os.environ.get(PASSWORD_ENV) or load_password(address)
    found = check_server(address, password)
    if not found.ok and password is None and sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(_("Password of {user} on the server: ").format(user=address.user))
        found = check_server(address, password)
    if not found.ok:
        return _err(found.message)
    source = open_database(source_url)
    try:
        actor = owner_actor(Services(source), args)
        assert isinstance(actor, Actor)
    except Refused as exc:
        source.dispose()
        return _err(str(exc))
    bar = None if args.quiet else TextBar()
    try:
        result = move_to_server(source, address.url(password), actor, bar)
    except ServiceError as exc:
        source.dispose()
        return _err(exc.message)
    print(_("Moved onto {server}: {rows} rows, counts and money sums equal in the file and on the server, "
            "checks passed.").format(server=str(address), rows=result.rows))
    for t in result.tables:
        if not t.rows:
            continue
        sums = "  ".join(f"{col}={value}" for col, value in t.sums.items())
        print(f"  {t.table:<24} {t.rows:>8}  {sums}".rstrip())
    if result.moved_file is not None:
        print(_("The old file is now {path}; nobody writes to it any more.").format(path=str(result.moved_file)))
    desk = load_desk()
    from dataclasses import replace

    save_desk(replace(desk, server=address.saved))
    kept = ""
    if password:
        try:
            save_password(address, password)
        except cipher.NoKeyStore:
            kept = " " + _("This computer has no password store, so the password was not kept; "
                           "the server must let this desk in without one (pg_hba.conf).")
    print(_("This desk now opens the shop on the server.") + kept)
    return 0
