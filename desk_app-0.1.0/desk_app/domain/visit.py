"""The guided visit as a state machine (docs/product.md §2).

greeting → needs → service → checkout → rebooking → done, with explicit skips
(a reason is required) and cancellation before payment. Every transition is
saved at once with its timestamp by ``desk_app.visits.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from desk_app.i18n import N_, _


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


class Priority(StrEnum):
    """How urgent the needs assessment says the visit is (the stylist sees it)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return _(PRIORITY_LABELS[self])


# the one word shown for each (N_() marked, translated where shown)
STEP_LABELS: dict[Step, str] = {
    Step.GREETING: N_("Greeting"),
    Step.NEEDS: N_("Needs"),
    Step.SERVICE: N_("Service"),
    Step.CHECKOUT: N_("Checkout"),
    Step.REBOOKING: N_("Rebooking"),
    Step.DONE: N_("Done"),
    Step.CANCELLED: N_("Cancelled"),
}
STATUS_LABELS: dict[VisitStatus, str] = {
    VisitStatus.WAITING: N_("Waiting"),
    VisitStatus.IN_SERVICE: N_("In service"),
    VisitStatus.DONE: N_("Done"),
    VisitStatus.DELAYED: N_("Delayed"),
    VisitStatus.CANCELLED: N_("Cancelled"),
}
PRIORITY_LABELS: dict[Priority, str] = {
    Priority.LOW: N_("Low"),
    Priority.NORMAL: N_("Normal"),
    Priority.HIGH: N_("High"),
    Priority.URGENT: N_("Urgent"),
}


def step_label(step: str) -> str:
    return _(STEP_LABELS[Step(step)]) if step in Step._value2member_map_ else step


def status_label(status: str) -> str:
    return _(STATUS_LABELS[VisitStatus(status)]) if status in VisitStatus._value2member_map_ else status


def priority_label(priority: str) -> str:
    return _(PRIORITY_LABELS[Priority(priority)]) if priority in Priority._value2member_map_ else priority


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
