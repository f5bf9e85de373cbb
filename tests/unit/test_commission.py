"""Commission plans: the rate that applies, tiered bands, and what a plan may not say."""

from __future__ import annotations

import pytest

from desk_app.domain import commission as cm


def test_tiers_are_bands_and_never_lower_the_pay() -> None:
    tiers = cm.parse_tiers([[0, 1000], [1_000_000, 1500], [2_000_000, 2000]])  # 10 % to 10,000, 15 %, 20 %
    assert cm.tiered(500_000, tiers) == 50_000
    assert cm.tiered(1_000_000, tiers) == 100_000
    assert cm.tiered(1_200_000, tiers) == 100_000 + 30_000
    assert cm.tiered(2_500_000, tiers) == 100_000 + 150_000 + 100_000
    pays = [cm.tiered(b, tiers) for b in range(0, 3_000_000, 50_000)]
    assert pays == sorted(pays)  # one more sale never pays less
    assert cm.tiered(-20_000, tiers) == -2_000  # a refund claws back at the first band's rate
    assert cm.tiered(333, cm.parse_tiers([[0, 1250]])) == 42  # 41.625 -> 42, half up, once


def test_the_persons_own_rate_wins_then_the_category_then_everyone() -> None:
    plan = cm.parse_plan({
        "rates": [
            {"staff_id": None, "scope": "service", "category_id": None, "tiers": [[0, 1000]]},
            {"staff_id": None, "scope": "service", "category_id": 7, "tiers": [[0, 1200]]},
            {"staff_id": 3, "scope": "service", "category_id": None, "tiers": [[0, 3000]]},
            {"staff_id": 4, "scope": "service", "category_id": 7, "tiers": [[0, 4000]]},
        ]
    })  # fmt: skip
    bp = lambda s, c: (r.tiers[0].rate_bp if (r := plan.rate_for(s, "service", c)) else None)  # noqa: E731
    assert bp(9, None) == 1000 and bp(9, 7) == 1200
    assert bp(3, 7) == 3000  # their own for every service beats everyone's for the category
    assert bp(4, 7) == 4000 and bp(4, 8) == 1000
    assert bp(None, 7) is None  # a line no one is named on earns no one anything
    assert plan.rate_for(9, "product") is None
    assert cm.parse_plan(plan.to_json()) == plan


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"prepaid_rule": "later"}, "prepaid_rule"),
        ({"rates": [{"scope": "hair", "tiers": [[0, 1]]}]}, "rates[0]"),
        ({"rates": [{"scope": "service", "tiers": []}]}, "rates[0]"),
        ({"rates": [{"scope": "service", "tiers": [[100, 1000]]}]}, "rates[0]"),  # not from 0
        ({"rates": [{"scope": "service", "tiers": [[0, 1000], [0, 2000]]}]}, "rates[0]"),
        ({"rates": [{"scope": "service", "tiers": [[0, 10001]]}]}, "rates[0]"),  # above 100 %
        ({"rates": [{"scope": "product", "category_id": 2, "tiers": [[0, 1]]}]}, "rates[0]"),
        ({"rates": [{"scope": "service", "tiers": [[0, 1]]}, {"scope": "service", "tiers": [[0, 2]]}]}, "rates[1]"),
        ({"rates": [{"scope": "service", "tiers": [[0, True]]}]}, "rates[0]"),
    ],
)
def test_a_plan_that_cannot_be_used_says_where(raw: dict[str, object], field: str) -> None:
    with pytest.raises(cm.PlanError) as exc:
        cm.parse_plan(raw)
    assert exc.value.field == field


def test_a_rate_as_typed_and_back() -> None:
    tiers = cm.parse_rate_text("10; 15 from 8000; 20.5 from 15000.50", "CNY")
    assert tiers == (cm.Tier(0, 1000), cm.Tier(800_000, 1500), cm.Tier(1_500_050, 2050))
    assert cm.rate_text(tiers, "CNY") == "10; 15 from 8000; 20.5 from 15000.5"
    assert cm.parse_rate_text(cm.rate_text(tiers, "CNY"), "CNY") == tiers
    assert cm.parse_rate_text("12.5%", "CNY") == (cm.Tier(0, 1250),)
    assert cm.parse_rate_text("10％；15从8000", "CNY") == (cm.Tier(0, 1000), cm.Tier(800_000, 1500))
    assert cm.parse_rate_text("10; 15 from 8000", "JPY")[1].from_minor == 8000
    assert cm.parse_rate_text("10; 15 from 8,000; 20 from 12,500.50", "CNY")[2].from_minor == 1_250_050
    assert cm.parse_rate_text("10,15 from 8000", "CNY") == (cm.Tier(0, 1000), cm.Tier(800_000, 1500))
    for bad, code in (("", "empty"), ("ten", "number"), ("10; 15", "from"), ("15 from 100", "first"),
                      ("10; 15 from 0", "order"), ("10.123", "decimals"), ("120", "range"), ("-5", "range")):
        with pytest.raises(cm.PlanError) as exc:
            cm.parse_rate_text(bad, "CNY")
        assert exc.value.code == code, bad
