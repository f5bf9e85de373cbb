"""The computer's own printers: list them and send a PDF to one without a dialog.

**Linux and macOS (CUPS).** The printers are what ``lpstat`` lists; a PDF goes to ``lp`` on its
standard input, with the page size read from the PDF's first page (``-o media=Custom.80x163.4mm``
for a receipt roll, ``A4``/``A5`` when the page is one of them within 1 mm) and no scaling. CUPS
turns the PDF into what the printer takes itself, so the text stays text up to the printer's own
filter (a PDF printer such as cups-pdf gets vector pages back). The client tools honour the
environment (``CUPS_SERVER``, ``LPDEST``, ``~/.cups/lpoptions``): the tests point them at a CUPS
server of their own. pycups is not needed (nor used): ``lpstat`` and ``lp`` are CUPS's own
clients and are installed wherever CUPS is.

**Windows.** :func:`system_printers` and :func:`default_printer` read the print spooler through
pywin32's ``win32print`` (installed there with python-escpos[win32]). Windows has no PDF
interpreter a program can hand a file to without a dialog: ``ShellExecute(..., "print", ...)``
depends on whichever PDF reader is installed (some open a window, some ignore the printer, some
never print), and the spooler's raw jobs only suit printers that read PDF themselves. So
:func:`print_pdf` raises :class:`PrintingUnavailable` there, and the app prints through its print
dialog (Qt renders the PDF to the printer), as before.

No Qt here: this is the ``printing`` layer. docs/printing.md says more.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from desk_app.i18n import _

log = logging.getLogger(__name__)

MM_PER_POINT = 25.4 / 72
# Named sizes CUPS knows everywhere (portrait, mm); a PDF page within NAMED_TOLERANCE_MM of one is sent by name
NAMED_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "A6": (105.0, 148.0),
    "Letter": (215.9, 279.4),
}
NAMED_TOLERANCE_MM = 1.0
TIMEOUT_S = 60.0


class PrintingFailed(Exception):
    """The job did not reach the printer; the message says what a person can do about it."""


class PrintingUnavailable(PrintingFailed):
    """This computer offers no way to print a PDF without a dialog (Windows, or no CUPS tools)."""


@dataclass(frozen=True)
class SystemPrinter:
    name: str
    is_default: bool
    description: str = ""  # what the owner called it (CUPS "Description", Windows comment or driver)


# ------------------------------------------------------------------------------------------ page size


def pdf_page_size_mm(pdf: bytes) -> tuple[float, float]:
    """Width and height of the first page as it is shown (MediaBox, turned by /Rotate), in mm."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        if not reader.pages:
            raise PrintingFailed(_("The document to print has no pages."))
        page = reader.pages[0]
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        rotation = int(page.get("/Rotate", 0) or 0) % 360
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:  # pypdf on a broken file
        raise PrintingFailed(_("The document to print is not a readable PDF.")) from exc
    if rotation in (90, 270):
        width, height = height, width
    return abs(width) * MM_PER_POINT, abs(height) * MM_PER_POINT


def _mm(value: float) -> str:
    """0.1 mm, without a trailing .0: 80, 163.4."""
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def media_for(width_mm: float, height_mm: float) -> str:
    """The CUPS ``media`` value for a page: a named size within 1 mm, else ``Custom.WxHmm``."""
    for name, (w, h) in NAMED_SIZES.items():
        if abs(width_mm - w) <= NAMED_TOLERANCE_MM and abs(height_mm - h) <= NAMED_TOLERANCE_MM:
            return name
    return f"Custom.{_mm(width_mm)}x{_mm(height_mm)}mm"


# ------------------------------------------------------------------------------------------ CUPS


def _cups_env() -> dict[str, str]:
    """The caller's environment (CUPS_SERVER and the rest), with CUPS's messages in English: they
    are parsed here. C.UTF-8 keeps printer descriptions in UTF-8 (macOS has no C.UTF-8 and falls
    back to C, whose messages are English too)."""
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    env["LANG"] = "C.UTF-8"
    return env


def _tool(name: str) -> str | None:
    return shutil.which(name)


