"""Import rejects rows that are not clients (#14 item 10), each with its reason in the report.

An outside probe imported 816 "clients" made of punctuation or emoji with no phone from a junk CSV
of 20,000 rows. A row needs a name with at least one letter or Chinese character, and a way to
reach the client (a phone, an e-mail or a WeChat ID).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from sqlalchemy import select

from desk_app.clients.importer import BLANKS, write_report
from desk_app.container import Services
from desk_app.db.models import Client
from desk_app.domain.permissions import Actor

GOOD = [
    ("王芳", "13812345678", "", ""),
    ("Anna Schmidt", "", "anna@example.com", ""),
    ("李雷", "", "", "lilei_88"),
    ("O'Brien 2", "+44 20 7946 0958", "", ""),
]
NOT_NAMES = ["!!!", "😀😀", "...", "---", "12345", "  ", "@#$%", "🎉 🎂", "（）", "0"]


def test_junk_rows_are_rejected_with_their_reason(services: Services, owner: Actor, tmp_path: Path) -> None:
    rnd = random.Random(5)
    rows: list[tuple[str, str, str, str]] = []
    for i in range(300):  # junk names, with and without a phone
        rows.append((rnd.choice(NOT_NAMES), f"139{10000000 + i}" if i % 2 else "", "", ""))
    for i in range(50):  # real-looking names nobody can reach
        rows.append((f"Client {i}", "", "", ""))
    rows[100:100] = GOOD
    path = tmp_path / "junk.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "Mobile", "Email", "WeChat"])
        w.writerows(rows)
    res = services.importer.run(
        owner, path, source="generic", mapping={"name": "Name", "phone": "Mobile", "email": "Email", "wechat_id": "WeChat"}
    )
    with services.db.uow(write=False) as uow:
        names = sorted(uow.session.scalars(select(Client.name)))
    assert names == sorted(g[0] for g in GOOD)
    # lines with nothing in them ("---" is how some systems write an empty cell) are not rows
    blank = sum(1 for r in rows if all(c.strip().lower() in BLANKS for c in r))
    assert blank > 0
    assert res.imported == len(GOOD) and res.rejected_count == len(rows) - len(GOOD) - blank
    reasons = [r.reason for r in res.rejected]
    assert sum("is not a name" in r or "no name" in r for r in reasons) == 300 - blank
    unreachable = 50 + 150 - blank  # half the junk rows had no phone either
    assert sum("no phone, e-mail or WeChat ID" in r for r in reasons) == unreachable
    report = write_report(res, tmp_path / "report.csv")
    text = report.read_text(encoding="utf-8-sig")
    assert text.count("no phone, e-mail or WeChat ID") == unreachable and "is not a name" in text
