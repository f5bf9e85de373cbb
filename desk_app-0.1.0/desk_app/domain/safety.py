"""Contraindication rules: which planned services a client's allergies rule out without a recent
negative patch test (docs/safety.md). Pure: the caller reads the rules, the client's texts and
patch tests, and gets back what needs a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from desk_app.i18n import N_, _


class PatchResult(StrEnum):
    NEGATIVE = "negative"  # no reaction: the product may be used
    POSITIVE = "positive"  # a reaction: do not use it

    @property
    def label(self) -> str:
        return _(PATCH_RESULT_LABELS[self])


PATCH_RESULT_LABELS: dict[PatchResult, str] = {
    PatchResult.NEGATIVE: N_("No reaction"),
    PatchResult.POSITIVE: N_("Reaction"),
}


@dataclass(frozen=True)
class Rule:
    id: int
    label: str
    keywords: tuple[str, ...]
    service_ids: frozenset[int]  # the services it covers (its category's, or its one service)
    patch_test_days: int | None  # a negative test this recent allows the service; None: override only


@dataclass(frozen=True)
class PatchTestDay:
    tested_at: datetime  # when (the latest one counts)
    tested_on: date  # its shop day (the rule counts days)
    result: PatchResult
    product: str


@dataclass(frozen=True)
class Hit:
    """One planned service one rule stops: what matched, and what would allow it."""

    rule_id: int
    rule_label: str
    service_id: int
    matched: str  # the keyword found in the client's allergies or contraindications
    patch_test_days: int | None
    last_test: PatchTestDay | None  # the client's latest patch test, if any

    def reason(self) -> str:
        if self.patch_test_days is None:
            return _("Not without an override: the client's record mentions “{word}”.").format(word=self.matched)
        if self.last_test is None:
            return _("Needs a patch test with no reaction in the last {n} days; none is recorded.").format(
                n=self.patch_test_days
            )
        if self.last_test.result == PatchResult.POSITIVE:
            return _("The last patch test ({day}) showed a reaction.").format(day=self.last_test.tested_on)
        return _("Needs a patch test with no reaction in the last {n} days; the last was on {day}.").format(
            n=self.patch_test_days, day=self.last_test.tested_on
        )


def parse_keywords(text: str) -> tuple[str, ...]:
    """"PPD, hair dye；染发" -> ("PPD", "hair dye", "染发"): commas (also Chinese ones) separate."""
    for sep in ("，", "；", ";", "、"):
        text = text.replace(sep, ",")
    return tuple(k.strip() for k in text.split(",") if k.strip())


def check(
    rules: list[Rule],
    service_ids: list[int],
    client_text: str,
    tests: list[PatchTestDay],
    today: date,
) -> list[Hit]:
    """Every (rule, planned service) the client's record rules out today. ``client_text`` is the
    client's allergies and contraindications (profile and this visit's assessment) together."""
    text = client_text.casefold()
    latest = max(tests, key=lambda t: t.tested_at, default=None)
    hits: list[Hit] = []
    for rule in rules:
        matched = next((k for k in rule.keywords if k.casefold() in text), None)
        if matched is None:
            continue
        if rule.patch_test_days is not None and latest is not None:
            fresh = (today - latest.tested_on).days <= rule.patch_test_days
            if fresh and latest.result == PatchResult.NEGATIVE:
                continue
        for sid in dict.fromkeys(service_ids):
            if sid in rule.service_ids:
                hits.append(Hit(rule.id, rule.label, sid, matched, rule.patch_test_days, latest))
    return hits
