"""Demo generator rate: clients/s and sale lines/s for a whole shop, schema to last row.

Full: the issue's scale (100,000 clients, 12 months, 20 staff; target 30 s, issue 20), one run.
Quick: 5,000 clients, 2 months, 8 staff, once (keeps --quick under a minute in all).
Both: the welcome screen's small demo shop (300 clients, 3 months), target a few seconds. SQLite files in /tmp.
"""

from __future__ import annotations

import resource
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import figure  # noqa: E402

TODAY = date(2026, 11, 18)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(quick: bool) -> list[dict[str, Any]]:
    from desk_app.demo.shop import generate

    clients, months, staff, repeat = (5_000, 2, 8, 1) if quick else (100_000, 12, 20, 1)
    secs: list[float] = []
    cpu: list[float] = []
    client_rate: list[float] = []
    line_rate: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        for i in range(repeat):
            c0 = _cpu()
            s = generate(
                str(Path(tmp) / f"demo{i}.sqlite3"),
                clients=clients,
                months=months,
                staff=staff,
                seed=1 + i,
                today=TODAY,
            )
            secs.append(s.seconds)
            cpu.append(_cpu() - c0)
            client_rate.append(s.clients / s.seconds)
            line_rate.append(s.sale_lines / s.seconds)
        # the small shop the welcome screen offers (300 clients, 3 months, 6 staff)
        welcome = [
            generate(str(Path(tmp) / f"welcome{i}.sqlite3"), clients=300, months=3, staff=6, seed=7,
                     today=TODAY).seconds
            for i in range(1 if quick else 3)
        ]  # fmt: skip
    label = f"{clients // 1000}k clients, {months} months, {staff} staff"
    return [
        figure(f"demo.total ({label})", secs, "s", target=30.0 if not quick else None),
        figure("demo.cpu (same run, this process)", cpu, "s"),
        figure("demo.welcome_shop (300 clients, 3 months)", welcome, "s", target=5.0),
        figure("demo.clients_rate", client_rate, "clients/s"),
        figure("demo.sale_lines_rate", line_rate, "lines/s"),
    ]


if __name__ == "__main__":
    from bench.__main__ import table

    print(table(run("--quick" in sys.argv)))
