"""Issue 22: any export imported. A Windows-1252 file comes in with its accents (into a real SQLite
shop); a row is one client by phone, else e-mail, else WeChat ID; a phone and an e-mail of two
different clients are not guessed at."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desk_app.clients.importer import ImportFileError
from desk_app.container import Services
from desk_app.db.models import AuditEntry, Client, ImportBatch
from desk_app.domain.permissions import Actor
from tests.conftest import OWNER_PIN


def _csv(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _clients(services: Services) -> dict[str, dict[str, Any]]:
    with services.db.uow(write=False) as uow:
        return {
            c.client_number: {
                "name": c.name,
                "phone": c.phone,
                "email": c.email,
                "notes": c.notes,
                "wechat_id": c.wechat_id,
                "phone_digits": c.phone_digits,
                "search_text": c.search_text,
            }
            for c in uow.session.scalars(select(Client).order_by(Client.client_number))
        }


def _batches(services: Services) -> int:
    with services.db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ImportBatch)) or 0)


def test_a_cp1252_file_imports_helene_andrea_exactly(services: Services, owner: Actor, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "export.csv",
        "Name,Phone,Email\nHélène Andréa,13812345678,helene@example.com\n",
        "cp1252",
    )
    assert "H閘鑞e Andr閍" in path.read_bytes().decode("gb18030")  # what the old import saved
    pv = services.importer.preview(path)
    assert pv.encoding == "cp1252" and pv.parsed[0].name == "Hélène Andréa"
    res = services.importer.run(owner, path)
    assert (res.imported, res.rejected_count, res.encoding) == (1, 0, "cp1252")
    assert [c["name"] for c in _clients(services).values()] == ["Hélène Andréa"]
    with services.db.uow(write=False) as uow:
        logged = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
        assert logged.after is not None and logged.after["encoding"] == "cp1252"


def test_a_file_not_in_the_chosen_encoding_writes_nothing(services: Services, owner: Actor, tmp_path: Path) -> None:
    path = _csv(tmp_path, "export.csv", "Name,Phone\nHélène Andréa,13812345678\n", "cp1252")
    with pytest.raises(ImportFileError, match="cannot be read as UTF-8"):
        services.importer.run(owner, path, encoding="utf-8")
    assert _clients(services) == {} and _batches(services) == 0
    res = services.importer.run(owner, path, encoding="latin-1", dry_run=True)  # what staff chose
    assert res.encoding == "latin-1" and res.imported == 1


def test_cli_encoding_is_printed_and_can_be_chosen(
    services: Services, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    from desk_app.cli import run

    path = _csv(tmp_path, "export.csv", "Name,Phone\nHélène Andréa,13812345678\n", "cp1252")
    db_file = str(services.db.sqlite_file)
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = run(["import", "clients", str(path), "--db", db_file, "--encoding", "utf-8"])
    assert code == 1 and "nothing was saved" in err.getvalue() and "cannot be read as UTF-8" in err.getvalue()
    assert _clients(services) == {}
    out = io.StringIO()
    with redirect_stdout(out):
        code = run(["import", "clients", str(path), "--db", db_file, "--dry-run"])
    assert code == 0 and "Encoding: Windows-1252 (detected" in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        code = run(["import", "clients", str(path), "--db", db_file, "--encoding", "windows-1252"])
    assert code == 0 and "Encoding: Windows-1252 (as asked)" in out.getvalue() and "imported 1" in out.getvalue()
    assert [c["name"] for c in _clients(services).values()] == ["Hélène Andréa"]


def test_a_row_without_a_phone_match_merges_by_email_and_rows_share_an_email(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    first = _csv(
        tmp_path,
        "first.csv",
        "Name,Phone,Email\nAnn Lee,13800000001,ann@example.com\nBo Wu,,bo@example.com\n",
    )
    assert services.importer.run(owner, first).imported == 2
    second = _csv(
        tmp_path,
        "second.csv",
        "Name,Phone,Email,Notes,WeChat\n"
        "Ann Lee,13900000009,  ANN@Example.COM ,new mobile,\n"  # another phone, the same e-mail (any case)
        "Bo Wu,13900000002,bo@example.com,,\n"  # Bo had no phone: now he has
        "Cy Ng,13900000003,cy@example.com,first row,\n"
        "Cy N.,,CY@example.com,second row,\n"  # a later row of the file with Cy's e-mail: one client
        "Di Ma,,,,dima88\n"
        "Di M.,,,by wechat,dima88\n",  # the same WeChat ID: one client
    )
    dry = services.importer.run(owner, second, dry_run=True)
    assert (dry.imported, dry.merged, dry.rejected_count) == (2, 4, 0)
    res = services.importer.run(owner, second)
    assert (res.imported, res.merged, res.skipped, res.rejected_count) == (2, 4, 0, 0)
    cs = _clients(services)
    assert len(cs) == 4
    ann = cs["C000001"]
    assert ann["phone"] == "+8613800000001"  # her phone is kept, the other one in her notes
    assert ann["notes"] == "new mobile\nOther phone: +8613900000009"
    bo = cs["C000002"]
    assert bo["phone"] == "+8613900000002" and bo["phone_digits"] == "8613900000002"
    assert "0002" in bo["search_text"]  # found by the end of his phone at the desk
    cy = next(c for c in cs.values() if c["email"] == "cy@example.com")
    assert cy["name"] == "Cy Ng" and cy["notes"] == "first row\nsecond row"
    di = next(c for c in cs.values() if c["wechat_id"] == "dima88")
    assert di["notes"] == "by wechat"
    again = services.importer.run(owner, second)  # everything is found again: nothing added
    assert (again.imported, again.merged, again.rejected_count) == (0, 6, 0)
    assert len(_clients(services)) == 4


def test_a_phone_and_an_email_of_two_different_clients_reject_the_row(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    first = _csv(
        tmp_path,
        "first.csv",
        "Name,Phone,Email\nAnn Lee,13800000001,ann@example.com\nBo Wu,13800000002,bo@example.com\n",
    )
    services.importer.run(owner, first)
    before = _clients(services)
    second = _csv(
        tmp_path,
        "second.csv",
        "Name,Phone,Email,Notes\n"
        "Ann Bo,13800000001,BO@example.com,which one?\n"  # Ann's phone, Bo's e-mail
        "Eve Sun,13800000005,eve@example.com,\n"
        "Eve S.,13800000006,eve@example.com,\n"  # Eve's e-mail (a row above), another phone: Eve
        "Odd One,13800000005,ann@example.com,\n",  # Eve's phone (a row above), Ann's e-mail
    )
    res = services.importer.run(owner, second)
    assert (res.imported, res.merged, res.rejected_count) == (1, 1, 2)
    why = {r.row_no: r for r in res.rejected}
    assert set(why) == {2, 5}
    assert "C000001" in why[2].reason and "C000002" in why[2].reason and "+8613800000001" in why[2].reason
    assert "two different clients" in why[2].reason and why[2].kinds == ("conflict",)
    assert "row 3" in why[5].reason and "C000001" in why[5].reason
    assert why[2].values.startswith("Ann Bo | 13800000001")
    assert res.rejected_by_kind() == {"conflict": 2} and "phone and e-mail" in res.rejected_summary()
    after = _clients(services)
    assert {k: after[k] for k in before} == before  # Ann and Bo untouched
    assert len(after) == 3 and "which one?" not in str(after)


def test_another_phone_is_kept_and_a_shared_email_is_not_guessed(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    """Found by the e-mail, a row with another phone keeps that phone in the client's notes (the
    newcomer walk saw it dropped); an e-mail two clients have finds neither: the row is said, not guessed."""
    c = services.clients
    ann = c.create(owner, {"name": "Ann Lee", "phone": "13800000001", "email": "ann@example.com"})
    c.create(owner, {"name": "Bo Wu", "phone": "13800000002", "email": "family@example.com"})
    c.create(owner, {"name": "Cy Wu", "phone": "13800000003", "email": "FAMILY@example.com"})
    path = _csv(tmp_path, "more.csv", "Name,Phone,Email\nAnn Lee,13900000009,ann@example.com\n"
                                      "Wu,13700000007,family@example.com\n")
    res = services.importer.run(owner, path)
    assert (res.imported, res.merged) == (0, 1)
    [why] = res.rejected
    assert why.row_no == 3 and "family@example.com" in why.reason and "C000002" in why.reason and "C000003" in why.reason
    p = c.get(owner, ann.id)
    assert p.phone.replace(" ", "").endswith("13800000001") and "Other phone: +8613900000009" in p.notes
    assert services.importer.run(owner, path).merged == 1 and c.get(owner, ann.id).notes.count("Other phone") == 1


def test_the_rows_that_join_clients_are_named(services: Services, owner: Actor, tmp_path: Path) -> None:
    """Which row joined which client, and found by what (the walk saw only a total of merges)."""
    c = services.clients
    c.create(owner, {"name": "Ann Lee", "phone": "13800000001"})
    c.create(owner, {"name": "Bo Wu", "phone": "13800000002", "email": "bo@example.com"})
    path = _csv(tmp_path, "j.csv", "Name,Phone,Email\nNew Ng,13900000003,\nAnn L,13800000001,\nBo,,BO@example.com\n")
    dry = services.importer.run(owner, path, dry_run=True)
    assert dry.joined == [(3, "Ann L", "C000001", "phone"), (4, "Bo", "C000002", "email")]
    assert dry.joined_lines() == ["Row 3, Ann L: into C000001 (same phone)", "Row 4, Bo: into C000002 (same e-mail)"]
    assert services.importer.run(owner, path).joined == dry.joined
