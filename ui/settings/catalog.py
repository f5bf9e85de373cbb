"""Settings tabs for the catalog: categories, services, products, packages, chairs/rooms, questions."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.catalog.service import (
    ANSWER_TYPES,
    CONSULTATION_KINDS,
    RESOURCE_KINDS,
    CategoryItem,
    PackageItem,
    ProductItem,
    QuestionItem,
    ResourceItem,
    RewardItem,
    ServiceItem,
)
from desk_app.i18n import _, format_duration_minutes, format_money, format_number
from desk_app.stock.service import SupplierItem
from ui.context import UiContext
from ui.settings.editor import Column, EditorSpec, Field, ItemEditor
from ui.shared.unsaved import may_leave


def _yes(b: bool) -> str:
    return "✓ " + _("Active") if b else "✕ " + _("Off")


def _opts(d: dict[str, str]) -> list[tuple[Any, str]]:
    return [(k, _(v)) for k, v in d.items()]


def categories_editor(ctx: UiContext) -> ItemEditor:
    cat = ctx.services.catalog

    def to_data(c: CategoryItem) -> dict[str, Any]:
        return {
            "code": c.code,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "consultation_kind": c.consultation_kind,
            "sort": c.sort,
            "active": c.active,
        }

    spec = EditorSpec(
        title=_("Service categories"),
        columns=[
            Column(_("Category"), lambda c: c.name),
            Column(_("Form"), lambda c: _(CONSULTATION_KINDS.get(c.consultation_kind, c.consultation_kind))),
            Column(_("Status"), lambda c: _yes(c.active)),
        ],
        fields=[
            Field("name_zh", _("Name (Chinese)")),
            Field("name_en", _("Name (English)")),
            Field("code", _("Code"), placeholder=_("e.g. hair_colour")),
            Field(
                "consultation_kind",
                _("Consultation form"),
                "choice",
                lambda: _opts(CONSULTATION_KINDS),
                default="generic",
            ),
            Field("sort", _("Position"), "int", default=0),
            Field("active", _("Active"), "bool", default=True),
        ],
        load=lambda: cat.categories(include_inactive=True),
        save=cat.save_category,
        to_data=to_data,
        new_label=_("New category"),
    )
    return ItemEditor(ctx, spec)


def services_editor(ctx: UiContext) -> ItemEditor:
    cat = ctx.services.catalog
    res_opts = [("", _("None"))] + _opts(RESOURCE_KINDS)

    def to_data(s: ServiceItem) -> dict[str, Any]:
        return {
            "category_id": s.category_id,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "code": s.code,
            "price_minor": str(s.price),
            "duration_min": s.duration_min,
            "buffer_min": s.buffer_min,
            "return_interval_days": s.return_interval_days,
            "care_advice_zh": s.care_advice_zh,
            "care_advice_en": s.care_advice_en,
            "resource_kind": s.resource_kind,
            "sort": s.sort,
            "active": s.active,
        }

    spec = EditorSpec(
        title=_("Services"),
        columns=[
            Column(_("Service"), lambda s: s.name),
            Column(_("Category"), lambda s: s.category_name),
            Column(_("Price"), lambda s: format_money(s.price)),
            Column(_("Duration"), lambda s: format_duration_minutes(s.duration_min)),
            Column(_("Status"), lambda s: _yes(s.active)),
        ],
        fields=[
            Field(
                "category_id",
                _("Category"),
                "choice",
                lambda: [(c.id, c.name) for c in cat.categories(include_inactive=False)],
            ),
            Field("name_zh", _("Name (Chinese)")),
            Field("name_en", _("Name (English)")),
            Field("price_minor", _("Price"), "money", placeholder=_("e.g. 128 or 128.50")),
            Field("duration_min", _("Duration (minutes)"), "int", default=60),
            Field("buffer_min", _("Clean-up after (minutes)"), "int", default=0),
            Field("return_interval_days", _("Suggest the next visit after (days)"), "int", default=42),
            Field("resource_kind", _("Needs a"), "choice", lambda: res_opts, default=""),
            Field("care_advice_zh", _("Care advice (Chinese)"), "long"),
            Field("care_advice_en", _("Care advice (English)"), "long"),
            Field("code", _("Code"), placeholder=_("optional")),
            Field("sort", _("Position"), "int", default=0),
            Field("active", _("Offered (shown on the menu)"), "bool", default=True),
        ],
        load=lambda: cat.services(include_inactive=True),
        save=cat.save_service,
        to_data=to_data,
        new_label=_("New service"),
    )
    return ItemEditor(ctx, spec)


def products_editor(ctx: UiContext) -> ItemEditor:
    cat = ctx.services.catalog

    def to_data(p: ProductItem) -> dict[str, Any]:
        return {
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "brand": p.brand,
            "sku": p.sku,
            "barcode": p.barcode,
            "price_minor": str(p.price),
            "cost_minor": str(p.cost),
            "stock_qty": p.stock_qty,
            "unit": p.unit,
            "reorder_level": p.reorder_level,
            "supplier_id": str(p.supplier_id) if p.supplier_id is not None else "",
            "pack_qty": p.pack_qty,
            "usage_advice_zh": p.usage_advice_zh,
            "usage_advice_en": p.usage_advice_en,
            "is_retail": p.is_retail,
            "is_backbar": p.is_backbar,
            "active": p.active,
        }

    def stock(p: ProductItem) -> str:
        return (f"! {p.stock_qty} " + _("(reorder)")) if p.low_stock else str(p.stock_qty)

    spec = EditorSpec(
        title=_("Products"),
        columns=[
            Column(_("Product"), lambda p: p.name),
            Column(_("SKU"), lambda p: p.sku),
            Column(_("Price"), lambda p: format_money(p.price)),
            Column(_("Stock"), stock),
            Column(_("Status"), lambda p: _yes(p.active)),
        ],
        fields=[
            Field("name_zh", _("Name (Chinese)")),
            Field("name_en", _("Name (English)")),
            Field("brand", _("Brand")),
            Field("sku", _("SKU")),
            Field("barcode", _("Barcode"), placeholder=_("scan or type the digits")),
            Field("price_minor", _("Price"), "money"),
            Field("cost_minor", _("Cost"), "money", default="0"),
            Field("stock_qty", _("In stock"), "int", default=0),
            Field("unit", _("Unit"), default="pc"),
            Field("reorder_level", _("Reorder at"), "int", default=0),
            Field("supplier_id", _("Usual supplier"), "choice", cat.supplier_choices, default=""),
            Field("pack_qty", _("Ordered in packs of"), "int", default=1),
            Field("usage_advice_zh", _("How to use (Chinese)"), "long"),
            Field("usage_advice_en", _("How to use (English)"), "long"),
            Field("is_retail", _("For sale to clients"), "bool", default=True),
            Field("is_backbar", _("Used in the salon (back bar)"), "bool", default=False),
            Field("active", _("Active"), "bool", default=True),
        ],
        load=lambda: cat.products(include_inactive=True),
        save=cat.save_product,
        to_data=to_data,
        new_label=_("New product"),
        empty_hint=_("Changing “In stock” here records a stock adjustment with your name."),
    )
    return ItemEditor(ctx, spec)


def suppliers_editor(ctx: UiContext) -> ItemEditor:
    """Who the shop orders from (docs/stock.md): a product's usual supplier is chosen under Products."""
    stock = ctx.services.stock

    def to_data(x: SupplierItem) -> dict[str, Any]:
        return {"name": x.name, "contact": x.contact, "phone": x.phone, "email": x.email, "note": x.note,
                "active": x.active}

    spec = EditorSpec(
        title=_("Suppliers"),
        columns=[
            Column(_("Supplier"), lambda x: x.name),
            Column(_("Contact"), lambda x: " · ".join(v for v in (x.contact, x.phone) if v)),
            Column(_("Status"), lambda x: _("Ordered from") if x.active else _("Retired")),
        ],
        fields=[
            Field("name", _("Supplier name"), placeholder=_("As on their invoices")),
            Field("contact", _("Contact person")),
            Field("phone", _("Phone")),
            Field("email", _("Email")),
            Field("note", _("Note"), "long", placeholder=_("e.g. account number, delivery days, minimum order")),
            Field("active", _("Still ordered from (untick to retire)"), "bool", default=True),
        ],
        load=lambda: stock.suppliers(include_inactive=True),
        save=stock.save_supplier,
        to_data=to_data,
        new_label=_("New supplier"),
        empty_hint=_("Give each product its usual supplier under Products: the Stock screen drafts an order per supplier."),
    )
    return ItemEditor(ctx, spec)


