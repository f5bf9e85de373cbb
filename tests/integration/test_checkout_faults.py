"""Faults: kill -9 in the middle of committing sales; refunds never exceed what was paid."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import Sale
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from tests.integration.test_checkout_support import new_client, product

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import random, sys
from desk_app.bootstrap import open_database
from desk_app.domain.permissions import Actor, Role
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
db = open_database(sys.argv[1], run_migrations=False)
sv = Services(db)
owner = Actor(staff_id=int(sys.argv[2]), name="o", role=Role.OWNER, branch_id=int(sys.argv[3]))
client = int(sys.argv[4])
rnd = random.Random(int(sys.argv[5]))
co = sv.checkout
products = [h.id for h in co.search_products("")]
print("ready", flush=True)
paid = []
while True:
    b = co.build_bill(owner, client_id=client if rnd.random() < 0.7 else None)
    for _ in range(rnd.randint(1, 4)):
        b = co.add_product(b, rnd.choice(products), rnd.randint(1, 2))
    if rnd.random() < 0.3:
        b = co.add_tip(b, owner.staff_id, rnd.randint(1, 5000))
    if b.client_id and rnd.random() < 0.2:
        b = co.add_topup(b, rnd.randint(100, 20000))
        pays = [PaymentIn("card", b.total_minor)]
    elif b.client_id and sv.payments.prepaid_balance(client) > 0 and rnd.random() < 0.5:
        part = min(sv.payments.prepaid_balance(client), b.total_minor)
        pays = [PaymentIn("prepaid", part)] + ([PaymentIn("cash", b.total_minor - part)] if b.total_minor > part else [])
    else:
        pays = [PaymentIn("cash", b.total_minor, tendered_minor=b.total_minor + 100)]
    paid.append(sv.payments.pay(owner, b, pays).sale_id)
    if rnd.random() < 0.2:
        try:
            sv.payments.refund(owner, rnd.choice(paid), None, "fault test")
        except Exception:
            pass
"""


def test_kill_9_while_committing_sales_leaves_whole_sales(
    services: Services, owner: Actor, db_path: Path
) -> None:
    cid = new_client(services.db)
    b = services.checkout.add_topup(services.checkout.build_bill(owner, client_id=cid), 50000)
    services.payments.pay(owner, b, [PaymentIn("card", 50000)])
    services.db.dispose()
    rnd = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    counts = []
    for round_no in range(4):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(db_path),
                str(owner.staff_id),
                str(owner.branch_id),
                str(cid),
                str(round_no),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else b""
        time.sleep(rnd.uniform(0.3, 1.2))  # let it commit for a random while, then pull the plug
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        db = open_database(str(db_path), run_migrations=False)
        try:
            assert check_invariants(db) == []
            with db.uow(write=False) as uow:
                counts.append(uow.session.scalar(select(func.count()).select_from(Sale)))
        finally:
            db.dispose()
    assert counts[-1] > counts[0] > 1  # the loop really committed sales between kills


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.integers(0, 3), max_size=4), min_size=1, max_size=5), st.booleans())
def test_refunds_never_exceed_what_was_paid(
    services: Services, owner: Actor, requests: list[list[int]], use_void: bool
) -> None:
    co = services.checkout
    cid = new_client(services.db)
    b = co.add_topup(co.build_bill(owner, client_id=cid), 3000)
    services.payments.pay(owner, b, [PaymentIn("card", 3000)])
    b = co.build_bill(owner, client_id=cid)
    for sku in ("SH-COL-250", "OIL-50", "CUT-OIL"):
        b = co.add_product(b, product(services.db, sku)[0])
    b = co.add_tip(b, owner.staff_id, 1000)
    sale = services.payments.pay(owner, b, [PaymentIn("prepaid", 3000), PaymentIn("cash", b.total_minor - 3000)])
    view = services.payments.get_sale(sale.sale_id)
    ids = [ln.id for ln in view.lines]
    refunded = 0
    for req in requests:
        chosen = sorted({ids[i] for i in req}) or None
        try:
            r = services.payments.refund(owner, sale.sale_id, chosen, "prop")
            refunded += -r.total_minor
        except ValidationError:
            pass
        assert refunded <= sale.total_minor
    if use_void:
        try:
            refunded += -services.payments.void(owner, sale.sale_id, "prop void").total_minor
        except ValidationError:
            pass
    assert refunded <= sale.total_minor
    assert services.payments.get_sale(sale.sale_id).refundable_minor == sale.total_minor - refunded >= 0
    assert services.payments.prepaid_balance(cid) <= 3000
    assert check_invariants(services.db) == []
