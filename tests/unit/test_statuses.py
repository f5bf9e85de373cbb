"""Every status has one word, written once, and a Chinese one."""

from __future__ import annotations

from enum import StrEnum

import pytest

from desk_app import i18n
from desk_app.domain.aftercare import ComplaintStatus, FeedbackStatus, FollowUpStatus
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.waitlist import WaitlistStatus

ENUMS: list[type[StrEnum]] = [
    AppointmentStatus,
    WaitlistStatus,
    ComplaintStatus,
    FollowUpStatus,
    FeedbackStatus,
]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_each_status_has_a_word_in_both_languages(enum: type[StrEnum]) -> None:
    english = {s: s.label for s in enum}  # type: ignore[attr-defined]
    assert all(english.values()) and len(set(english.values())) == len(english)  # no two read the same
    try:
        i18n.set_language("zh_CN")
        chinese = {s: s.label for s in enum}  # type: ignore[attr-defined]
    finally:
        i18n.set_language("en")
    assert all(chinese[s] != english[s] for s in enum), chinese
    assert {s.label for s in enum} == set(english.values())  # the screen's language is back  # type: ignore[attr-defined]
