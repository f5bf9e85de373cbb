"""SQLAlchemy 2.x models for the whole product (docs/product.md).

Rules kept everywhere here:

* money columns end in ``_minor`` and hold integer minor units (fen, cents) of
  the shop's currency; ``desk_app.domain.money`` converts them to ``Decimal``;
* timestamps are ``UTCDateTime`` (aware, UTC);
* nothing a customer paid for is updated in place: refunds and voids are new
  ``Sale`` rows pointing at the original through ``original_sale_id``;
* ``audit_log`` is append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desk_app.db.engine import clock_default
from desk_app.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _now_col() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=clock_default, nullable=False)


# --------------------------------------------------------------------------
# Shop, branches, staff, rooms, settings
# --------------------------------------------------------------------------


class Shop(Base):
    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    locale: Mapped[str] = mapped_column(String(20), default="zh_CN")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    region: Mapped[str] = mapped_column(String(2), default="CN")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    tax_number: Mapped[str] = mapped_column(String(60), default="")
    return_policy_zh: Mapped[str] = mapped_column(Text, default="")
    return_policy_en: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _now_col()


class Branch(Base):
    __tablename__ = "branches"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now_col()
    # a line printed under the name on this branch's receipts and Z report ("" = none)
    receipt_header: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # when closed (active False)


class StaffBranch(Base):
    """The branches a staff member works at (Staff.branch_id, their home branch, is one of them)."""

    __tablename__ = "staff_branches"
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True, index=True)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))  # receptionist | stylist | owner
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    color: Mapped[str] = mapped_column(String(9), default="#5B8DEF")
    # {"mon": [["09:00","18:00"]], ..., "breaks": {"mon": [["12:00","13:00"]]}}
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # per-staff permission overrides {"refund": true, "see_phone": false}
    permissions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = _now_col()
    # the owner's figure for the appraisal's performance pay (None: not given); never on a screen
    # but the owner's
    base_pay_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Resource(Base):
    """A chair, basin, bed or room that some services need."""

    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="chair")  # chair | room | bed | basin
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Setting(Base):
    """Owner's settings; keys are declared once in ``desk_app.settings``."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = _now_col()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class Counter(Base):
    """Monotonic counters (receipt numbers, client numbers) per scope."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# --------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------


class Client(Base):
    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_number: Mapped[str] = mapped_column(String(20), unique=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    # search helpers, derived from name/phone/number on every save
    name_pinyin: Mapped[str] = mapped_column(String(400), default="")
    name_initials: Mapped[str] = mapped_column(String(60), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="", index=True)  # E.164 when valid
    phone_digits: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    preferred_channel: Mapped[str] = mapped_column(String(20), default="phone")  # phone|sms|wechat|email
    wechat_id: Mapped[str] = mapped_column(String(100), default="")
    birthday: Mapped[date | None] = mapped_column(Date, nullable=True)
    birthday_md: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)  # "MM-DD"
    gender: Mapped[str] = mapped_column(String(20), default="")
    skin_type: Mapped[str] = mapped_column(String(40), default="")
    hair_type: Mapped[str] = mapped_column(String(40), default="")
    allergies: Mapped[str] = mapped_column(Text, default="")
    contraindications: Mapped[str] = mapped_column(Text, default="")
    preferences: Mapped[list[Any]] = mapped_column(JSON, default=list)
    favourite_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(20), default="")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    privacy_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # may the shop send this client messages on that channel (docs/messages.md, "Consent"); marketing
    # messages (rebook nudge, birthday) also need marketing_consent
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    email_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    email_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    first_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    membership_tier: Mapped[str] = mapped_column(String(20), default="")  # "" | "vip"
    member_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    full_price_spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    visit_count: Mapped[int] = mapped_column(Integer, default=0)
    no_show_count: Mapped[int] = mapped_column(Integer, default=0)
    late_cancel_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40), default="desk")  # desk|import:fresha|demo...
    external_id: Mapped[str] = mapped_column(String(100), default="")
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # merged into another profile of the same person (docs/clients.md, "Duplicates"): its history is
    # theirs now; the profile stays, unlisted, so the merge can be undone
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()
    updated_at: Mapped[datetime] = _now_col()
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def gone(self) -> bool:
        """Erased, or merged into another client: not listed, found, messaged, booked or served."""
        return self.erased_at is not None or self.merged_into_id is not None

    __table_args__ = (
        Index("ix_clients_phone_digits", "phone_digits"),
        Index("ix_clients_name", "name"),
        Index("ix_clients_created_at", "created_at"),  # the monthly report's new profiles (migration 0023)
    )


class ConsentRecord(Base):
    __tablename__ = "consent_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # privacy | marketing
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = _now_col()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------


class ServiceCategory(Base):
    __tablename__ = "service_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    consultation_kind: Mapped[str] = mapped_column(String(20), default="generic")  # hair|skin|nails|generic
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Base):
    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), default="")
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    duration_min: Mapped[int] = mapped_column(Integer, default=60)
    buffer_min: Mapped[int] = mapped_column(Integer, default=0)
    return_interval_days: Mapped[int] = mapped_column(Integer, default=42)
    care_advice_zh: Mapped[str] = mapped_column(Text, default="")
    care_advice_en: Mapped[str] = mapped_column(Text, default="")
    resource_kind: Mapped[str] = mapped_column(String(20), default="")  # "" = needs none
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)  # basis points; None = shop default
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(60), unique=True)
    barcode: Mapped[str] = mapped_column(String(60), default="", index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(120), default="")
    price_minor: Mapped[int] = mapped_column(BigInteger)
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    stock_qty: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(20), default="pc")
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    usage_advice_zh: Mapped[str] = mapped_column(Text, default="")
    usage_advice_en: Mapped[str] = mapped_column(Text, default="")
    is_retail: Mapped[bool] = mapped_column(Boolean, default=True)
    is_backbar: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # purchasing (docs/stock.md): who it is usually ordered from, and in packs of how many
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), nullable=True)
    pack_qty: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class StockMovement(Base):
    """A change of a product's stock; ``products.stock_qty`` is the sum of its movements (an
    ``opening`` movement carries what the product had before movements were kept)."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    qty_delta: Mapped[int] = mapped_column(Integer)
    # sale|backbar|refund|adjust|opening|receive|count
    reason: Mapped[str] = mapped_column(String(20))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = _now_col()
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_lines.id"), nullable=True, index=True
    )  # a delivery received against this order line
    count_id: Mapped[int | None] = mapped_column(ForeignKey("stock_counts.id"), nullable=True, index=True)


