"""Data at rest (issue 14 item 5): what encrypting the shop file (SQLCipher) costs, against the same
work on a plain file in the same run (the floor).

* ``at_rest.client_save``: saving a new client (one write unit of work: checks, audit, search
  index), encrypted; floor: the same on a plain file;
* ``at_rest.client_search``: a client search by name, encrypted; floor: plain;
* ``at_rest.backup``: a checked online backup of the shop, encrypted; floor: plain.

    .venv/bin/python -m bench.bench_at_rest [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import figure, median  # noqa: E402


def _measure(path: Path, key: bytes | None, clients: int, searches: int) -> tuple[list[float], list[float], list[float]]:
    from desk_app.bootstrap import open_database
    from desk_app.container import Services

    db = open_database(str(path), key=key)
    try:
        sv = Services(db)
        owner = sv.shop.create_shop(name="Bench", currency="CNY", language="en", owner_name="O", owner_pin="1234")
        saves: list[float] = []
        for i in range(clients):
            t = time.perf_counter()
            sv.clients.create(owner, {"name": f"王芳{i}", "phone": f"139{i:08d}"})
            saves.append((time.perf_counter() - t) * 1000)
        finds: list[float] = []
        for i in range(searches):
            t = time.perf_counter()
            sv.client_search.search(owner, f"王芳{i % clients}")
            finds.append((time.perf_counter() - t) * 1000)
        backups: list[float] = []
        for i in range(3):
            t = time.perf_counter()
            sv.backup.backup(path.parent / f"{path.stem}-b{i}.sqlite3")
            backups.append((time.perf_counter() - t) * 1000)
        return saves, finds, backups
    finally:
        db.dispose()


def run(quick: bool) -> list[dict[str, Any]]:
    from desk_app.db import cipher

    clients, searches = (100, 50) if quick else (500, 200)
    key = cipher.new_key()
    before = os.environ.get(cipher.KEY_ENV)
    os.environ[cipher.KEY_ENV] = key.hex()  # this process only: the encrypted file opens with it
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plain = _measure(Path(tmp) / "plain.sqlite3", None, clients, searches)
            enc = _measure(Path(tmp) / "enc.sqlite3", key, clients, searches)
            assert cipher.is_encrypted(Path(tmp) / "enc.sqlite3")
    finally:
        if before is None:
            os.environ.pop(cipher.KEY_ENV, None)
        else:
            os.environ[cipher.KEY_ENV] = before
    names = ("at_rest.client_save", "at_rest.client_search", "at_rest.backup")
    return [figure(n, e, "ms", floor=median(p)) for n, p, e in zip(names, plain, enc, strict=True)]


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(f)
