"""``desk-app encrypt`` and ``desk-app key show|add`` (docs/privacy.md, "Data at rest")."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from desk_app.cli.owner import Refused, confirmed, err, owner_actor
from desk_app.core.service import ServiceError, audit
from desk_app.db import cipher
from desk_app.i18n import _


def _db_file(args: argparse.Namespace) -> Path | None:
    from desk_app.cli import resolve_db_arg
    from desk_app.db.engine import normalise_url, sqlite_path

    return sqlite_path(normalise_url(resolve_db_arg(args)))


def _print_recovery(key: bytes) -> None:
    print()
    print(_("Recovery key (write it down or print it, and keep it away from this computer):"))
    print()
    print("    " + cipher.recovery_text(key))
    print()
    print(
        _(
            "This computer keeps the key in its password store. On another computer, or if this one is "
            "replaced, the shop and its backups open only with this recovery key (desk-app key add)."
        )
    )


def _as_owner(path: Path, args: argparse.Namespace) -> tuple[object, list[Path], bytes | None]:
    """The owner (their PIN), this shop's backup files and its key, with the database closed
    again; ``Refused`` when the person is not the owner."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services

    db = open_database(str(path))
    try:
        services = Services(db)
        actor = owner_actor(services, args)
        return actor, services.backup.own_files(), db.key
    finally:
        db.dispose()


def _audit(path: Path, actor: object, action: str, entity: str, after: dict[str, object]) -> None:
    from desk_app.bootstrap import open_database

    db = open_database(str(path))
    try:
        with db.uow() as uow:
            audit(uow.session, actor, action, entity, "", after=after)  # type: ignore[arg-type]
            uow.commit()
    finally:
        db.dispose()


def cli_encrypt(args: argparse.Namespace) -> int:
    from desk_app.trust.at_rest import encrypt_shop

    path = _db_file(args)
    if path is None:
        return err(_("Encryption here is for a SQLite shop file; protect a server's disk on the server."))
    if cipher.is_encrypted(path):
        print(_("{path} is already encrypted.").format(path=str(path)))
        return 0
    try:
        actor, backups, _key = _as_owner(path, args)
    except Refused as exc:
        return err(str(exc))
    refused = confirmed(
        args,
        _("Not encrypting: run it in a terminal to be asked, or add --yes."),
        _("Encrypt {db} and its {n} backups? Close the app on every desk first. [y/N] ").format(
            db=str(path), n=len(backups)
        ),
    )
    if refused is not None:
        return refused
    try:
        res = encrypt_shop(path, backups)
    except ServiceError as exc:
        return err(exc.message)
    _audit(
        path,
        actor,
        "encrypt",
        "database",
        {
            "key_id": cipher.key_id(res.key),
            "rows": res.rows,
            "backups": [p.name for p in res.backups],
            "failed": [p.name for p, _why in res.failed],
        },
    )
    print(
        _("Encrypted {db} ({rows} rows) and {n} backups.").format(db=str(path), rows=res.rows, n=len(res.backups))
    )
    for p, why in res.failed:
        print(_("Not encrypted: {path} ({why}). Delete it or encrypt it later.").format(path=str(p), why=why), file=sys.stderr)
    _print_recovery(res.key)
    return 0


def cli_key(args: argparse.Namespace) -> int:
    if args.key_kind == "add":
        return _key_add(args)
    path = _db_file(args)
    if path is None or not cipher.is_encrypted(path):
        return err(_("This shop's data is not encrypted, so it has no recovery key (desk-app encrypt)."))
    try:
        actor, _backups, key = _as_owner(path, args)
    except Refused as exc:
        return err(str(exc))
    assert key is not None
    _audit(path, actor, "view", "recovery_key", {"key_id": cipher.key_id(key)})
    _print_recovery(key)
    return 0


def _key_add(args: argparse.Namespace) -> int:
    text = os.environ.get(cipher.KEY_ENV)
    if text is None:
        if sys.stdin is None or not sys.stdin.isatty():
            return err(_("Type the recovery key in a terminal, or give it in DESK_APP_DB_KEY."))
        text = getpass.getpass(_("Recovery key: "))
    try:
        key = cipher.parse_recovery(text)
    except ValueError as exc:
        return err(str(exc))
    path = Path(args.db).expanduser() if args.db and "://" not in args.db else None  # nothing is created
    if path is not None and path.is_file() and not cipher.opens_with(path, key):
        return err(_("That key does not open {path}. Check the recovery key.").format(path=str(path)))
    try:
        cipher.remember_key(key)
    except cipher.NoKeyStore as exc:
        return err(str(exc))
    print(_("This computer now keeps that key; shops and backups encrypted with it open here."))
    return 0