class Supplier(Base):
    """Who the shop buys its products from (docs/stock.md). Retired, never deleted."""

    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PurchaseOrder(Base):
    """An order to a supplier (docs/stock.md): a draft the owner edits, then sent; received in one
    or more deliveries; cancelled (what was received stays). ``status``: draft | sent | cancelled;
    whether a sent order is partly or wholly received is read from its lines."""

    __tablename__ = "purchase_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _now_col()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # raised by every change (desk_app/stock/service.py ``_claim``): a second desk's delivery or edit
    # of the same order is refused instead of counted twice
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty_ordered: Mapped[int] = mapped_column(Integer)
    qty_received: Mapped[int] = mapped_column(Integer, default=0)  # the sum of its receive movements
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class StockCount(Base):
    """A stocktake (docs/stock.md): the retail shelf, the back-bar, or everything, counted product by
    product; closing it books each counted product's variance as a ``count`` movement."""

    __tablename__ = "stock_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(12))  # retail | backbar | all
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed | abandoned
    started_at: Mapped[datetime] = _now_col()
    started_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class StockCountLine(Base):
    """A product counted: what was there and what the record said when the figure was entered (the
    variance is against that, so a sale between counting and closing is not counted as missing)."""

    __tablename__ = "stock_count_lines"
    __table_args__ = (UniqueConstraint("count_id", "product_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    counted_qty: Mapped[int] = mapped_column(Integer)
    expected_qty: Mapped[int] = mapped_column(Integer)
    counted_at: Mapped[datetime] = _now_col()
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class ConsultationQuestion(Base):
    """Questions of the needs-assessment form, per consultation kind."""

    __tablename__ = "consultation_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # hair|skin|nails|generic
    key: Mapped[str] = mapped_column(String(60))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    answer_type: Mapped[str] = mapped_column(String(20), default="text")  # text|choice|multi|yesno
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"key":..,"zh":..,"en":..}]
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_consultation_questions_kind_key"),)


class Package(Base):
    """A service package for sale, e.g. 10 blow-dries."""

    __tablename__ = "packages"
    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    sessions: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    valid_days: Mapped[int] = mapped_column(Integer, default=365)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --------------------------------------------------------------------------
