"""Finding a client by a surname's reading as a name (issue 22): at the desk's search, headless with
``desk-app clients find``, and for clients saved before the readings were indexed (migration 0033)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from desk_app.cli import run
from desk_app.container import Services
from desk_app.db import migrate
from desk_app.domain.permissions import Actor
from tests.conftest import OWNER_PIN


def _names(services: Services, owner: Actor, q: str) -> list[str]:
    return [h.name for h in services.client_search.search(owner, q, limit=50)]


def test_the_desk_finds_surnames_by_their_reading_as_a_name(services: Services, owner: Actor) -> None:
    for name, phone in (("曾小明", "13811110001"), ("单田芳", "13811110002"), ("尉迟恭", "13811110003"),
                        ("陈小梅", "13811110004"), ("查良镛", "13811110005")):
        services.clients.create(owner, {"name": name, "phone": phone})
    assert _names(services, owner, "zxm") == ["曾小明"]
    assert _names(services, owner, "zeng xiao") == ["曾小明"]
    assert set(_names(services, owner, "cxm")) == {"曾小明", "陈小梅"}  # the everyday reading still finds
    assert _names(services, owner, "stf") == ["单田芳"]
    assert _names(services, owner, "ycg") == ["尉迟恭"]
    assert _names(services, owner, "yuchi") == ["尉迟恭"]
    assert _names(services, owner, "zly") == ["查良镛"]
    # renamed: the old reading's tokens go with the old name
    p = services.clients.get(owner, services.client_search.search(owner, "zxm")[0].id)
    services.clients.update(owner, p.id, p.version, {"name": "曾明"})
    assert _names(services, owner, "zxm") == [] and _names(services, owner, "zm") == ["曾明"]


def test_clients_saved_before_are_indexed_again_by_the_migration(services: Services, owner: Actor) -> None:
    zeng = services.clients.create(owner, {"name": "曾小明", "phone": "13811110001"}).id
    wang = services.clients.create(owner, {"name": "王小明", "phone": "13811110002"}).id
    helene = services.clients.create(owner, {"name": "Hélène Andréa", "phone": "+33612345678"}).id
    migrate.downgrade(services.db, "0032")
    with services.db.engine.begin() as conn:  # as the index was before: the everyday reading only
        conn.execute(text("UPDATE clients SET search_text = 'c000001 曾小明 cengxiaoming cxm ceng xiao ming', "
                          "name_pinyin = 'cengxiaoming', name_initials = 'cxm' WHERE id = :i"), {"i": zeng})
        conn.execute(text("UPDATE clients SET search_text = 'c000003 hélène andréa 33612345678' WHERE id = :i"),
                     {"i": helene})
        before_wang = conn.execute(text("SELECT search_text FROM clients WHERE id = :i"), {"i": wang}).scalar()
    with services.db.engine.connect() as conn:  # the old index: no "zxm" (searched at the old schema)
        assert "zxm" not in conn.execute(text("SELECT search_text FROM clients WHERE id = :i"), {"i": zeng}).scalar()
    migrate.upgrade(services.db)
    assert _names(services, owner, "zxm") == ["曾小明"]
    # SQLite's FTS folds accents itself; PostgreSQL's LIKE needs the plain words in the text
    with services.db.engine.connect() as conn:
        words = conn.execute(text("SELECT search_text FROM clients WHERE id = :i"), {"i": helene}).scalar().split()
    assert {"helene", "andrea", "hélène"} <= set(words)
    with services.db.engine.connect() as conn:
        row = conn.execute(text("SELECT name_pinyin, name_initials, search_text FROM clients WHERE id = :i"),
                           {"i": zeng}).one()
        assert row[0] == "zengxiaoming" and row[1] == "zxm" and "13811110001" in row[2].split()
        assert conn.execute(text("SELECT search_text FROM clients WHERE id = :i"), {"i": wang}).scalar() == before_wang


def test_clients_find_prints_number_name_and_masked_phone(
    services: Services, owner: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = services.clients.create(owner, {"name": "曾小明", "phone": "13811112222"})
    services.clients.create(owner, {"name": "陈小明", "phone": "13833334444"})
    services.db.dispose()
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    monkeypatch.delenv("DESK_APP_OWNER_KEY", raising=False)
    capsys.readouterr()
    assert run(["clients", "find", "zxm", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{a.client_number}\t曾小明\t138****2222"]  # the owner may see phones; a list masks them
    assert run(["clients", "find", "xiaoming", "--db", str(db_path), "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert run(["clients", "find", "qqqq", "--db", str(db_path)]) == 0
    got = capsys.readouterr()
    assert got.out == "" and "qqqq" in got.err
    assert run(["clients", "find", "  ", "--db", str(db_path)]) == 1
    assert "Say what to find" in capsys.readouterr().err
    monkeypatch.setenv("DESK_APP_PIN", "0000")  # a wrong PIN: refused, nothing printed
    assert run(["clients", "find", "zxm", "--db", str(db_path)]) == 1
    assert capsys.readouterr().out == ""
