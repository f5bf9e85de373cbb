"""This computer's own settings ("this desk"): its printers, paper, printing after payment, cash
drawer and customer display, the branch it is at and the shop's server it opens. They belong to the
PC at the counter, not to the shop: two desks on one server print to two printers and can be at two
branches (``branch``, a branch code: what the desk records carries that branch); ``server`` is a URL
without the password, which is in the OS password store (desk_app.db.server). Kept as a small JSON file in the user data folder
(``desk_app.paths.data_dir() / "desk.json"``), never in the shop's database; written atomically.

Printer addresses (``receipt_printer``):

- ``""``: none chosen; receipts are previewed and printed by hand;
- ``system:`` or ``system:NAME``: the system's default printer, or the named one (CUPS queue,
  Windows printer), with the receipt's own page size;
- an ESC/POS thermal printer (desk_app.printing.escpos_out): ``tcp://HOST[:9100]``,
  ``usb:VID:PID``, ``serial:/dev/ttyUSB0[?baudrate=9600]`` (or ``serial:COM3``),
  ``cups:QUEUE`` (a raw CUPS queue), ``win32:PRINTER NAME`` (the Windows spooler),
  ``file:/dev/usb/lp0`` (a device file).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from desk_app.paths import data_dir

FILE_NAME = "desk.json"
PAPERS = ("80mm", "58mm", "a5")  # what render_receipt lays out
DRAWER_PINS = (2, 5)


@dataclass(frozen=True)
class DeskSettings:
    receipt_printer: str = ""  # see the module's docstring
    paper: str = "80mm"  # the receipt's paper: 80mm or 58mm roll, or an A5 sheet
    escpos_profile: str = "default"  # python-escpos printer profile (code pages, paper width)
    auto_print: bool = False  # print the receipt after payment, without a dialog
    auto_care_sheet: bool = False  # and the care-advice sheet, when the visit has advice
    sheet_printer: str = ""  # care sheets and A4/A5 pages: "" = the receipt's system printer, or system:NAME
    cash_drawer: bool = False  # a drawer on the ESC/POS printer: opens on a cash payment
    drawer_pin: int = 2  # the drawer's connector pin (2 or 5)
    customer_display: bool = False  # a second window for the client, on a second screen
    display_screen: int = 1  # which screen (0 is the main one)
    branch: str = ""  # the branch this desk is at (its code); "" = the shop's first open branch
    server: str = ""  # the shop's PostgreSQL server, a URL without the password (desk_app.db.server); "" = the file

    @property
    def printer_kind(self) -> str:
        """``none``, ``system`` or ``escpos``."""
        if not self.receipt_printer:
            return "none"
        return "system" if self.receipt_printer.startswith("system:") else "escpos"

    @property
    def system_printer(self) -> str:
        """The system printer's name ("" = the default printer) when the receipt printer is one."""
        return self.receipt_printer[len("system:"):] if self.printer_kind == "system" else ""

    @property
    def sheet_target(self) -> str:
        """Where care sheets print: the chosen sheet printer, else the receipt's system printer;
        "" when this desk has no printer for them (an ESC/POS roll cannot print an A4 sheet)."""
        if self.sheet_printer:
            return self.sheet_printer
        return self.receipt_printer if self.printer_kind == "system" else ""

    @property
    def columns(self) -> int:
        """Characters per line on an ESC/POS roll."""
        return 32 if self.paper == "58mm" else 48


def check(settings: DeskSettings) -> DeskSettings:
    """The settings as given, or ValueError saying what is wrong (in words for the person)."""
    from desk_app.i18n import _

    problems = []
    if settings.paper not in PAPERS:
        problems.append(_("paper: {value} is not one of {choices}").format(value=settings.paper, choices=", ".join(PAPERS)))
    if settings.drawer_pin not in DRAWER_PINS:
        problems.append(_("drawer pin: {value} is not 2 or 5").format(value=settings.drawer_pin))
    if not 0 <= settings.display_screen <= 8:
        problems.append(_("display screen: {value} is not a screen number (0 to 8)").format(value=settings.display_screen))
    for label, address, escpos in ((_("receipt printer"), settings.receipt_printer, True),
                                   (_("sheet printer"), settings.sheet_printer, False)):
        problem = printer_problem(address, escpos_allowed=escpos)
        if problem:
            problems.append(f"{label}: {problem}")
    if settings.printer_kind == "escpos" and settings.paper not in ("80mm", "58mm"):
        problems.append(_("paper: a thermal receipt printer prints on an 80 mm or 58 mm roll"))
    if settings.cash_drawer and settings.printer_kind != "escpos":
        problems.append(_("cash drawer: it opens through an ESC/POS receipt printer; choose one first"))
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", settings.escpos_profile):
        problems.append(_("printer profile: {value} is not a profile name").format(value=repr(settings.escpos_profile)))
    if settings.branch and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}", settings.branch):
        problems.append(_("branch: {value} is not a branch code").format(value=repr(settings.branch)))
    if settings.server:
        problem = server_problem(settings.server)
        if problem:
            problems.append(_("server: {problem}").format(problem=problem))
    if problems:
        raise ValueError("; ".join(problems))
    return settings


def server_problem(saved: str) -> str | None:
    """What is wrong with a saved server address (it never carries the password), or None."""
    from desk_app.db.server import parse_address

    try:
        _address, password = parse_address(saved)
    except ValueError as exc:
        return str(exc)
    from desk_app.i18n import _

    return _("the password is kept in the computer's password store, not here") if password else None


def printer_problem(address: str, escpos_allowed: bool = True) -> str | None:
    """What is wrong with a printer address, or None."""
    from desk_app.i18n import _

    if not address or address.startswith("system:"):
        return None if "\n" not in address else _("a printer name is one line")
    from desk_app.printing.escpos_out import SCHEMES, parse_target

    scheme = address.split(":", 1)[0]
    if not escpos_allowed or scheme not in SCHEMES:
        kinds = "system:NAME" if not escpos_allowed else "system:NAME, tcp://HOST:9100, usb:VID:PID, serial:PORT, cups:QUEUE, win32:NAME, file:DEVICE"
        return _("{address} is not a printer address ({kinds})").format(address=repr(address), kinds=kinds)
    try:
        parse_target(address)
    except ValueError as exc:
        return str(exc)
    return None


def desk_file() -> Path:
    return data_dir() / FILE_NAME


def saved_server() -> str:
    """This desk's saved server ("" = none), read without creating the data folder."""
    return load_desk(data_dir(create=False) / FILE_NAME).server


def load_desk(path: Path | None = None) -> DeskSettings:
    """This desk's settings; defaults for what the file does not say (or when there is none). A
    damaged file is not fatal: the defaults are used and the file is left for the person to see."""
    path = path or desk_file()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DeskSettings()
    except (OSError, ValueError):
        return DeskSettings()
    if not isinstance(raw, dict):
        return DeskSettings()
    known = {f.name: f for f in fields(DeskSettings)}
    values: dict[str, Any] = {}
    defaults = DeskSettings()
    for key, value in raw.items():
        if key in known and isinstance(value, type(getattr(defaults, key))):
            values[key] = value
    try:
        return check(replace(defaults, **values))
    except ValueError:
        return DeskSettings()


def save_desk(settings: DeskSettings, path: Path | None = None) -> DeskSettings:
    """Check and write the settings (atomically: a crash leaves the old file or the new one)."""
    check(settings)
    path = path or desk_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".desk-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(settings), f, indent=2, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return settings
