"""Client search correctness: name, phone fragment, last four, number, pinyin, mixed input.

The big test fills 100,000 clients with Core bulk inserts (the FTS triggers fill
the index) and checks the service against a brute-force scan of the same tokens.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.clients.search_text import normalize_query
from desk_app.clients.service import bulk_insert_clients
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.models import Client
from desk_app.domain.permissions import Actor

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫斌宇浩凯健俊帆帅旭宁龙林欣晨辰瑶怡佳琪梓涵子轩"
LATIN = ["Tom", "Amy", "Lucy", "Jack", "Emma", "Leo", "Mia", "Noah", "Olivia", "Sam", "Grace", "Ken"]


def synthetic_clients(n: int, seed: int = 7) -> list[dict[str, object]]:
    """``n`` synthetic clients: Chinese names (1 in 10 mixed with an English name), unique phones."""
    rng = random.Random(seed)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    phones = rng.sample(range(10_000_000, 99_999_999), n)
    out: list[dict[str, object]] = []
    for i in range(n):
        if i % 10 == 9:
            name = rng.choice(LATIN) + " " + rng.choice(SURNAMES)
        else:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        at = base + timedelta(minutes=i)
        out.append(
            dict(
                client_number=f"C{900000 + i:06d}",
                name=name,
                phone=f"+861{rng.choice('3456789')}{rng.randint(0, 9)}{phones[i]:08d}",
                created_at=at,
                updated_at=at,
                last_visit_at=at if i % 3 else None,
                source="test",
            )
        )
    return out


def bulk_clients(db: Database, n: int, seed: int = 7) -> None:
    bulk_insert_clients(db, synthetic_clients(n, seed))


def brute(rows: Iterable[tuple[int, str]], query: str) -> set[int]:
    """Every client whose search text has each query token as the start of a word."""
    toks = [" " + t for t in normalize_query(query)]
    return {cid for cid, text in rows if all(t in " " + text for t in toks)}


def _plant(services: Services, owner: Actor) -> dict[str, int]:
    c = services.clients
    return {
        "zhangsan": c.create(owner, {"name": "张三", "phone": "13812345678"}).id,
        "tom": c.create(owner, {"name": "Tom张", "phone": "13900009876"}).id,
        "ouyang": c.create(owner, {"name": "欧阳娜娜", "phone": "+85291234567"}).id,
        "amy": c.create(owner, {"name": "Amy O'Brien", "phone": "15011112222"}).id,
    }


def _ids(services: Services, owner: Actor, q: str, limit: int = 30) -> list[int]:
    return [h.id for h in services.client_search.search(owner, q, limit=limit)]


def _check_planted(services: Services, owner: Actor, ids: dict[str, int], crowded: bool = False) -> None:
    """Each planted client is found by each way of typing it; alone when the shop is small."""
    z, tom, oy, amy = ids["zhangsan"], ids["tom"], ids["ouyang"], ids["amy"]
    big = 200_000

    def found(q: str, cid: int, alone: bool = True) -> None:
        got = _ids(services, owner, q, big)
        assert cid in got, q
        if alone and not crowded:
            assert got == [cid], q

    for q in ("zhangsan", "张三", "zhang san"):
        found(q, z)
    for q in ("zs", "zhangs", "张", "三"):
        found(q, z, alone=False)
    for q in ("5678", "138123", "13812345678", "+86 138-1234-5678", "812345"):
        found(q, z)
    found("1234", z, alone=False)  # also in Ouyang's number
    found("C000001", z)
    found("c000001", z)
    found("tom 张", tom)
    found("Tom张", tom)
    found("zhang tom", tom)
    found("oynn", oy)
    found("ouyangnana", oy)
    found("nana", oy)
    found("欧阳", oy)
    found("91234567", oy)
    found("brien", amy)
    found("amy o'brien", amy)
    assert _ids(services, owner, 'amy "', big) == _ids(services, owner, "amy", big)  # quotes cannot break it
    assert _ids(services, owner, "zzzzqqq") == []


def test_search_small_shop(services: Services, owner: Actor) -> None:
    ids = _plant(services, owner)
    _check_planted(services, owner, ids)
    # empty box: most recent first (created/visited), newest client on top
    recent = _ids(services, owner, "")
    assert recent[0] == ids["amy"] and set(recent) == set(ids.values())


@pytest.mark.slow
def test_search_at_100k_clients_matches_brute_force(services: Services, owner: Actor) -> None:
    bulk_clients(services.db, 100_000)
    ids = _plant(services, owner)
    _check_planted(services, owner, ids, crowded=True)
    with services.db.uow(write=False) as uow:
        rows = [(i, t) for i, t in uow.session.execute(select(Client.id, Client.search_text))]
    assert len(rows) == 100_004
    for q in (
        "zs",
        "wang",
        "wangf",
        "lix",
        "tom",
        "张伟",
        "5678",
        "1391",
        "C9000",
        "900123",
        "emma li",
        "ch",
    ):
        want = brute(rows, q)
        got = set(_ids(services, owner, q, limit=200_000))
        assert got == want, q
        assert want, q  # every query above has answers in the data
    # a limited result is a subset of the answers, at most the limit
    few = _ids(services, owner, "wang", limit=30)
    assert len(few) == 30 and set(few) <= brute(rows, "wang")
    recent = [h.id for h in services.client_search.search(owner, "", limit=5)]
    assert recent[:4] == [ids["amy"], ids["ouyang"], ids["tom"], ids["zhangsan"]]


@pytest.mark.postgres
def test_search_on_postgresql(pg_url: str) -> None:
    from tests.conftest import FakeClock

    db = open_database(pg_url)
    try:
        services = Services(db, clock=FakeClock())
        owner = services.shop.create_shop(
            name="PG Salon", currency="CNY", language="en", owner_name="Mia", owner_pin="1234"
        )
        bulk_clients(db, 3000, seed=3)
        ids = _plant(services, owner)
        _check_planted(services, owner, ids, crowded=True)
        with db.uow(write=False) as uow:
            rows = [(i, t) for i, t in uow.session.execute(select(Client.id, Client.search_text))]
        for q in ("zs", "wang", "5678", "C9001", "tom", "100%", "a_b"):
            assert set(_ids(services, owner, q, limit=100_000)) == brute(rows, q), q
        p = services.clients.get(owner, ids["zhangsan"])
        services.clients.update(owner, p.id, p.version, {"name": "李四"})
        assert _ids(services, owner, "lisi") == [p.id]
        zeng = services.clients.create(owner, {"name": "曾小明", "phone": "13811110001"}).id
        assert zeng in _ids(services, owner, "zxm", limit=100_000)  # the surname's reading as a name
        helene = services.clients.create(owner, {"name": "Hélène Andréa", "phone": "+33612345678"}).id
        assert _ids(services, owner, "helene andrea") == [helene] == _ids(services, owner, "Hélène")
    finally:
        db.dispose()