# Appointments and visits
# --------------------------------------------------------------------------


class Appointment(Base):
    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), nullable=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # end of the time the slot is blocked: end_at + buffer; the overlap rule uses it
    block_end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # booked|confirmed|arrived|in_service|done|cancelled|no_show
    status: Mapped[str] = mapped_column(String(20), default="booked")
    source: Mapped[str] = mapped_column(String(20), default="desk")  # desk|phone|walk_in|rebook|online|import
    notes: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminder_status: Mapped[str] = mapped_column(String(20), default="")  # ""|confirmed|no_answer
    deposit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # the visit whose rebooking step made this appointment (no FK: visits point here too)
    rebooked_from_visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_appointments_staff_start", "staff_id", "start_at"),
        Index("ix_appointments_resource_start", "resource_id", "start_at"),
        Index("ix_appointments_start", "start_at"),
        # the SQLite overlap triggers search by the end (migration 0020): only what ends after the start
        Index("ix_appointments_staff_end", "staff_id", "block_end_at"),
        Index("ix_appointments_resource_end", "resource_id", "block_end_at"),
    )


class AppointmentService(Base):
    __tablename__ = "appointment_services"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    duration_min: Mapped[int] = mapped_column(Integer)


class WaitlistEntry(Base):
    __tablename__ = "waitlist_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting|offered|booked|removed
    created_at: Mapped[datetime] = _now_col()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class Visit(Base):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True, index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default="walk_in")  # walk_in|booked
    # greeting|needs|service|checkout|rebooking|done|cancelled
    step: Mapped[str] = mapped_column(String(20), default="greeting")
    # waiting|in_service|done|delayed|cancelled
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    booked_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    greeted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    service_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    service_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rebooked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    is_new_client: Mapped[bool] = mapped_column(Boolean, default=False)
    estimate_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    estimate_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    estimate_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    skipped_steps: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {step: reason}
    next_appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    rebook_declined_reason: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    problem: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_visits_step", "step"),
        Index("ix_visits_report", "arrived_at", "step", "branch_id", "staff_id", "client_id", "is_new_client",
              "satisfaction", "next_appointment_id"),  # the monthly report's scans, index-only
        # a client's first visit (new or returning, migration 0021), read from the index alone
        Index("ix_visits_client_first", "client_id", "arrived_at", "step"),
    )  # fmt: skip


class VisitEvent(Base):
    """Every step transition of a visit, with its time and who did it."""

    __tablename__ = "visit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    from_step: Mapped[str] = mapped_column(String(20))
    to_step: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20), default="advance")  # advance|skip|back|cancel
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = _now_col()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class Assessment(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="generic")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    goals: Mapped[str] = mapped_column(Text, default="")
    expectations: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(20), default="normal")  # low|normal|high|urgent
    skin_type: Mapped[str] = mapped_column(String(40), default="")
    hair_type: Mapped[str] = mapped_column(String(40), default="")
    allergies: Mapped[str] = mapped_column(Text, default="")
    contraindications: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()


class PlanItem(Base):
    """The service plan confirmed in the needs assessment (the estimate)."""

    __tablename__ = "plan_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # service|product|fee
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    suggested_only: Mapped[bool] = mapped_column(Boolean, default=False)  # a product suggestion
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class ServiceLog(Base):
    """A service actually done during a visit (may differ from the plan)."""

    __tablename__ = "service_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _now_col()


class ProductUsage(Base):
    """Back-bar product used on the client; reduces stock."""

    __tablename__ = "product_usages"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[datetime] = _now_col()


class Formula(Base):
    """A colour (or other) formula. Locked 24 h after entry; corrections are new versions."""

    __tablename__ = "formulas"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True, index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    root_id: Mapped[int | None] = mapped_column(ForeignKey("formulas.id"), nullable=True)  # first version
    version_no: Mapped[int] = mapped_column(Integer, default=1)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("formulas.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # [{"product": "..", "shade": "6.1", "developer": "20 vol", "amount": "40 g", "minutes": 35, "notes": ""}]
    components: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _now_col()
    locks_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SafetyRule(Base):
    """The owner's contraindication rule: a client whose allergies or contraindications mention one
    of ``keywords`` needs a negative patch test within ``patch_test_days`` before the services of
    ``category_id`` (or the one ``service_id``); without one the service goes ahead only with an
    override that records who and why (docs/safety.md)."""

    __tablename__ = "safety_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[str] = mapped_column(Text)  # comma-separated, matched case-insensitively
    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"), nullable=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    patch_test_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: override only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now_col()


class PatchTest(Base):
    """A patch (skin) test: the product tested, when, and what it showed."""

    __tablename__ = "patch_tests"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(20))  # negative | positive
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _now_col()


