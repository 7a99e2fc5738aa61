"""SQLAlchemy 2.0 tables of the 公物仓 domain, on the engine's `Base` (so `Database.create_all()` makes
them too once this module is imported). Every table name starts with `wh_`.

Identifiers are the business codes of DOMAIN.md §3 (WH-CD-MAIN, U07, A012, S04, E301...). Money is
`Money`: NUMERIC(14,2) on PostgreSQL, integer 分 (cents) on SQLite, always a `Decimal` in Python.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from engine.store.tables import Base, BigId

REGION_LEVELS = ("CITY", "DISTRICT", "PARTNER_CITY")
WAREHOUSE_LEVELS = ("MAIN", "BRANCH", "PARTNER")
ASSET_STATUSES = ("DECLARED", "IN_TRANSIT_IN", "INSPECTING", "AVAILABLE", "RESERVED", "ON_LOAN", "ON_RENT",
                  "IN_TRANSIT", "UNDER_REPAIR", "STOCKTAKE_FROZEN", "PENDING_DISPOSAL", "DISPOSED",
                  "TRANSFERRED_OUT", "MISSING")
CONDITIONS = ("A", "B", "C", "D")
RESERVATION_STATES = ("HELD", "RELEASED", "CONVERTED")
SERVICES = ("REPAIR", "FUEL", "INSURANCE")
EMERGENCY_CLASSES = ("RESCUE_OPS", "RESCUE_FORCE", "BASIC_LIVING")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Money(TypeDecorator):
    """元 with two decimals. SQLite has no decimal type (and SQLAlchemy warns on it): store 分 there."""
    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(BigInteger() if dialect.name == "sqlite" else Numeric(14, 2))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(str(value)).quantize(Decimal("0.01"))
        return int(value * 100) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
        return Decimal(value).quantize(Decimal("0.01"))


class Region(Base):
    """行政区划: 成都市本级 (CITY), its districts (DISTRICT), partner cities 德阳/眉山/资阳 (PARTNER_CITY)."""
    __tablename__ = "wh_regions"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)     # CD, WH, LQY, DY...
    name: Mapped[str] = mapped_column(String(100), unique=True)         # 武侯区
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("wh_regions.code"), nullable=True)
    city: Mapped[str] = mapped_column(String(20))                       # 成都 / 德阳: the fiscal city
    __table_args__ = (CheckConstraint(_in("level", REGION_LEVELS), name="ck_wh_regions_level"),)


class Warehouse(Base):
    __tablename__ = "wh_warehouses"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)       # WH-CD-MAIN
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(ForeignKey("wh_regions.code"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("wh_warehouses.id"), nullable=True)
    operator: Mapped[str | None] = mapped_column(String(200), nullable=True)
    finance_bureau: Mapped[str] = mapped_column(String(100))
    physical: Mapped[bool] = mapped_column(Boolean, default=True)
    virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    travel_min_to_main: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agreement: Mapped[str | None] = mapped_column(String(200), nullable=True)
    __table_args__ = (CheckConstraint(_in("level", WAREHOUSE_LEVELS), name="ck_wh_warehouses_level"),)


class TravelTime(Base):
    """Estimated travel minutes between two warehouses (read both ways)."""
    __tablename__ = "wh_travel_times"
    from_wh: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"), primary_key=True)
    to_wh: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer)


class Unit(Base):
    """行政事业单位 / 使用单位; temporary=True for a 临时机构."""
    __tablename__ = "wh_units"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)       # U07
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("wh_regions.code"), index=True)
    temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    supervising_dept: Mapped[str | None] = mapped_column(ForeignKey("wh_units.id"), nullable=True)


class Category(Base):
    """The 11 catalogue columns (专栏) C01..C11."""
    __tablename__ = "wh_categories"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    en: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))                      # ASSET+SERVICE, GOODS...


class Asset(Base):
    """A fixed asset or a lot of identical items held by a warehouse."""
    __tablename__ = "wh_assets"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)       # A001
    name: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(ForeignKey("wh_categories.code"), index=True)
    qty: Mapped[int] = mapped_column(Integer)
    unit_value: Mapped[Decimal] = mapped_column(Money())               # 原值 per item, 元
    year: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(1))
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(100), default="")
    low_value: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (CheckConstraint(_in("status", ASSET_STATUSES), name="ck_wh_assets_status"),
                      CheckConstraint(_in("condition", CONDITIONS), name="ck_wh_assets_condition"),
                      CheckConstraint("qty >= 0", name="ck_wh_assets_qty"),
                      Index("ix_wh_assets_status_warehouse", "status", "warehouse_id"))


class AssetHistory(Base):
    """Append-only: one row per status change, reservation or release of an asset."""
    __tablename__ = "wh_asset_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("wh_assets.id"), index=True)
    at: Mapped[datetime]
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    qty: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Reservation(Base):
    """预留: `qty` items of an asset held for a unit by a case until `expires_at`."""
    __tablename__ = "wh_reservations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("wh_assets.id"))
    qty: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"))
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="HELD")
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint(_in("state", RESERVATION_STATES), name="ck_wh_reservations_state"),
                      CheckConstraint("qty > 0", name="ck_wh_reservations_qty"),
                      Index("ix_wh_reservations_asset_state", "asset_id", "state"))


class Supplier(Base):
    __tablename__ = "wh_suppliers"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)       # S01
    name: Mapped[str] = mapped_column(String(200))
    categories: Mapped[list]                                           # ["C01", "C07"]
    regions: Mapped[list]                                              # ["成都", "德阳"]
    price_terms: Mapped[str] = mapped_column(Text, default="")
    contract_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    product: Mapped[str | None] = mapped_column(String(200), nullable=True)
    canteen_delivery: Mapped[bool] = mapped_column(Boolean, default=False)


class Designation(Base):
    """三定点: a supplier designated by a city's vehicle authority for one service and term."""
    __tablename__ = "wh_designations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), index=True)
    service: Mapped[str] = mapped_column(String(10))
    designated_by: Mapped[str] = mapped_column(String(20))              # city: 成都
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    outlets: Mapped[list]
    __table_args__ = (CheckConstraint(_in("service", SERVICES), name="ck_wh_designations_service"),
                      UniqueConstraint("supplier_id", "service", "designated_by", "term_start",
                                       name="uq_wh_designations_term"))


