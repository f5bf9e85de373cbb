"""The guided visit as a state machine (docs/product.md §2).

greeting → needs → service → checkout → rebooking → done, with explicit skips
(a reason is required) and cancellation before payment. Every transition is
saved at once with its timestamp by ``desk_app.visits.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    GREETING = "greeting"
    NEEDS = "needs"
    SERVICE = "service"
    CHECKOUT = "checkout"
    REBOOKING = "rebooking"
    DONE = "done"
    CANCELLED = "cancelled"


ORDER: tuple[Step, ...] = (
    Step.GREETING,
    Step.NEEDS,
    Step.SERVICE,
    Step.CHECKOUT,
    Step.REBOOKING,
    Step.DONE,
)

GUIDED_STEPS: tuple[Step, ...] = ORDER[:5]


class VisitStatus(StrEnum):
    WAITING = "waiting"
    IN_SERVICE = "in_service"
    DONE = "done"
    DELAYED = "delayed"
    CANCELLED = "cancelled"


# the visit timestamp column each step's completion fills
STEP_TIMESTAMP: dict[Step, str] = {
    Step.GREETING: "greeted_at",
    Step.NEEDS: "assessed_at",
    Step.SERVICE: "service_ended_at",
    Step.CHECKOUT: "paid_at",
    Step.REBOOKING: "rebooked_at",
}


class TransitionError(ValueError):
    """A step change the visit rules do not allow."""


@dataclass(frozen=True)
class Transition:
    from_step: Step
    to_step: Step
    action: str  # advance | skip | cancel | back


def next_step(step: Step) -> Step:
    if step in (Step.DONE, Step.CANCELLED):
        raise TransitionError(f"a visit that is {step} has no next step")
    return ORDER[ORDER.index(step) + 1]


def advance(step: Step) -> Transition:
    return Transition(step, next_step(step), "advance")


def skip(step: Step, reason: str, required: frozenset[Step] = frozenset()) -> Transition:
    if not reason.strip():
        raise TransitionError("skipping a step needs a reason")
    if step in required:
        raise TransitionError(f"the shop requires the {step} step; it cannot be skipped")
    if step == Step.CHECKOUT:
        raise TransitionError("checkout cannot be skipped; cancel the visit instead")
    return Transition(step, next_step(step), "skip")


def cancel(step: Step, reason: str) -> Transition:
    if not reason.strip():
        raise TransitionError("cancelling a visit needs a reason")
    if step in (Step.REBOOKING, Step.DONE, Step.CANCELLED):
        raise TransitionError("a paid or finished visit cannot be cancelled; refund it instead")
    return Transition(step, Step.CANCELLED, "cancel")


def back(step: Step) -> Transition:
    """Go back one step (e.g. to change the plan) before payment."""
    if step not in (Step.NEEDS, Step.SERVICE, Step.CHECKOUT):
        raise TransitionError(f"cannot go back from {step}")
    return Transition(step, ORDER[ORDER.index(step) - 1], "back")


def is_open(step: Step | str) -> bool:
    return Step(step) not in (Step.DONE, Step.CANCELLED)