class SafetyOverride(Base):
    """A service done although a safety rule asked for a patch test: who decided, and why."""

    __tablename__ = "safety_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("safety_rules.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# --------------------------------------------------------------------------
# Money: sales, payments, prepaid, packages, memberships, cash drawer
# --------------------------------------------------------------------------


class Sale(Base):
    __tablename__ = "sales"
    # the monthly report's scans, index-only
    __table_args__ = (
        Index("ix_sales_month", "sold_at", "kind", "branch_id", "total_minor"),
        # a client's sales in the last year (the value segments, migration 0021)
        Index("ix_sales_client_sold", "client_id", "sold_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="sale")  # sale|refund|void
    original_sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True, index=True)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tip_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    rounding_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    estimate_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    over_estimate_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    over_estimate_note: Mapped[str] = mapped_column(Text, default="")
    member_upgrade: Mapped[bool] = mapped_column(Boolean, default=False)
    member_price_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cash_session_id: Mapped[int | None] = mapped_column(ForeignKey("cash_sessions.id"), nullable=True)


class SaleLine(Base):
    __tablename__ = "sale_lines"
    __table_args__ = (  # the monthly report reads a month's lines from this index alone
        Index("ix_sale_lines_report", "sale_id", "kind", "staff_id", "service_id", "product_id", "package_id",
              "quantity", "line_total_minor", "tax_minor", "discount_minor", "member_discount_minor"),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # service|product|package|prepaid_topup|gift_voucher|tip|rounding
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # line + share of bill discount
    member_discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_reason: Mapped[str] = mapped_column(Text, default="")
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    line_total_minor: Mapped[int] = mapped_column(BigInteger)  # what the client pays for this line
    full_price: Mapped[bool] = mapped_column(Boolean, default=True)  # counts toward cumulative VIP
    original_line_id: Mapped[int | None] = mapped_column(ForeignKey("sale_lines.id"), nullable=True)


class Payment(Base):
    __tablename__ = "payments"
    # the monthly report's scans, index-only
    __table_args__ = (Index("ix_payments_report", "sale_id", "method", "amount_minor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # cash|card|wechat|alipay|prepaid|package|voucher
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # applied to the sale (negative on refunds)
    tendered_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    change_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    prepaid_account_id: Mapped[int | None] = mapped_column(ForeignKey("prepaid_accounts.id"), nullable=True)
    client_package_id: Mapped[int | None] = mapped_column(ForeignKey("client_packages.id"), nullable=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("gift_vouchers.id"), nullable=True)  # method voucher
    reference: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SaleItemHour(Base):
    """The sale lines summed by UTC hour of their sale, branch, sale kind, line kind, service and
    product (0: none): what the monthly report reads instead of a month of lines. Kept by database
    triggers on ``sale_lines`` in the same transaction as the lines (migration 0022), whoever writes
    them; ``desk-app check`` compares it with the lines. Derived: not copied to a server (its
    triggers write it there)."""

    __tablename__ = "sale_item_hours"
    __table_args__ = {"sqlite_with_rowid": False}
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    line_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lines: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    quantity: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # line + member


class SaleStaffHour(Base):
    """The sale lines summed by UTC hour of their sale, branch, sale kind, line kind and staff member
    (0: none). Kept by the same triggers as ``sale_item_hours`` (migration 0022). The sale kind is in
    every summary's key so that on PostgreSQL a refund and a sale written at once never lock the same
    summary rows (no deadlock); sales of one kind queue on their ``sale_hours`` row first."""

    __tablename__ = "sale_staff_hours"
    __table_args__ = {"sqlite_with_rowid": False}
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    line_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lines: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    quantity: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SaleHour(Base):
    """Sales counted and summed by UTC hour, branch and kind; ``tickets``: sales of kind 'sale' with
    a line other than a prepaid top-up. Kept by triggers on ``sales`` and ``sale_lines`` (0022)."""

    __tablename__ = "sale_hours"
    __table_args__ = {"sqlite_with_rowid": False}
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    sales: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    tickets: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class PaymentHour(Base):
    """Payments summed by the UTC hour of their sale, its branch and kind, and the method. Kept by triggers on
    ``payments`` (0022)."""

    __tablename__ = "payment_hours"
    __table_args__ = {"sqlite_with_rowid": False}
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    method: Mapped[str] = mapped_column(String(20), primary_key=True)
    payments: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ClientSpendHour(Base):
    """What a client paid for services, products and packages (``checkout.bill.GOODS_KINDS``), net
    of refunds, summed by the UTC hour of the sale: the value segments read a client's year from it.
    Kept by triggers on ``sale_lines`` and ``sales`` (migration 0023); ``desk-app check`` compares
    it with the lines."""

    __tablename__ = "client_spend_hours"
    __table_args__ = {"sqlite_with_rowid": False}
    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    lines: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    goods_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ClientFirstVisit(Base):
    """The arrival of a client's first visit that was not cancelled (at any branch): the monthly
    report's new clients are a range of it. Kept by triggers on ``visits`` (migration 0024);
    ``desk-app check`` compares it with the visits."""

    __tablename__ = "client_first_visits"
    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


SUMMARY_TABLES = (  # derived: kept by triggers
    "sale_item_hours", "sale_staff_hours", "sale_hours", "payment_hours", "client_spend_hours",
    "client_first_visits",
)


class PrepaidAccount(Base):
    __tablename__ = "prepaid_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), unique=True)
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    held_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # deposits held against appointments
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = _now_col()
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class PrepaidMovement(Base):
    __tablename__ = "prepaid_movements"
    # the monthly report's scans, index-only
    __table_args__ = (Index("ix_prepaid_movements_report", "at", "kind", "amount_minor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("prepaid_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # topup|bonus|spend|refund|adjust|hold|release|forfeit
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # signed
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True, index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ClientPackage(Base):
    __tablename__ = "client_packages"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    sessions_total: Mapped[int] = mapped_column(Integer)
    sessions_used: Mapped[int] = mapped_column(Integer, default=0)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    purchased_at: Mapped[datetime] = _now_col()
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class ClientHistory(Base):
    """A past visit brought over from the shop's old system (docs/import.md): for reference on the
    profile, not a sale (the reports and the books start with this app)."""

    __tablename__ = "client_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(Text, default="")  # what was done, as the old system said
    staff_name: Mapped[str] = mapped_column(String(120), default="")  # as the old system named them
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str] = mapped_column(String(40), default="import")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PackageRedemption(Base):
    __tablename__ = "package_redemptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_package_id: Mapped[int] = mapped_column(ForeignKey("client_packages.id"), index=True)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True)
    sessions: Mapped[int] = mapped_column(Integer, default=1)  # negative when a refund restores one
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock_default, nullable=False, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class Membership(Base):
    """A membership change (upgrade/downgrade), recorded with what caused it."""

    __tablename__ = "memberships"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    tier: Mapped[str] = mapped_column(String(20))  # vip | "" (ended)
    reason: Mapped[str] = mapped_column(String(30))  # single_purchase|cumulative|manual|refund
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class CashSession(Base):
    __tablename__ = "cash_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    float_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    expected_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    counted_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    over_short_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class CashMovement(Base):
    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cash_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # in | out
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[datetime] = _now_col()


# --------------------------------------------------------------------------
# After the visit
# --------------------------------------------------------------------------


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (  # the monthly report's scans, index-only
        Index("ix_follow_ups_completed_report", "completed_at", "satisfaction", "staff_id"),
        Index("ix_follow_ups_due_report", "due_from", "called_at", "due_by", "called_by_id", "completed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)  # who served
    due_from: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    due_by: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending|done|no_answer|call_back|wrong_number|gave_up
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    score_timeliness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_professionalism: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_effectiveness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_attitude: Mapped[int | None] = mapped_column(Integer, nullable=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comments: Mapped[str] = mapped_column(Text, default="")
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


class Contact(Base):
    """An inbound contact: inquiry, service request or complaint."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), nullable=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(20))  # phone|in_person|message
    kind: Mapped[str] = mapped_column(String(20))  # inquiry|service_request|complaint
    caller_name: Mapped[str] = mapped_column(String(120), default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # an inquiry or service request is answered by a deadline (docs/service-standard.md); a phone
    # call records how many rings went by before it was picked up (the phone standard)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reply: Mapped[str] = mapped_column(Text, default="")
    rings: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="desk")  # desk | followup (a problem raised on a follow-up call)


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), nullable=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True)
    staff_involved_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    level: Mapped[str] = mapped_column(String(20), default="general")  # general|special
    category: Mapped[str] = mapped_column(String(40), default="service")  # service|wait|price|attitude|product|other
    severity: Mapped[str] = mapped_column(String(20), default="medium")  # low|medium|high
    source: Mapped[str] = mapped_column(String(30), default="contact")  # contact|checkout_score|followup_score
    description: Mapped[str] = mapped_column(Text, default="")
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_response: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|responded|resolved|closed
    resolution: Mapped[str] = mapped_column(Text, default="")
    compensation_kind: Mapped[str] = mapped_column(String(20), default="")  # refund|voucher|discount|redo
    compensation_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    redo_appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # resolve by (the severity's standard; docs/service-standard.md), and the call-back after the
    # resolution that asks whether the client is satisfied: not satisfied reopens the complaint
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    callback_result: Mapped[str] = mapped_column(String(20), default="")  # ""|satisfied|not_satisfied
    callback_note: Mapped[str] = mapped_column(Text, default="")
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # the remedy "replace the staff member": who serves the client from now on (instead of
    # staff_involved_id); the calendar warns when the client is booked with the one replaced
    replacement_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class Incident(Base):
    """Something that went wrong in the shop (docs/service-standard.md, "incident log"): what,
    when, where, at which step, who; its class; the corrective action, who owns it and when it is
    re-checked. Closed by the owner once the re-check finds the action effective."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), nullable=True)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    place: Mapped[str] = mapped_column(String(120), default="")
    step: Mapped[str] = mapped_column(String(20), default="")  # a visit step, or "" (not during a visit)
    category: Mapped[str] = mapped_column(String(20))  # service|safety|product|equipment|conduct|other
    severity: Mapped[str] = mapped_column(String(20), default="medium")
    description: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    staff_involved_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    action: Mapped[str] = mapped_column(Text, default="")
    action_owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    recheck_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|closed
    rechecks: Mapped[int] = mapped_column(Integer, default=0)
    recheck_note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SpotCheck(Base):
    """A supervisor's spot check of one record for completeness and truth (docs/service-standard.md):
    a visit, a follow-up call or a complaint drawn at random each week; confirmed, or flagged with
    a note for the staff member who wrote it, who marks it corrected."""

    __tablename__ = "spot_checks"
    __table_args__ = (UniqueConstraint("kind", "record_id", name="uq_spot_checks_kind_record"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # visit|follow_up|complaint
    record_id: Mapped[int] = mapped_column(Integer)
    week_of: Mapped[date] = mapped_column(Date, index=True)  # the Monday of the week it was drawn
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)  # who wrote it
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|confirmed|flagged|corrected
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ImprovementAction(Base):
    """The monthly review (PDCA): an improvement the owner decided for a month, who owns it and by
    when; the next month's review records whether it was done (docs/service-standard.md)."""

    __tablename__ = "improvement_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM reviewed when it was decided
    what: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    due_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20), default="open")  # open|done|not_done|carried
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("improvement_actions.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True, index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="checkout")  # checkout|followup|contact
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|handled
    improvement_action: Mapped[str] = mapped_column(Text, default="")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutreachTask(Base):
    """Keep-in-touch and reminder lists: birthday, expiry, appointment reminder."""

    __tablename__ = "outreach_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # birthday|prepaid_expiry|package_expiry|low_balance|reminder
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|done|no_answer
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("kind", "client_id", "ref_id", "due_on", name="uq_outreach_tasks_key"),)


# --------------------------------------------------------------------------
# Messages (docs/messages.md)
# --------------------------------------------------------------------------


class OutboxMessage(Base):
    """One message to send to a client, written in the unit of work of what caused it (a booking,
    a paid visit, a no-show) or by the planner (a birthday, a rebook nudge). ``dedupe_key`` is
    unique, so the same message is never queued twice (two desks, a retried action). The sender
    claims a row (queued -> sending) in its own transaction before it talks to the provider, so no
    two senders send it; the text is rendered when it is sent (the template and the booking as they
    are then) and kept, with the address it went to."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(30))  # domain.messages.MessageKind
    channel: Mapped[str] = mapped_column(String(10))  # email|sms
    language: Mapped[str] = mapped_column(String(10))  # zh_CN|en
    ref_kind: Mapped[str] = mapped_column(String(20), default="")  # appointment|visit|sale|client|prepaid|package
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it was first due
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())  # next attempt (quiet hours, back-off)
    state: Mapped[str] = mapped_column(String(12), default="queued")  # domain.messages.MessageState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error_code: Mapped[str] = mapped_column(String(20), default="")  # channels.base.FailCode
    last_error: Mapped[str] = mapped_column(String(300), default="")  # the provider's words
    provider_id: Mapped[str] = mapped_column(String(120), default="")
    to_address: Mapped[str] = mapped_column(String(200), default="")  # where it went (at send time)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str] = mapped_column(String(80), default="")  # which desk process is sending it
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    resend_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()
    __table_args__ = (Index("ix_outbox_state_due", "state", "due_at"), Index("ix_outbox_ref", "ref_kind", "ref_id"))


class MessageTemplate(Base):
    """The owner's own wording of one kind of message in one language; without a row the app's
    default wording (``messages/templates.py``) is used."""

    __tablename__ = "message_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = _now_col()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    __table_args__ = (UniqueConstraint("kind", "language", name="uq_message_templates_kind_language"),)


# --------------------------------------------------------------------------
# Trust
# --------------------------------------------------------------------------


class AuditEntry(Base):
    """Append-only: no code path updates or deletes a row here, and the database refuses it
    (migration 0004: SQLite triggers; PostgreSQL a trigger and revoked privileges). The one
    exception is a client's erasure, which redacts the entries naming them (migration 0005)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True, index=True)
    branch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40), index=True)  # view|create|update|sale|refund|...
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    # set once, by a client erasure: the values above are then gone (migration 0005)
    redacted_by: Mapped[int | None] = mapped_column(ForeignKey("erasures.id"), nullable=True)
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class Erasure(Base):
    """A client erased (docs/privacy.md): kept so a restored backup erases them again. No name."""

    __tablename__ = "erasures"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    client_number: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    audit_redacted: Mapped[int] = mapped_column(Integer, default=0)


class ClientCredit(Base):
    """A voucher or discount promised on a resolved complaint, owed to the client "next time"
    (docs/aftercare.md): applied at a later checkout, which records the sale that used it. A void of
    that sale makes it owed again."""

    __tablename__ = "client_credits"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # voucher | discount
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    used_sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BackupRecord(Base):
    __tablename__ = "backup_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = _now_col()
    path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(30), default="manual")  # daily|close_of_day|migration|manual
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    message: Mapped[str] = mapped_column(Text, default="")


class OwnerKey(Base):
    """An owner key for unattended scripts (``DESK_APP_OWNER_KEY``): only its argon2 hash is kept;
    at most one is in use (``revoked_at`` is None). desk_app/trust/owner_key.py."""

    __tablename__ = "owner_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))  # the owner it acts as
    key_hash: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    created_at: Mapped[datetime] = _now_col()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


def client_listed() -> Any:
    """The SQL condition of a client who is listed, found and messaged: neither erased nor merged
    into another profile (``Client.gone`` in Python)."""
    return and_(Client.erased_at.is_(None), Client.merged_into_id.is_(None))


class ClientMerge(Base):
    """Two profiles of one person made one (docs/clients.md, "Duplicates"): ``merged_id``'s history
    moved to ``kept_id``. ``moved`` lists the rows moved ({table: [ids]}) and ``kept_before`` /
    ``kept_after`` the kept profile's fields the merge changed, so ``undone_at`` (a new record, by
    another person perhaps) can put each back; the balances moved are movements of kind ``merge``."""

    __tablename__ = "client_merges"
    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # why they were taken for one person
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kept_before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kept_after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prepaid_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # the balance moved to the kept profile
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class NotDuplicate(Base):
    """Two profiles the owner said are two people: not offered as possible duplicates again."""

    __tablename__ = "not_duplicates"
    __table_args__ = (UniqueConstraint("low_id", "high_id", name="uq_not_duplicates_pair"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    high_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = _now_col()
    source: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(Text)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)



class CommissionPlan(Base):
    """The owner's commission plan (desk_app/domain/commission.py, docs/payroll.md) from a day on:
    a change is a new row, never an edit, so a past period's statement keeps the rates it was
    earned under. A period uses the newest plan in force on its first day."""

    __tablename__ = "commission_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()


class StaffBasePay(Base):
    """A staff member's base pay a month from a month on (None: none from then): a change is a new
    row, so a past month's pay statement and appraisal keep the pay of that month. The newest row
    in force on a month's first day is that month's. ``Staff.base_pay_minor`` is the current one."""

    __tablename__ = "staff_base_pays"
    __table_args__ = (Index("ix_staff_base_pays_staff_from", "staff_id", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    monthly_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    effective_from: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()


class TimePunch(Base):
    """One punch of the time clock (docs/payroll.md, "Time clock"): a clock-in, a break, back
    from it, a clock-out. Never edited: the owner's correction is a new row with a reason that
    adds a punch, or replaces one (``replaces_id``: a new time, or ``kind`` "void" to remove it).
    A punch is in force unless a later row replaces it; each is replaced at most once."""

    __tablename__ = "time_punches"
    __table_args__ = (
        Index("ix_time_punches_staff_at", "staff_id", "at"),
        UniqueConstraint("replaces_id", name="uq_time_punches_replaces_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(8))  # in | out | break | back | void
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))  # clock (signed in) | pin (sign-in page) | correction
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("time_punches.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = _now_col()


class RotaDay(Base):
    """One day of the rota (docs/payroll.md, "Rota"): the hours one person works on one date when
    they differ from their standard weekly hours; ``from_time`` None is a day off. Wall-clock
    "HH:MM" in the shop's time zone. A date with no row keeps the standard hours; the owner's
    "back to the standard hours" deletes the row (a plan, not money: the audit keeps what it was)."""

    __tablename__ = "rota_days"
    __table_args__ = (UniqueConstraint("staff_id", "day", name="uq_rota_days_staff_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    from_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    to_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    break_from: Mapped[str | None] = mapped_column(String(5), nullable=True)
    break_to: Mapped[str | None] = mapped_column(String(5), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    updated_at: Mapped[datetime] = _now_col()


class GiftVoucher(Base):
    """A gift voucher (docs/vouchers.md): money the shop owes whoever holds the code, sold on a
    sale's ``gift_voucher`` line (or carried over from another voucher by a transfer). The balance
    is ``amount_minor`` plus the sum of its movements, kept here versioned like a prepaid balance;
    ``closed`` is set when it is refunded (void) or its balance moved to a new code (transferred)."""

    __tablename__ = "gift_vouchers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True, index=True)
    from_voucher_id: Mapped[int | None] = mapped_column(ForeignKey("gift_vouchers.id"), nullable=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # its value when issued
    balance_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed: Mapped[str] = mapped_column(String(12), default="")  # "" | void | transferred
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class VoucherMovement(Base):
    """Money moved on a gift voucher after it was issued: spent on a sale (redeem, negative), given
    back by a refund (refund, positive), taken off when its own sale is refunded (void) or moved to
    a new code (transfer). Never edited: a correction is a new movement."""

    __tablename__ = "voucher_movements"
    __table_args__ = (Index("ix_voucher_movements_report", "at", "kind", "amount_minor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("gift_vouchers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # redeem | refund | void | transfer
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # signed
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsAccount(Base):
    """A client's loyalty points (docs/loyalty.md): the balance is the sum of its movements, kept
    here versioned like a prepaid balance; ``last_activity_at`` is the last earning or spending
    (an idle balance lapses ``loyalty.lapse_days`` after it)."""

    __tablename__ = "points_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), unique=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # points
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _now_col()
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class PointsMovement(Base):
    """Points moved on an account: earned on a sale (earn), spent as a payment (redeem, with the
    money it paid), given back by a refund (refund), taken back when what earned them is refunded
    (clawback), or lapsed after the owner's idle time (lapse). Never edited."""

    __tablename__ = "points_movements"
    __table_args__ = (Index("ix_points_movements_report", "at", "kind", "points"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # domain/points.KINDS
    points: Mapped[int] = mapped_column(BigInteger)  # signed
    balance_after: Mapped[int] = mapped_column(BigInteger)
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # the money a redeem paid (or a refund gave back)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # a reward: the number of the sale's line it made free (its refund: of the refund's line); its
    # value_minor is the line's list price
    line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PointsReward(Base):
    """What the owner's catalogue gives for points (docs/loyalty.md): a service or a product made
    free on the bill for ``points`` each. Changing the points or retiring a reward edits this row
    (audited); what a sale took is on its points movement."""

    __tablename__ = "points_rewards"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # service | product
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    points: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
