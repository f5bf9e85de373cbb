"""``desk-app clients find QUERY``: the desk's client search, headless (docs/clients.md)."""

from __future__ import annotations

import argparse
from typing import Any

from desk_app.cli.owner import err
from desk_app.cli.reports import _signed_in
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _


def cli_clients_find(args: argparse.Namespace) -> int:
    """One line per client found, best first, as the search box lists them: number, name and the
    phone masked (138****5678). Exit 0 with "no client found" on stderr when none matches."""
    import sys

    query = str(args.query)
    if not query.strip():
        return err(_("Say what to find: a name, pinyin or initials, part of a phone number, or a client number."))

    def body(services: Any, actor: Actor) -> int:
        hits = services.client_search.search(actor, query, int(args.limit), masked=True)
        for hit in hits:
            print(f"{hit.client_number}\t{hit.name}\t{hit.phone}")
        if not hits:
            print(_("No client found for “{query}”.").format(query=query), file=sys.stderr)
        return 0

    return _signed_in(args, (Perm.CLIENT_VIEW,), body)
