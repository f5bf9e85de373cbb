"""A throw-away CUPS server with a cups-pdf queue, for the system printing tests.

Debian's ``cups``, ``cups-client`` and ``printer-driver-cups-pdf`` (``scripts/bootstrap.sh --dev``
installs them). One server per test process (so one per pytest-xdist worker): ``cupsd -f`` with
its own configuration, spool, logs and state in a temporary folder, listening on a free loopback
port only, so the computer's own CUPS (if any) is never touched. The client tools find it through
``CUPS_SERVER=127.0.0.1:PORT``.

cups-pdf reads its settings from ``/etc/cups`` only (the path is compiled in), but per queue:
a device URI ``cups-pdf:/NAME`` makes it read ``/etc/cups/cups-pdf-NAME.conf``. Each server writes
its own ``cups-pdf-desk<random>.conf`` there (output folder in the temporary folder) and removes it
when it stops; the system's ``cups-pdf.conf`` is left alone. The cups-pdf backend runs only as
root, and cupsd hands it jobs only when it runs as root itself: as another user the tests skip.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.pg import _server_env

CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"  # cups-driverd's name for /usr/share/ppd/cups-pdf/...
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PACKAGES = "cups cups-client printer-driver-cups-pdf"


class CupsUnavailable(RuntimeError):
    """This machine cannot run the test server (the reason says why)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CupsServer:
    queue = "DeskPDF"  # the default printer; renders PostScript with pdftocairo (see start())
    queue_gs = "DeskPDFgs"  # the same printer with Debian's default PostScript renderer (Ghostscript)

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="desk-cups-"))
        self.port = _free_port()
        self.server = f"127.0.0.1:{self.port}"
        self.token = "desk" + uuid.uuid4().hex[:10]
        self.out = self.root / "out"
        self.conf = self.root / "conf"
        self.log = self.root / "logs" / "error_log"
        self.cups_pdf_conf = Path(f"/etc/cups/cups-pdf-{self.token}.conf")
        self.proc: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ setup

    @staticmethod
    def check_machine() -> None:
        missing = [t for t in ("cupsd", "lpadmin", "lpstat", "lp") if shutil.which(t) is None]
        if missing or not CUPS_PDF_BACKEND.exists():
            raise CupsUnavailable(
                f"CUPS or cups-pdf is not installed ({', '.join(missing) or CUPS_PDF_BACKEND}): "
                f"run scripts/bootstrap.sh --dev (apt-get install {PACKAGES})"
            )
        if os.geteuid() != 0:
            raise CupsUnavailable("the cups-pdf backend only runs under a cupsd started as root")

    def _write_config(self) -> None:
        r = self.root
        for sub in ("conf", "spool", "cache", "state", "tmp", "logs", "out", "cups-pdf-spool"):
            (r / sub).mkdir()
        r.chmod(0o755)  # the filters run as lp: they must reach the spool and tmp folders
        shutil.chown(r / "tmp", "lp", "lp")
        (r / "tmp").chmod(0o710)
        (self.conf / "cups-files.conf").write_text(
            f"ServerRoot {self.conf}\n"
            f"RequestRoot {r / 'spool'}\n"
            f"CacheDir {r / 'cache'}\n"
            f"StateDir {r / 'state'}\n"
            f"TempDir {r / 'tmp'}\n"
            f"AccessLog {r / 'logs' / 'access_log'}\n"
            f"ErrorLog {self.log}\n"
            f"PageLog {r / 'logs' / 'page_log'}\n"
            f"Printcap {r / 'printcap'}\n"
            "User lp\nGroup lp\nSystemGroup root\nFatalErrors config\n"
        )
        (self.conf / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\n"
            "LogLevel debug\nBrowsing No\nWebInterface No\nDefaultAuthType None\n"
            "ErrorPolicy abort-job\nJobRetryLimit 0\nPreserveJobHistory Yes\n"
            "<Location />\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        self.cups_pdf_conf.write_text(
            "# written by desk-app's tests (tests/cups.py) for their own CUPS server; removed when it stops\n"
            f"Out {self.out}\n"
            f"AnonDirName {self.out}\n"
            f"Spool {r / 'cups-pdf-spool'}\n"
            f"Log {r / 'logs'}\n"
            "LogType 3\n"
            "Grp root\n"
        )

    def _client(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, CUPS_SERVER=self.server, LC_ALL="C.UTF-8")
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60, env=env, check=False)
        if done.returncode != 0:
            raise CupsUnavailable(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def start(self) -> CupsServer:
        self.check_machine()
        self._write_config()
        self.proc = subprocess.Popen(
            ["cupsd", "-f", "-c", str(self.conf / "cupsd.conf"), "-s", str(self.conf / "cups-files.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "logs" / "cupsd.out").open("wb"),
            env=_server_env(),  # the real clock even under scripts/time_travel.sh
        )
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise CupsUnavailable(f"cupsd exited with {self.proc.returncode}: {self.tail()}")
            try:
                if "is running" in self._client("lpstat", "-r").stdout:
                    break
            except CupsUnavailable:
                pass
            if time.monotonic() > deadline:
                raise CupsUnavailable(f"cupsd did not answer on {self.server}: {self.tail()}")
            time.sleep(0.1)
        # Debian's README for cups-pdf recommends pdftocairo for its queue: Ghostscript's PDF to
        # PostScript step drops the Unicode names of an embedded subset font's glyphs, so the
        # Chinese of the PDF cups-pdf writes cannot be searched or copied (it still prints as text)
        for queue, options in ((self.queue, ["-o", "pdftops-renderer-default=pdftocairo"]), (self.queue_gs, [])):
            self._client(
                "lpadmin", "-h", self.server, "-p", queue, "-v", f"cups-pdf:/{self.token}", "-E",
                "-m", CUPS_PDF_PPD, "-D", f"{queue}: receipts to PDF (tests)", *options,
            )  # fmt: skip
        self._client("lpadmin", "-h", self.server, "-d", self.queue)
        return self

    # ------------------------------------------------------------------ use

    def wait_for_output(self, job_id: str, timeout: float = 60.0) -> Path:
        """The PDF cups-pdf wrote for ``job_id`` (``DeskPDF-7``), once CUPS says the job is done."""
        number = job_id.rsplit("-", 1)[-1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self._client("lpstat", "-W", "completed", "-o").stdout.split()
            if job_id in done:
                found = sorted(self.out.glob(f"*job_{number}.pdf"))
                if found:
                    return found[0]
                raise AssertionError(f"job {job_id} ended without a PDF in {self.out}: {self.tail()}")
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish in {timeout:.0f} s: {self.tail()}")

    def filter_argv(self, job_id: str) -> list[str]:
        """The arguments cupsd gave the job's filters (job id, user, title, copies, options, file),
        from its debug log."""
        number = job_id.rsplit("-", 1)[-1]
        argv: dict[int, str] = {}
        for line in self.log.read_text(errors="replace").splitlines():
            m = re.search(rf"\[Job {number}\] argv\[(\d+)\]=\"(.*)\"$", line)
            if m:
                argv[int(m.group(1))] = m.group(2)
        return [argv[i] for i in sorted(argv)]

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        wanted = [ln for ln in text if ln[:2] in ("E ", "W ") or "[Job" in ln]
        return "\n".join(wanted[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.cups_pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(self.root, ignore_errors=True)
