"""more readings in the search index (issue 22, docs/clients.md "Finding a client"): a client
whose name starts with a surname read otherwise as a name (曾 Zēng, 单 Shàn, 尉迟 Yùchí:
desk_app/clients/surnames.py) gets the search text, pinyin and initials of that reading, and a
name with accented Latin letters (Hélène) its words without accents. Only those clients are
written again; the FTS index follows its trigger (SQLite) and the trigram index itself
(PostgreSQL).

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.clients.search_text import build_search_fields, is_cjk
from desk_app.clients.surnames import COMPOUND, SINGLE

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    firsts = set(SINGLE) | {name[0] for name in COMPOUND}
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

    def changed(name: str) -> bool:
        return bool(name) and (name[0] in firsts or any(not ch.isascii() and not is_cjk(ch) for ch in name))

    names = bind.execute(sa.select(clients.c.id, clients.c.name)).all()
    ids = [cid for cid, name in names if changed(name or "")]
    rows = []
    for i in range(0, len(ids), 500):
        rows += bind.execute(
            sa.select(clients.c.id, clients.c.name, clients.c.phone, clients.c.client_number).where(
                clients.c.id.in_(ids[i:i + 500])
            )
        ).all()
    values = []
    for cid, name, phone, number in rows:
        pinyin, initials, digits, search = build_search_fields(name or "", phone or "", number or "")
        values.append({"cid": cid, "py": pinyin[:400], "ini": initials[:60], "dg": digits, "st": search})
    if values:  # one statement, executed for each row by the driver
        bind.execute(
            sa.update(clients)
            .where(clients.c.id == sa.bindparam("cid"))
            .values(name_pinyin=sa.bindparam("py"), name_initials=sa.bindparam("ini"),
                    phone_digits=sa.bindparam("dg"), search_text=sa.bindparam("st")),
            values,
        )


def downgrade() -> None:
    """The extra readings stay in the index: they only find more clients."""
