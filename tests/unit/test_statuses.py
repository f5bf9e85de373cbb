"""Every status and code has one word, written once, and a Chinese one."""

from __future__ import annotations

from enum import StrEnum

import pytest

from desk_app import i18n
from desk_app.domain.aftercare import (
    CallOutcome,
    ChecklistItem,
    Compensation,
    ComplaintCategory,
    ComplaintLevel,
    ComplaintStatus,
    ContactChannel,
    ContactKind,
    FeedbackStatus,
    FollowUpState,
    FollowUpStatus,
    ScoreDimension,
    Severity,
)
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.waitlist import WaitlistStatus

ENUMS: list[type[StrEnum]] = [
    AppointmentStatus,
    WaitlistStatus,
    ComplaintStatus,
    FollowUpStatus,
    FeedbackStatus,
    FollowUpState,
    CallOutcome,
    ScoreDimension,
    ComplaintLevel,
    Severity,
    ComplaintCategory,
    ContactChannel,
    ContactKind,
    Compensation,
    ChecklistItem,
]


def _words(enum: type[StrEnum], attr: str) -> tuple[dict[StrEnum, str], dict[StrEnum, str]]:
    english = {s: getattr(s, attr) for s in enum}
    try:
        i18n.set_language("zh_CN")
        chinese = {s: getattr(s, attr) for s in enum}
    finally:
        i18n.set_language("en")
    assert {s: getattr(s, attr) for s in enum} == english  # the screen's language is back
    return english, chinese


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_each_status_has_a_word_in_both_languages(enum: type[StrEnum]) -> None:
    english, chinese = _words(enum, "label")
    assert all(english.values()) and len(set(english.values())) == len(english)  # no two read the same
    assert all(chinese[s] != english[s] for s in enum), chinese
    assert len(set(chinese.values())) == len(chinese), chinese


def test_the_scores_also_have_a_word_inside_a_sentence() -> None:
    english, chinese = _words(ScoreDimension, "word")
    assert all(w == w.lower() for w in english.values()) and len(set(english.values())) == len(english)
    assert all(chinese[s] != english[s] for s in ScoreDimension), chinese


def test_the_stored_values_do_not_change() -> None:
    """The database keeps these strings (no migration): an enum only names them."""
    assert [s.value for s in WaitlistStatus] == ["waiting", "offered", "booked", "removed"]
    assert [s.value for s in CallOutcome] == ["reached", "no_answer", "call_back", "wrong_number"]
    assert [s.value for s in ScoreDimension] == ["timeliness", "professionalism", "effectiveness", "attitude"]
    assert [s.value for s in ComplaintLevel] == ["general", "special"]
    assert [s.value for s in Severity] == ["low", "medium", "high"]
    assert [s.value for s in ComplaintCategory] == [
        "service",
        "wait",
        "price",
        "attitude",
        "product",
        "other",
    ]
    assert [s.value for s in ContactChannel] == ["phone", "in_person", "message"]
    assert [s.value for s in ContactKind] == ["inquiry", "service_request", "complaint"]
    assert [s.value for s in Compensation] == ["", "refund", "voucher", "discount", "redo"]
    assert [s.value for s in ChecklistItem] == ["greeting", "listen", "confirm", "answer", "anything_else"]
    assert [s.value for s in FollowUpState] == ["due", "overdue", "later", "done"]
