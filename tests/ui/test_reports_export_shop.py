"""Reports › Export CSV › Everything the shop owns (zip)… (issue 22): the owner picks a file, the zip
is written through the runner, and a message says what was written or why not."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor, Role
from desk_app.transfer.export_shop import FILES
from tests.integration.test_aftercare_data import add_staff
from ui.context import UiContext
from ui.reports.screen import ReportsScreen

pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "parseHexColor: Unknown color name '#2F6FDE_dark'"
)


@pytest.fixture
def screen(qtbot, ctx: UiContext) -> ReportsScreen:  # type: ignore[no-untyped-def]
    generate(ctx.services.db, start_month="2026-10", months=1, clients=12, stylists=2, visits_per_day=2, seed=3)
    w = ReportsScreen(ctx)
    qtbot.addWidget(w)
    w.show()
    w.open(month="2026-10")
    return w


def _said(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    infos: list[str] = []
    errors: list[str] = []
    monkeypatch.setattr("ui.reports.screen.show_info", lambda _p, text, *a, **k: infos.append(text))
    monkeypatch.setattr("ui.reports.screen.show_error", lambda _p, exc, *a, **k: errors.append(str(exc)))
    return infos, errors


def test_the_owner_saves_everything_as_one_zip(
    screen: ReportsScreen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def dialog(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(tmp_path / "leaving"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    infos, errors = _said(monkeypatch)
    assert screen.shop_action.isVisible() and screen.csv_btn.isEnabled()
    screen.shop_action.trigger()
    assert asked[0].endswith("shop-export-2026-11-18.zip")  # the day by the shop's clock
    out = tmp_path / "leaving.zip"  # .zip added to a name typed without it
    names = zipfile.ZipFile(out).namelist()
    assert names == [n for n, _h, _r in FILES] + ["README.txt"]
    assert errors == [] and len(infos) == 1
    assert infos[0].startswith(f"Wrote everything the shop owns to {out}:") and "clients.csv: 12 rows" in infos[0]
    assert not screen._busy and not screen.progress.isVisible() and screen.csv_btn.isEnabled()
    assert str(out) in screen.status.text()


def test_a_failure_says_why_and_writes_nothing(
    screen: ReportsScreen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "no-such-folder" / "shop.zip"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(gone), ""))
    infos, errors = _said(monkeypatch)
    screen.export_shop()
    assert infos == [] and errors == [f"The folder {gone.parent} does not exist."]
    assert not gone.parent.exists() and not screen._busy
    assert screen.status.text() == "The export failed: nothing was written."
    # the dialog cancelled: nothing asked of the database, nothing said
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    screen.export_shop()
    assert infos == [] and len(errors) == 1


def test_only_the_owner_has_it(
    qtbot, ctx: UiContext, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """A receptionist the owner let export the monthly files still has no way to every client's data."""
    desk = add_staff(ctx.services.db, owner.branch_id, "Rita", "receptionist", {"export": True, "reports": True})
    assert desk.role == Role.RECEPTIONIST
    ctx.actor = desk
    w = ReportsScreen(ctx)
    qtbot.addWidget(w)
    w.show()
    opened: list[object] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: opened.append(a) or (str(tmp_path / "x.zip"), ""))
    assert w.csv_btn.isEnabled() and not w.shop_action.isVisible()
    w.export_shop()
    assert opened == [] and not (tmp_path / "x.zip").exists()
