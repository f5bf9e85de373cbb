"""Trust (issue 8): how long an import, a backup and the audit log take on a shop-sized database.

* ``trust.import_5k``: importing a 5,000-row client CSV (one transaction; target <= 10 s);
* ``trust.backup``: an online, checked backup of that database (target <= 2 s);
* ``trust.audit_page``: the audit log's first page (200 rows) with a filter, over 20,000 entries
  (target <= 100 ms).

    .venv/bin/python -m bench.bench_trust [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import figure  # noqa: E402


def run(quick: bool) -> list[dict[str, Any]]:
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import AuditEntry
    from desk_app.trust.audit import AuditFilter

    rows = 1000 if quick else 5000
    repeats = 1 if quick else 3
    out: list[dict[str, Any]] = []
    import_s: list[float] = []
    backup_s: list[float] = []
    audit_s: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "clients.csv"
        lines = ["姓名,手机号,生日,备注"] + [
            f"客人{i},139{i:08d},1990-{1 + i % 12:02d}-{1 + i % 28:02d},imported note {i}"
            for i in range(rows)
        ]
        csv_path.write_text("\n".join(lines), encoding="utf-8")
        for r in range(repeats):
            db = open_database(str(Path(tmp) / f"shop{r}.sqlite3"))
            sv = Services(db)
            owner = sv.shop.create_shop(
                name="Bench", currency="CNY", language="en", owner_name="O", owner_pin="1234"
            )
            t = time.perf_counter()
            res = sv.importer.run(owner, csv_path)
            import_s.append(time.perf_counter() - t)
            assert res.imported == rows
            t = time.perf_counter()
            sv.backup.backup(Path(tmp) / f"b{r}.sqlite3", actor=owner)
            backup_s.append(time.perf_counter() - t)
            if r == 0:
                base = datetime(2026, 11, 1, tzinfo=UTC)
                with db.uow() as uow:
                    uow.session.add_all(
                        AuditEntry(
                            at=base + timedelta(minutes=i),
                            staff_id=owner.staff_id,
                            action=("view", "update", "sale")[i % 3],
                            entity="client",
                            entity_id=str(i % 500),
                            detail="",
                        )
                        for i in range(2000 if quick else 20000)
                    )
                    uow.commit()
                for _ in range(5 if quick else 20):
                    t = time.perf_counter()
                    sv.audit.list_entries(owner, AuditFilter(action="update"), limit=200)
                    audit_s.append(time.perf_counter() - t)
            db.dispose()
    out.append(figure(f"trust.import_{rows // 1000}k", import_s, "s", target=10.0 * rows / 5000))
    out.append(figure("trust.backup", backup_s, "s", target=2.0))
    out.append(figure("trust.audit_page", [s * 1000 for s in audit_s], "ms", target=100.0))
    return out


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(f)
