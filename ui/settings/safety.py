"""Settings → Safety: the owner's contraindication rules (docs/safety.md), and the owner key
scripts use (ui/settings/owner_key.py, docs/privacy.md "Who runs a command")."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desk_app.core.service import ValidationError
from desk_app.i18n import _
from desk_app.visits.safety import RuleView
from ui.context import UiContext
from ui.settings.editor import Column, EditorSpec, Field, ItemEditor
from ui.settings.owner_key import OwnerKeyCard


class SafetyPanel(QWidget):
    """The safety rules, with the owner key's card below them."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)
        self.rules = safety_rules_editor(ctx)
        root.addWidget(self.rules, 1)
        self.owner_key = OwnerKeyCard(ctx)
        root.addWidget(self.owner_key)

    def unsaved_changes(self) -> str | None:  # the rule being typed is asked about before leaving
        return self.rules.unsaved_changes()

    def discard_changes(self) -> None:
        self.rules.discard_changes()


def safety_rules_editor(ctx: UiContext) -> ItemEditor:
    safety, catalog = ctx.services.safety, ctx.services.catalog

    def covers_options() -> list[tuple[Any, str]]:
        cats = [(f"cat:{c.id}", _("All of “{name}”").format(name=c.name)) for c in catalog.categories(include_inactive=False)]
        svcs = [(f"svc:{s.id}", s.name) for s in catalog.services(include_inactive=False)]
        return cats + svcs

    def to_data(r: RuleView) -> dict[str, Any]:
        return {
            "label": r.label,
            "keywords": r.keywords,
            "covers": f"cat:{r.category_id}" if r.category_id is not None else f"svc:{r.service_id}",
            "days": "" if r.patch_test_days is None else str(r.patch_test_days),
            "active": True,
        }

    def save(actor: Any, rid: int | None, data: dict[str, Any]) -> Any:
        covers = str(data.get("covers") or "")
        kind, _sep, ident = covers.partition(":")
        days_text = str(data.get("days") or "").strip()
        if days_text and not days_text.isdigit():
            raise ValidationError({"days": _("Write a number of days, or leave it empty.")})
        if rid is not None and not data.get("active", True):
            safety.remove_rule(actor, rid)
            return None
        new_id = safety.save_rule(
            actor,
            rid,
            label=str(data.get("label") or ""),
            keywords=str(data.get("keywords") or ""),
            category_id=int(ident) if kind == "cat" and ident else None,
            service_id=int(ident) if kind == "svc" and ident else None,
            patch_test_days=int(days_text) if days_text else None,
        )
        return next((r for r in safety.rules() if r.id == new_id), None)

    spec = EditorSpec(
        title=_("Safety rules"),
        columns=[
            Column(_("Rule"), lambda r: r.label),
            Column(_("Services"), lambda r: r.covers),
            Column(_("Words in the client's allergies"), lambda r: r.keywords),
            Column(
                _("Patch test"),
                lambda r: _("Override only")
                if r.patch_test_days is None
                else _("Within {n} days").format(n=r.patch_test_days),
            ),
        ],
        fields=[
            Field("label", _("Rule"), placeholder=_("e.g. Hair dye allergy (PPD)")),
            Field(
                "keywords",
                _("Words to look for"),
                placeholder=_("In the client's allergies or contraindications, comma-separated: PPD, 染发"),
            ),
            Field("covers", _("Services it is about"), "choice", covers_options),
            Field(
                "days",
                _("A patch test with no reaction allows it within (days)"),
                placeholder=_("Empty: only with an override and its reason"),
            ),
            Field("active", _("Rule in use (untick to remove it)"), "bool", default=True),
        ],
        load=safety.rules,
        save=save,
        to_data=to_data,
        new_label=_("New rule"),
        empty_hint=_("One rule for each allergy that rules out a service without a patch test: the visit warns when a client's allergies name its words."),
    )
    return ItemEditor(ctx, spec)
