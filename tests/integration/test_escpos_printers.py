"""ESC/POS receipts through python-escpos's public API: every kind of printer address, the bytes
a Chinese and a Western receipt send (byte for byte, to python-escpos's Dummy and to a real TCP
printer on loopback), the yuan sign, the cash drawer, and the headless command."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.printer import Dummy

from desk_app.checkout.views import SaleView
from desk_app.cli import run as cli_run
from desk_app.printing.escpos_out import (
    PrinterUnavailable,
    open_drawer,
    open_printer,
    parse_target,
    print_receipt_escpos,
)
from desk_app.printing.receipt import receipt_fmt
from tests.conftest import OWNER_PIN
from tests.integration.test_printing_receipts import sale  # noqa: F401 - the fixture

INIT, CUT = b"\x1b@", b"\x1bd\x06\x1dV\x00"  # ESC @; feed 6 lines, GS V 0 (full cut)


class LoopbackPrinter:
    """A network receipt printer on 127.0.0.1: it keeps every byte each connection sends."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                self.jobs.append(data)

    def wait_jobs(self, n: int, timeout: float = 10) -> list[bytes]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.jobs) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.jobs

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def loopback() -> Iterator[LoopbackPrinter]:
    p = LoopbackPrinter()
    yield p
    p.close()


def test_every_kind_of_address_opens_its_python_escpos_printer() -> None:
    from escpos import printer

    kinds = {
        "tcp://127.0.0.1:9100": printer.Network,
        "usb:0x0416:0x5011": printer.Usb,
        "serial:/dev/ttyUSB0?baudrate=19200": printer.Serial,
        "cups:Receipts": printer.CupsPrinter if printer.CupsPrinter.is_usable() else printer.LP,
        "file:/dev/usb/lp0": printer.File,
    }
    for address, cls in kinds.items():
        made = open_printer(address, "TM-T88V")  # nothing is opened yet
        assert isinstance(made, cls), address
        assert made.profile.profile_data["name"] == "TM-T88V"
    if printer.Win32Raw.is_usable():
        assert isinstance(open_printer("win32:POS-80 Printer"), printer.Win32Raw)
    else:  # not Windows: said, not a crash
        with pytest.raises(PrinterUnavailable, match="only on Windows"):
            open_printer("win32:POS-80 Printer")
    assert parse_target("serial:COM3").device == "COM3"
    assert parse_target("usb:0416:5011").vendor == 0x0416
    for bad in ("", "tcp://", "usb:zz:1", "lpt1", "serial:/dev/ttyS0?baudrate=7", "tcp://h:70000"):
        with pytest.raises(ValueError):
            parse_target(bad)


def test_a_chinese_receipt_is_gb18030_with_the_full_width_yuan(sale: SaleView) -> None:  # noqa: F811
    printer = Dummy()
    print_receipt_escpos(sale, printer, receipt_fmt(sale, "zh_CN"), 48)
    out = printer.output
    assert out.startswith(INIT) and out.endswith(CUT)
    body = out[len(INIT):-len(CUT)]
    text = body.decode("gb18030")
    assert "发根补染" in text and "合计" in text and sale.receipt_no in text
    assert "￥" in text and "¥" not in text  # U+FFE5: two bytes, A3 A4
    assert "￥".encode("gb18030") == b"\xa3\xa4" and b"\xa3\xa4" in body
    assert b"\x81\x30\x84\x36" not in body  # U+00A5 would be these four bytes


def test_an_english_receipt_writes_latin_names_in_the_profiles_code_page(sale: SaleView) -> None:  # noqa: F811
    from dataclasses import replace

    western = replace(sale, client_name="Hélène Andréa",
                      lines=[replace(ln, name_en="Root colour", staff_name="Zoë") for ln in sale.lines])
    printer = Dummy(profile="TM-T88V")
    print_receipt_escpos(western, printer, receipt_fmt(western, "en"), 48)
    out = printer.output
    assert "Zoë".encode("gb18030") not in out  # not sent as Chinese bytes
    assert b"\x1bt" in out  # a code page was chosen (ESC t n) ...
    assert b"Zo\x89" in out or b"Zo\xeb" in out  # ... and ë is its byte there (CP437/CP858 0x89, CP1252 0xEB)


def test_the_loopback_printer_gets_exactly_what_the_dummy_gets(
    sale: SaleView, loopback: LoopbackPrinter  # noqa: F811
) -> None:
    fmt = receipt_fmt(sale, "zh_CN")
    dummy = Dummy()
    print_receipt_escpos(sale, dummy, fmt, 32)
    print_receipt_escpos(sale, open_printer(f"tcp://127.0.0.1:{loopback.port}"), fmt, 32)
    assert loopback.wait_jobs(1)[0] == dummy.output


def test_the_cash_drawer_is_kicked_through_the_printer(loopback: LoopbackPrinter) -> None:
    dummy = Dummy()
    open_drawer(dummy, 2)
    assert dummy.output == b"\x1bp\x00\x32\x32"  # ESC p 0 50 50: pin 2, 100 ms on and off
    open_drawer(open_printer(f"tcp://127.0.0.1:{loopback.port}"), 5)
    assert loopback.wait_jobs(1)[0] == b"\x1bp\x01\x32\x32"  # ESC p 1: pin 5


def test_headless_receipt_to_an_escpos_printer(
    sale: SaleView, db_path: Path, loopback: LoopbackPrinter, capsys: pytest.CaptureFixture[str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    args = ["receipt", "--db", str(db_path), "--sale", sale.receipt_no, "--escpos", f"tcp://127.0.0.1:{loopback.port}",
            "--lang", "zh_CN"]
    assert cli_run(args) == 0
    job = loopback.wait_jobs(1)[0]
    assert "合计".encode("gb18030") in job and sale.receipt_no.encode() in job
    assert "sent to tcp://127.0.0.1" in capsys.readouterr().out
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nobody listens there
    assert cli_run([*args[:-4], "--escpos", f"tcp://127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "printer" in err.lower()
    assert cli_run([*args[:-4], "--escpos", "lpt1"]) == 2
    assert "not a receipt printer address" in capsys.readouterr().err
    assert cli_run([*args, "--profile", "FOO"]) == 2  # the model, not the printer, is wrong
    assert "'FOO' is not a printer model" in capsys.readouterr().err


def test_an_english_receipt_for_a_chinese_named_client_still_sends_the_full_width_yuan(
    sale: SaleView,  # noqa: F811 - 王芳, and the shop prints in English
) -> None:
    printer = Dummy()
    print_receipt_escpos(sale, printer, receipt_fmt(sale, "en"), 48)
    out = printer.output
    assert "王芳".encode("gb18030") in out  # the whole text went out as GB18030 ...
    assert b"\x81\x30\x84\x36" not in out and "￥".encode("gb18030") in out  # ... so the yuan is ￥


def test_the_thermal_receipt_says_what_the_paper_receipt_says(sale: SaleView) -> None:  # noqa: F811
    from desk_app.printing.escpos_out import receipt_text

    fmt = receipt_fmt(sale, "zh_CN")
    text = receipt_text(sale, fmt, 48)
    for needle in ("收银员", sale.cashier_name, "顾客", "王芳", "小计", "合计", "实收", "找零", "会员状态",
                   "退换政策", sale.shop.return_policy_zh[:8], "储值余额"):
        assert needle in text, needle
    narrow = receipt_text(sale, fmt, 32)
    assert max(sum(2 if ord(c) > 0x7F else 1 for c in line) for line in narrow.splitlines()) <= 32