def packages_editor(ctx: UiContext) -> ItemEditor:
    cat = ctx.services.catalog

    def to_data(p: PackageItem) -> dict[str, Any]:
        return {
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "service_id": p.service_id,
            "sessions": p.sessions,
            "price_minor": str(p.price),
            "valid_days": p.valid_days,
            "active": p.active,
        }

    spec = EditorSpec(
        title=_("Packages"),
        columns=[
            Column(_("Package"), lambda p: p.name),
            Column(_("Service"), lambda p: p.service_name),
            Column(_("Sessions"), lambda p: str(p.sessions)),
            Column(_("Price"), lambda p: format_money(p.price)),
            Column(_("Status"), lambda p: _yes(p.active)),
        ],
        fields=[
            Field("name_zh", _("Name (Chinese)")),
            Field("name_en", _("Name (English)")),
            Field("service_id", _("Service"), "choice", lambda: [(s.id, s.name) for s in cat.services()]),
            Field("sessions", _("Sessions"), "int", default=10),
            Field("price_minor", _("Price"), "money"),
            Field("valid_days", _("Valid for (days)"), "int", default=365),
            Field("active", _("On sale"), "bool", default=True),
        ],
        load=lambda: cat.packages(include_inactive=True),
        save=cat.save_package,
        to_data=to_data,
        new_label=_("New package"),
    )
    return ItemEditor(ctx, spec)


