"""The purchasing and stocktake rules (docs/stock.md)."""

from desk_app.domain import stock as st


def test_suggest_quantity_fills_to_twice_the_reorder_level_in_whole_packs() -> None:
    assert st.suggest_quantity(on_hand=2, on_order=0, reorder_level=5) == 8
    assert st.suggest_quantity(on_hand=2, on_order=0, reorder_level=5, pack_qty=6) == 12  # 8 → two packs
    assert st.suggest_quantity(on_hand=2, on_order=3, reorder_level=5) == 5  # what is on its way counts
    assert st.suggest_quantity(on_hand=2, on_order=4, reorder_level=5) == 0  # above the level once it comes
    assert st.suggest_quantity(on_hand=5, on_order=0, reorder_level=5) == 5  # at the level: reorder
    assert st.suggest_quantity(on_hand=-3, on_order=0, reorder_level=2) == 7  # sold past zero
    assert st.suggest_quantity(on_hand=0, on_order=0, reorder_level=0) == 0  # no level: never suggested
    assert st.suggest_quantity(on_hand=9, on_order=0, reorder_level=10, pack_qty=24) == 24  # at least a pack


def test_order_state_is_read_from_the_lines() -> None:
    lines = [st.LineQty(4, 0), st.LineQty(2, 0)]
    assert st.order_state(st.DRAFT, lines) == st.DRAFT
    assert st.order_state(st.SENT, lines) == st.SENT
    assert st.order_state(st.SENT, [st.LineQty(4, 1), st.LineQty(2, 0)]) == st.PARTLY
    assert st.order_state(st.SENT, [st.LineQty(4, 4), st.LineQty(2, 2)]) == st.RECEIVED
    assert st.order_state(st.SENT, [st.LineQty(4, 5)]) == st.RECEIVED  # never "still to come: -1"
    assert st.order_state(st.CANCELLED, [st.LineQty(4, 4)]) == st.CANCELLED
    assert st.LineQty(4, 1).open == 3 and st.LineQty(4, 6).open == 0


def test_count_scope_and_variance() -> None:
    assert st.in_scope("retail", True, True) and not st.in_scope("backbar", True, True)
    assert st.in_scope("backbar", False, True) and not st.in_scope("retail", False, True)
    assert st.in_scope("all", False, True) and st.in_scope("all", True, False)
    assert st.variance(counted=7, expected=9) == -2 and st.variance(9, 7) == 2