def _run(cmd: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            cmd, input=stdin, capture_output=True, timeout=TIMEOUT_S, env=_cups_env(), check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise PrintingFailed(
            _("The printing service did not answer within {seconds} seconds. Check that CUPS is running.").format(
                seconds=int(TIMEOUT_S)
            )
        ) from exc
    except OSError as exc:
        raise PrintingFailed(
            _("The printing command {command} could not be started: {error}").format(command=cmd[0], error=exc)
        ) from exc


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").strip()


def _cups_scheduler_running(lpstat: str) -> bool:
    done = _run([lpstat, "-r"])
    return "is running" in _text(done.stdout)


def _cups_names(lpstat: str) -> list[str]:
    done = _run([lpstat, "-e"])
    return [line.strip() for line in _text(done.stdout).splitlines() if line.strip()]


def _cups_default(lpstat: str) -> str | None:
    out = _text(_run([lpstat, "-d"]).stdout)
    m = re.search(r"system default destination:\s*(\S+)", out)
    return m.group(1) if m else None


def _cups_descriptions(lpstat: str) -> dict[str, str]:
    """Printer name -> description, from ``lpstat -l -p`` (best effort: empty on any surprise)."""
    found: dict[str, str] = {}
    current = ""
    for line in _text(_run([lpstat, "-l", "-p"]).stdout).splitlines():
        head = re.match(r"printer (\S+) ", line)
        if head:
            current = head.group(1)
            continue
        desc = re.match(r"\s+Description:\s*(.*)$", line)
        if desc and current:
            found[current] = desc.group(1).strip()
    return found


def _cups_printers() -> list[SystemPrinter]:
    lpstat = _tool("lpstat")
    if lpstat is None:
        return []
    names = _cups_names(lpstat)
    if not names:
        return []
    default = _cups_default(lpstat)
    descriptions = _cups_descriptions(lpstat)
    return [
        SystemPrinter(name=n, is_default=n == default, description=descriptions.get(n.split("/")[0], ""))
        for n in names
    ]


def _cups_print(pdf: bytes, printer: str | None, title: str, copies: int, media: str) -> str:
    lp = _tool("lp")
    if lp is None:
        raise PrintingUnavailable(
            _("This computer has no printing service (CUPS's lp command was not found). Install CUPS.")
        )
    cmd = [lp]
    if printer:
        cmd += ["-d", printer]
    cmd += [
        "-t", title,
        "-n", str(copies),
        "-o", f"media={media}",
        "-o", "fit-to-page=false",  # cups-filters' pdftopdf: the page is already the paper's size
        "-o", "print-scaling=none",  # the IPP name of the same wish
        "-",
    ]  # fmt: skip
    done = _run(cmd, stdin=pdf)
    out, err = _text(done.stdout), _text(done.stderr)
    if done.returncode != 0:
        raise PrintingFailed(_cups_diagnosis(printer, err or out))
    m = re.search(r"request id is (\S+)", out)
    log.info("sent %r to %s as %s (media=%s, copies=%d)", title, printer or "the default printer", out, media, copies)
    return m.group(1) if m else out


def _cups_diagnosis(printer: str | None, said: str) -> str:
    """Why lp failed, in words a person can act on."""
    lpstat = _tool("lpstat")
    if lpstat is not None:
        if not _cups_scheduler_running(lpstat):
            return _("The printing service (CUPS) is not running on this computer. Start it and print again.")
        names = _cups_names(lpstat)
        if printer and printer not in names:
            listed = ", ".join(names) if names else _("no printers")
            return _("The printer '{name}' is not known to this computer (lpstat lists: {names}).").format(
                name=printer, names=listed
            )
        if not printer and _cups_default(lpstat) is None:
            return _("This computer has no default printer. Choose a printer, or set a default one.")
    return _("The printer '{name}' refused the job: {reason}").format(
        name=printer or _("(default)"), reason=said or "lp"
    )


# ------------------------------------------------------------------------------------------ Windows


def _windows_printers() -> list[SystemPrinter]:
    import win32print  # pywin32: installed on Windows with python-escpos[win32]

    default = _windows_default()
    flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
    found: list[SystemPrinter] = []
    # level 1: (flags, "name,driver,location", name, comment); no query to each printer (fast)
    for _flags, description, name, comment in win32print.EnumPrinters(flags, None, 1):
        parts = str(description or "").split(",")
        driver = parts[1].strip() if len(parts) > 1 else ""
        found.append(SystemPrinter(name=str(name), is_default=name == default, description=str(comment or driver)))
    return found


def _windows_default() -> str | None:
    import win32print

    try:
        name = win32print.GetDefaultPrinter()
    except Exception:  # noqa: BLE001 - pywintypes.error when no default printer is set
        return None
    return str(name) if name else None


# ------------------------------------------------------------------------------------------ public


def system_printers() -> list[SystemPrinter]:
    """The printers this computer knows, the default one marked. Empty when there is no printing
    system to ask (no CUPS client tools, or the scheduler not running)."""
    if sys.platform == "win32":
        return _windows_printers()
    return _cups_printers()


def default_printer() -> str | None:
    """The printer a job without a printer name goes to, or None when none is set."""
    if sys.platform == "win32":
        return _windows_default()
    lpstat = _tool("lpstat")
    return _cups_default(lpstat) if lpstat else None


def print_pdf(pdf: bytes, printer: str | None, title: str, copies: int = 1) -> str:
    """Send ``pdf`` to ``printer`` (None: the default one) without a dialog; return the job id
    (CUPS: ``Printer-42``). The paper is the PDF's first page size; nothing is scaled.

    Raises :class:`PrintingFailed` (unknown printer, CUPS not running, the job refused) and
    :class:`PrintingUnavailable` on Windows, where the app's print dialog prints PDFs.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, not {copies}")
    if sys.platform == "win32":
        raise PrintingUnavailable(
            _(
                "Printing a PDF straight to a Windows printer is not available yet. "
                "Print from the preview: the print dialog sends it to the printer."
            )
        )
    width, height = pdf_page_size_mm(pdf)
    return _cups_print(pdf, printer, title, copies, media_for(width, height))