def rewards_editor(ctx: UiContext) -> ItemEditor:
    """Rewards for loyalty points (docs/loyalty.md): a service or product the client's points make free."""
    cat = ctx.services.catalog

    def to_data(r: RewardItem) -> dict[str, Any]:
        return {"item": r.key, "points": r.points, "active": r.active}

    spec = EditorSpec(
        title=_("Rewards for points"),
        columns=[
            Column(_("Reward"), lambda r: r.name),
            Column(_("Kind"), lambda r: _("Service") if r.kind == "service" else _("Product")),
            Column(_("Points"), lambda r: format_number(r.points)),
            Column(_("Price now"), lambda r: format_money(r.price)),
            Column(_("Same points pay"), lambda r: format_money(r.worth)),
            Column(_("Status"), lambda r: _("On offer") if r.active else _("Retired")),
        ],
        fields=[
            Field("item", _("Service or product"), "choice", cat.reward_choices),
            Field("points", _("Points it takes"), "int", placeholder=_("e.g. 3400")),
            Field("active", _("Offered at the desk"), "bool", default=True),
        ],
        load=lambda: cat.rewards(include_inactive=True),
        save=cat.save_reward,
        to_data=to_data,
        new_label=_("New reward"),
    )
    return ItemEditor(ctx, spec)


def resources_editor(ctx: UiContext) -> ItemEditor:
    cat = ctx.services.catalog

    def to_data(r: ResourceItem) -> dict[str, Any]:
        return {"name": r.name, "kind": r.kind, "active": r.active}

    spec = EditorSpec(
        title=_("Chairs and rooms"),
        columns=[
            Column(_("Name"), lambda r: r.name),
            Column(_("Kind"), lambda r: _(RESOURCE_KINDS.get(r.kind, r.kind))),
            Column(_("Status"), lambda r: _yes(r.active)),
        ],
        fields=[
            Field("name", _("Name"), placeholder=_("e.g. Chair 5, Room C")),
            Field("kind", _("Kind"), "choice", lambda: _opts(RESOURCE_KINDS), default="chair"),
            Field("active", _("In use"), "bool", default=True),
        ],
        # this desk's branch's (new ones are made there: CatalogService.save_resource)
        load=lambda: cat.resources(include_inactive=True, branch_id=ctx.actor.branch_id if ctx.actor else None),
        save=cat.save_resource,
        to_data=to_data,
        new_label=_("New chair or room"),
    )
    return ItemEditor(ctx, spec)


