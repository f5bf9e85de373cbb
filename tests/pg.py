"""A throw-away PostgreSQL server for the tests (Debian's postgresql package).

Started once per test session on a free loopback port in a temporary folder,
owned by the ``postgres`` system user when the tests run as root. If the server
cannot be started the tests that need it FAIL (never skip): install it with
``apt-get install postgresql postgresql-contrib`` (the test script does).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def _bin(name: str) -> str:
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if cands:
        return cands[0]
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(
        f"PostgreSQL's {name} was not found. Install the server: apt-get install postgresql postgresql-contrib"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env() -> dict[str, str]:
    """The server runs on the real clock even when the tests run under libfaketime
    (scripts/time_travel.sh): PostgreSQL's own timers (the deadlock check after deadlock_timeout)
    never fire under it, so two racing desks that deadlock would wait for each other for ever.
    The app's clock is what the time travel tests; the server is another machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [p for p in env.pop("LD_PRELOAD", "").split(":") if p and "faketime" not in p]
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    return env


class PgServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        full = list(cmd)
        if self.as_root:
            full = ["runuser", "-u", "postgres", "--", *full]
        return subprocess.run(full, check=True, capture_output=True, text=True, timeout=120, env=_server_env())

    def start(self, *settings: str) -> PgServer:
        """``settings``: more server settings, "name=value" (the load benchmark loads pg_stat_statements)."""
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        # members of the role password_logins sign in with a password (scram-sha-256), everyone else
        # is trusted: the connection test's "wrong password" is tested against the real thing
        hba = self.data / "pg_hba.conf"
        rules = "host all +password_logins 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rules + hba.read_text())  # in place: the file keeps its owner
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        opts += "".join(f" -c {kv}" for kv in settings)
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE ROLE password_logins NOLOGIN")
        return self

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
        time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
