"""Headless commands: ``desk-app messages run`` (the sender, once or in a loop: cron, Task
Scheduler, a server) and ``desk-app messages list`` (docs/messages.md, "Running the sender
headless"). Who runs them is proved as for other commands that read client data (``--staff`` and a
PIN, or ``DESK_APP_OWNER_KEY``); they need the follow-up right (``Perm.FOLLOWUP``)."""

from __future__ import annotations

import argparse
import time
from datetime import date

from desk_app.cli.owner import Refused, err, identify
from desk_app.core.service import ServiceError
from desk_app.domain.permissions import Perm
from desk_app.i18n import _


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from desk_app.cli.reports import _open_db

    return _open_db(args)


def cli_messages_run(args: argparse.Namespace) -> int:
    from desk_app.container import Services

    try:
        db = _open(args)
    except FileNotFoundError as exc:
        return err(str(exc))
    try:
        services = Services(db)
        try:
            identify(services, args, Perm.FOLLOWUP)
        except Refused as exc:
            return err(str(exc))
        loop = getattr(args, "loop", None)
        while True:
            r = services.messages.run_due(limit=args.limit)
            print(
                _("{planned} planned, {sent} sent, {retrying} to retry, {failed} failed, {cancelled} cancelled, "
                  "{deferred} deferred (quiet hours)").format(
                    planned=r.planned, sent=r.sent, retrying=r.retrying, failed=r.failed, cancelled=r.cancelled,
                    deferred=r.deferred,
                ),
                flush=True,
            )
            for line in r.errors:
                print("  " + line, flush=True)
            if not loop:
                return 0
            time.sleep(loop)
    except ServiceError as exc:
        return err(exc.message)
    finally:
        db.dispose()


def cli_messages_list(args: argparse.Namespace) -> int:
    from desk_app.container import Services

    day = None
    if args.day:
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            return err(_("{day} is not a day: write YYYY-MM-DD.").format(day=args.day))
    try:
        db = _open(args)
    except FileNotFoundError as exc:
        return err(str(exc))
    try:
        services = Services(db)
        try:
            actor = identify(services, args, Perm.FOLLOWUP)
        except Refused as exc:
            return err(str(exc))
        rows = services.messages.outbox(actor, state=args.state, day=day, limit=args.limit)
        for m in rows:
            when = (m.sent_at or m.due_at).isoformat(timespec="minutes")
            line = f"{m.id}\t{m.state}\t{when}\t{m.kind}\t{m.channel}\t{m.client_number}\t{m.to_address}"
            if m.error:
                line += f"\t{m.error_code or '-'}: {m.error}"
            print(line)
        if len(rows) >= args.limit:  # there may be more: say so rather than pass the first page for all
            print(_("{n} messages, the newest; there may be more: --limit N shows more").format(n=len(rows)))
        else:
            print(_("{n} messages").format(n=len(rows)))
        return 0
    except ServiceError as exc:
        return err(exc.message)
    finally:
        db.dispose()