def choices_text(choices: tuple[dict[str, str], ...]) -> str:
    return "\n".join(f"{c.get('zh', '')} / {c.get('en', '')}" for c in choices)


def parse_choices(text: str, old: tuple[dict[str, str], ...] = ()) -> list[dict[str, str]]:
    """One choice per line, "中文 / English"; keeps the codes of unchanged lines."""
    out = []
    for i, line in enumerate(x for x in text.splitlines() if x.strip()):
        zh, _sep, en = line.partition("/")
        key = old[i]["key"] if i < len(old) else ""
        out.append({"key": key, "zh": zh.strip(), "en": en.strip()})
    return out


class QuestionsEditor(QWidget):
    """Consultation questions, one form (hair, skin, nails, general) at a time."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        cat = ctx.services.catalog
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Form")))
        self.kind = QComboBox()
        self.kind.setMinimumHeight(40)
        for k, label in CONSULTATION_KINDS.items():
            self.kind.addItem(_(label), k)
        row.addWidget(self.kind)
        row.addStretch()
        lay.addLayout(row)
        # the form on show, kept as a plain value: the list is read on a worker, never from the combo
        self._kind = str(self.kind.currentData())

        def load() -> list[QuestionItem]:
            return cat.questions(self._kind, include_inactive=True)

        def to_data(q: QuestionItem) -> dict[str, Any]:
            return {
                "label_zh": q.label_zh,
                "label_en": q.label_en,
                "key": q.key,
                "answer_type": q.answer_type,
                "choices": choices_text(q.choices),
                "required": q.required,
                "sort": q.sort,
                "active": q.active,
            }

        def prepare(qid: int | None, data: dict[str, Any]) -> dict[str, Any]:
            """On the GUI thread: the form's kind and the choices' codes, before the worker saves."""
            old = next((q.choices for q in self.editor.items if q.id == qid), ())
            return {**data, "kind": self._kind, "choices": parse_choices(data["choices"], old)}

        def save(actor: Any, qid: int | None, data: dict[str, Any]) -> QuestionItem:
            return cat.save_question(actor, qid, data)

        spec = EditorSpec(
            title=_("Consultation questions"),
            columns=[
                Column(_("Question"), lambda q: q.label),
                Column(_("Answer"), lambda q: _(ANSWER_TYPES.get(q.answer_type, q.answer_type))),
                Column(_("Status"), lambda q: _yes(q.active)),
            ],
            fields=[
                Field("label_zh", _("Question (Chinese)")),
                Field("label_en", _("Question (English)")),
                Field("key", _("Code"), placeholder=_("e.g. scalp_condition")),
                Field("answer_type", _("Answer"), "choice", lambda: _opts(ANSWER_TYPES), default="text"),
                Field("choices", _("Choices"), "long", placeholder=_("One per line: 中文 / English")),
                Field("required", _("Must be answered"), "bool", default=False),
                Field("sort", _("Position"), "int", default=0),
                Field("active", _("Asked"), "bool", default=True),
            ],
            load=load,
            save=save,
            to_data=to_data,
            new_label=_("New question"),
            prepare=prepare,
        )
        self.editor = ItemEditor(ctx, spec)
        lay.addWidget(self.editor, 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)

    def _kind_changed(self) -> None:
        if not may_leave(self.editor):  # a question typed but not saved: stay on its form
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(max(self.kind.findData(self._kind), 0))
            self.kind.blockSignals(False)
            return
        self._kind = str(self.kind.currentData())
        self.editor.reload(select_first=True)

    def unsaved_changes(self) -> str | None:
        return self.editor.unsaved_changes()

    def discard_changes(self) -> None:
        self.editor.discard_changes()
