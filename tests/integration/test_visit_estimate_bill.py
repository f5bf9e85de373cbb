"""The estimate the client confirms and the bill checkout builds come from one pricing function."""

from __future__ import annotations

import pytest

from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.visits.service import PlanItemIn
from tests.integration import visit_helpers as h


@pytest.mark.parametrize(("tier", "include_tax"), [("", True), ("vip", True), ("vip", False)])
def test_confirmed_estimate_equals_the_bill(
    services: Services, owner: Actor, tier: str, include_tax: bool
) -> None:
    services.settings.set(S.MONEY_PRICES_INCLUDE_TAX, include_tax)
    services.settings.set(S.MONEY_TAX_RATE_SERVICE_BP, 600)
    services.settings.set(S.MONEY_TAX_RATE_PRODUCT_BP, 1300)
    v = services.visits
    cid = h.add_client(services.db, "Agree", tier=tier)
    vid = v.start_walk_in(owner, cid)
    v.greet(owner, vid, cid)
    retail, _stock = h.product(services.db, backbar=False)
    services.consultation.set_plan(
        owner,
        vid,
        [
            PlanItemIn("service", service_id=h.service_id(services.db, "CUT-W")),
            PlanItemIn("product", product_id=retail, quantity=2),
            PlanItemIn("fee", description="Long-hair surcharge", unit_price_minor=3000),
        ],
    )
    est = services.consultation.confirm_plan(owner, vid)
    services.service_log.start_service(owner, vid)
    services.service_log.end_service(owner, vid)  # the planned service, as planned
    bill = services.checkout.build_bill(owner, visit_id=vid)
    assert bill.total_minor == est.total_minor == est.confirmed_minor
    assert (est.member_discount_minor > 0) == (tier == "vip")
