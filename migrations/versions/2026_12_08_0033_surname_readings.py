"""surname readings in the search index (issue 22, docs/clients.md "Finding a client"): a client
whose name starts with a surname read otherwise as a name (曾 Zēng, 单 Shàn, 尉迟 Yùchí:
desk_app/clients/surnames.py) gets the search text, pinyin and initials of that reading. Only
those clients are written again; the FTS index follows its trigger (SQLite) and the trigram index
itself (PostgreSQL).

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.clients.search_text import build_search_fields
from desk_app.clients.surnames import COMPOUND, SINGLE

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    firsts = sorted(set(SINGLE) | {name[0] for name in COMPOUND})
    clients = sa.table(
        "clients",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("phone", sa.String),
        sa.column("client_number", sa.String),
        sa.column("name_pinyin", sa.String),
        sa.column("name_initials", sa.String),
        sa.column("phone_digits", sa.String),
        sa.column("search_text", sa.Text),
    )
    rows = bind.execute(
        sa.select(clients.c.id, clients.c.name, clients.c.phone, clients.c.client_number).where(
            sa.func.substr(clients.c.name, 1, 1).in_(firsts)
        )
    ).all()
    for cid, name, phone, number in rows:
        pinyin, initials, digits, search = build_search_fields(name or "", phone or "", number or "")
        bind.execute(
            sa.update(clients)
            .where(clients.c.id == cid)
            .values(name_pinyin=pinyin[:400], name_initials=initials[:60], phone_digits=digits, search_text=search)
        )


def downgrade() -> None:
    """The extra readings stay in the index: they only find more clients."""
