from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain import visit as vd


def test_happy_path_order() -> None:
    step = vd.Step.GREETING
    seen = [step]
    while step != vd.Step.DONE:
        step = vd.advance(step).to_step
        seen.append(step)
    assert seen == list(vd.ORDER)


def test_skip_needs_a_reason_and_respects_required_steps() -> None:
    with pytest.raises(vd.TransitionError):
        vd.skip(vd.Step.NEEDS, "  ")
    with pytest.raises(vd.TransitionError):
        vd.skip(vd.Step.NEEDS, "client in a hurry", frozenset({vd.Step.NEEDS}))
    assert vd.skip(vd.Step.NEEDS, "client in a hurry").to_step == vd.Step.SERVICE


def test_checkout_cannot_be_skipped_and_paid_visits_cannot_be_cancelled() -> None:
    with pytest.raises(vd.TransitionError):
        vd.skip(vd.Step.CHECKOUT, "no")
    with pytest.raises(vd.TransitionError):
        vd.cancel(vd.Step.REBOOKING, "left")
    assert vd.cancel(vd.Step.SERVICE, "client left").to_step == vd.Step.CANCELLED


def test_nothing_follows_done_or_cancelled() -> None:
    for s in (vd.Step.DONE, vd.Step.CANCELLED):
        with pytest.raises(vd.TransitionError):
            vd.advance(s)


@given(st.lists(st.sampled_from(["advance", "skip", "back", "cancel"]), max_size=30))
def test_random_walks_stay_within_the_machine(actions: list[str]) -> None:
    step = vd.Step.GREETING
    for a in actions:
        try:
            if a == "advance":
                step = vd.advance(step).to_step
            elif a == "skip":
                step = vd.skip(step, "reason").to_step
            elif a == "back":
                step = vd.back(step).to_step
            else:
                step = vd.cancel(step, "reason").to_step
        except vd.TransitionError:
            pass
        assert step in vd.Step
    if step == vd.Step.CANCELLED:
        assert not vd.is_open(step)