class Recognition(Base):
    """互认: `recognized_by` accepts a designation made by `from_city`, valid until `valid_until`."""
    __tablename__ = "wh_recognitions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), index=True)
    designation_id: Mapped[int] = mapped_column(ForeignKey("wh_designations.id"))
    recognized_by: Mapped[str] = mapped_column(String(20))
    from_city: Mapped[str] = mapped_column(String(20))
    valid_until: Mapped[date] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("designation_id", "recognized_by", name="uq_wh_recognitions"),)


class Vehicle(Base):
    __tablename__ = "wh_vehicles"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)       # V01
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    model: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(40))                      # 应急保障用车...
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Money())
    km: Mapped[int] = mapped_column(Integer)
    insurance_end: Mapped[date | None] = mapped_column(Date, nullable=True)


class EmergencyItem(Base):
    __tablename__ = "wh_emergency_items"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)     # E301
    name: Mapped[str] = mapped_column(String(100))
    uom: Mapped[str] = mapped_column(String(10))
    item_class: Mapped[str] = mapped_column("class", String(20))
    subclass: Mapped[str | None] = mapped_column(String(20), nullable=True)   # FLOOD... (RESCUE_OPS only)
    reusable: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (CheckConstraint(_in("class", EMERGENCY_CLASSES), name="ck_wh_emergency_items_class"),)


class EmergencyStock(Base):
    __tablename__ = "wh_emergency_stock"
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("wh_emergency_items.code"), primary_key=True)
    qty: Mapped[int] = mapped_column(Integer)
    safety_reserve: Mapped[int] = mapped_column(Integer)


class UnitBlock(Base):
    """A unit barred from new requests (overdue loans); open while `lifted_at` is empty."""
    __tablename__ = "wh_unit_blocks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]
    lifted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Saving(Base):
    """节支台账: one line per recorded saving (reference price − actual cost). Rates are always aggregated
    as Σsaving ÷ Σreference, never as an average of rates (DOMAIN §0.8)."""
    __tablename__ = "wh_savings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)   # one line per task run
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("wh_regions.code"))  # the unit's region (district)
    city: Mapped[str] = mapped_column(String(20))                            # its fiscal city (成都)
    warehouse_id: Mapped[str | None] = mapped_column(ForeignKey("wh_warehouses.id"), nullable=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("wh_categories.code"), nullable=True)
    period: Mapped[str] = mapped_column(String(7), index=True)               # YYYY-MM of the recording
    reference: Mapped[Decimal] = mapped_column(Money())
    actual: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recorded_at: Mapped[datetime]


NOTICE_KINDS = ("INFO", "REMINDER", "OVERDUE", "ALERT", "ESCALATION")
ORDER_KINDS = ("LOGISTICS", "INSTALL", "REPAIR", "MOVING", "PURCHASE", "REPLENISH", "RENTAL", "OTHER")
ORDER_STATUSES = ("SUBMITTED", "ACCEPTED", "DELIVERED", "SETTLED", "CANCELLED")


class Notice(Base):
    """通知: a message to people, addressed to a user, to holders of a role (within a scope), or to the
    users of a unit; written by a process step (reminders, overdue notices, alerts, escalations)."""
    __tablename__ = "wh_notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)   # one notice per task run
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    task: Mapped[str | None] = mapped_column(String(100), nullable=True)     # BPMN id of the sending step
    kind: Mapped[str] = mapped_column(String(12), default="INFO")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    to_user: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    to_role: Mapped[str | None] = mapped_column(String(50), nullable=True, index=True)
    to_scope: Mapped[str | None] = mapped_column(String(100), nullable=True)
    to_unit: Mapped[str | None] = mapped_column(ForeignKey("wh_units.id"), nullable=True, index=True)
    created_at: Mapped[datetime]
    __table_args__ = (CheckConstraint(_in("kind", NOTICE_KINDS), name="ck_wh_notices_kind"),
                      CheckConstraint("to_user IS NOT NULL OR to_role IS NOT NULL OR to_unit IS NOT NULL",
                                      name="ck_wh_notices_addressed"))


class ServiceOrder(Base):
    """服务订单 (DOMAIN §(f)): an order to a supplier for logistics, installation, repair, moving, goods or
    replenishment, placed by a process step for a unit (and charged to `charged_to`, e.g. a borrower)."""
    __tablename__ = "wh_service_orders"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("wh_categories.code"), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    qty: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)       # agreed amount
    reference: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)    # reference price (savings)
    settled_amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    charged_to: Mapped[str | None] = mapped_column(ForeignKey("wh_units.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="SUBMITTED")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (CheckConstraint(_in("kind", ORDER_KINDS), name="ck_wh_service_orders_kind"),
                      CheckConstraint(_in("status", ORDER_STATUSES), name="ck_wh_service_orders_status"),
                      CheckConstraint("qty > 0", name="ck_wh_service_orders_qty"))


# Each process area keeps its tables in its own module; importing them here puts them on Base.metadata.
from . import emergency_tables, loan_tables, order_tables, transfer_tables, vehicle_tables  # noqa: E402,F401
