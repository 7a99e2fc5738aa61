"""Tables of 入仓 (deposit) and 市场服务采购 (service purchase): the units' asset ledger, deposit declarations,
their lines and inspected lots, the service catalogue (price list), service purchases and their quotes.

Imported by warehouse/tables.py so that every database that has the domain tables has these too. Supplier
orders themselves are `wh_service_orders` (warehouse/tables.py); the rows here point at them by id.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables import Base, BigId

from .tables import CONDITIONS, Money, _in

CARD_STATUSES = ("IN_USE", "IDLE", "DECLARED", "DEPOSITED", "WRITTEN_OFF")
# DOMAIN §2(a) "Deposit order statuses", plus the order statuses every order may take (RETURNED_FOR_FIX,
# CANCELLED) and WITHDRAWN (the unit head or the supervising department did not sign the declaration).
DEPOSIT_STATUSES = ("SUBMITTED", "RETURNED_FOR_FIX", "PRECHECKED", "IN_TRANSIT_IN", "INSPECTED", "SHELVED",
                    "REDIRECTED_DISPOSAL", "REJECTED", "CANCELLED", "WITHDRAWN")
CUSTODY_MODES = ("TRANSFER_TITLE", "CUSTODY_ONLY")
PURCHASE_STATUSES = ("SUBMITTED", "QUOTING", "APPROVED", "REJECTED", "FULFILLING", "DELIVERED", "CLOSED",
                     "CANCELLED", "FORMAL_PROCUREMENT")
PURCHASE_ROUTES = ("DIRECT", "QUOTES", "FORMAL_PROCUREMENT")
QUOTE_STATES = ("QUOTED", "NON_COMPLIANT", "OFFERED", "ACCEPTED", "DECLINED", "TIMED_OUT", "NOT_ELIGIBLE")


class UnitAssetCard(Base):
    """资产卡片: the unit's ledger (预算管理一体化系统) as synced to the platform. `on_books` = 在账.
    Values are per item (元/件), like wh_assets.unit_value."""
    __tablename__ = "wh_unit_asset_cards"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(40))
    category_code: Mapped[str] = mapped_column(ForeignKey("wh_categories.code"))
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(200), default="")
    qty: Mapped[int] = mapped_column(Integer)
    uom: Mapped[str] = mapped_column(String(10))
    original_value: Mapped[Decimal] = mapped_column(Money())
    net_value: Mapped[Decimal] = mapped_column(Money())
    purchase_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    secret_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    on_books: Mapped[bool] = mapped_column(Boolean, default=True)
    idle_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="IN_USE")
    __table_args__ = (UniqueConstraint("unit_id", "card_no", name="uq_wh_unit_asset_cards"),
                      CheckConstraint(_in("status", CARD_STATUSES), name="ck_wh_unit_asset_cards_status"))


class UnitDissolution(Base):
    """A temporary body (临时机构) dissolved, or its event ended: its assets are due back by
    `dissolved_on` + tempBodyReturnDeadline."""
    __tablename__ = "wh_unit_dissolutions"
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), primary_key=True)
    dissolved_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Deposit(Base):
    """入仓单: one declaration of a unit into one warehouse, from declaration to shelving."""
    __tablename__ = "wh_deposits"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    warehouse_id: Mapped[str | None] = mapped_column(ForeignKey("wh_warehouses.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    custody_mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    need_moving: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime]
    return_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    precheck_decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    precheck_note: Mapped[str] = mapped_column(Text, default="")
    moving_order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wh_service_orders.id"), nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    inspected_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finance_decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    receipt_no: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    receipt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    __table_args__ = (CheckConstraint(_in("status", DEPOSIT_STATUSES), name="ck_wh_deposits_status"),
                      CheckConstraint("custody_mode IS NULL OR " + _in("custody_mode", CUSTODY_MODES),
                                      name="ck_wh_deposits_custody"))


class DepositLine(Base):
    """One declared asset card of a deposit."""
    __tablename__ = "wh_deposit_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deposit_id: Mapped[int] = mapped_column(BigId, ForeignKey("wh_deposits.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    card_no: Mapped[str] = mapped_column(String(40))
    category_code: Mapped[str] = mapped_column(ForeignKey("wh_categories.code"))
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(200), default="")
    qty: Mapped[int] = mapped_column(Integer)
    uom: Mapped[str] = mapped_column(String(10))
    original_value: Mapped[Decimal] = mapped_column(Money())
    net_value: Mapped[Decimal] = mapped_column(Money())
    purchase_date: Mapped[date] = mapped_column(Date)
    self_condition: Mapped[str] = mapped_column(String(1))
    location: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    secret_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    wiped: Mapped[bool] = mapped_column(Boolean, default=False)
    photos: Mapped[list] = mapped_column(default=list)
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("wh_assets.id"), nullable=True)
    counted_qty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (UniqueConstraint("deposit_id", "line_no", name="uq_wh_deposit_lines_no"),
                      CheckConstraint(_in("self_condition", CONDITIONS), name="ck_wh_deposit_lines_condition"),
                      CheckConstraint("qty > 0", name="ck_wh_deposit_lines_qty"),
                      Index("ix_wh_deposit_lines_card", "card_no"))


class DepositLot(Base):
    """What the re-inspection found of one line: `qty` items of grade A–D, tagged, as one asset
    (a line found in two grades becomes two lots, two assets)."""
    __tablename__ = "wh_deposit_lots"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    line_id: Mapped[int] = mapped_column(BigId, ForeignKey("wh_deposit_lines.id"), index=True)
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("wh_assets.id"), nullable=True)  # set on shelving
    qty: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    tag_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    repair_order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wh_service_orders.id"), nullable=True)
    __table_args__ = (CheckConstraint(_in("grade", CONDITIONS), name="ck_wh_deposit_lots_grade"),
                      CheckConstraint("qty > 0", name="ck_wh_deposit_lots_qty"))


class ServiceOffer(Base):
    """市场服务目录: a supplier's listed service or goods with its price and the market references.
    `market_price` is the reference for a temporary need (market rental or service price),
    `new_price` for a permanent one (new-purchase price; none for pure services)."""
    __tablename__ = "wh_service_offers"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)      # SV01
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("wh_categories.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    uom: Mapped[str] = mapped_column(String(10))
    unit_price: Mapped[Decimal] = mapped_column(Money())
    market_price: Mapped[Decimal] = mapped_column(Money())
    new_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    green: Mapped[bool] = mapped_column(Boolean, default=False)
    origin_region: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServicePurchase(Base):
    """市场服务采购单: one need of a unit, priced, routed, ordered, accepted, settled; with its flags."""
    __tablename__ = "wh_service_purchases"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("wh_service_offers.id"), nullable=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("wh_categories.code"))
    description: Mapped[str] = mapped_column(Text)
    qty: Mapped[int] = mapped_column(Integer)
    uom: Mapped[str] = mapped_column(String(10))
    periods: Mapped[int] = mapped_column(Integer, default=1)              # rental days/months of a listed offer
    need_kind: Mapped[str] = mapped_column(String(10))                      # TEMPORARY / PERMANENT
    reference_basis: Mapped[str] = mapped_column(String(20))                # MARKET / NEW_PURCHASE / BUDGET
    reference: Mapped[Decimal] = mapped_column(Money())
    estimate: Mapped[Decimal] = mapped_column(Money())                      # listed amount or budget
    route: Mapped[str | None] = mapped_column(String(20), nullable=True)     # set when routed (DMN)
    status: Mapped[str] = mapped_column(String(20))
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("wh_suppliers.id"), nullable=True)
    agreed_amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wh_service_orders.id"), nullable=True)   # current
    deal_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    green_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    local_specialty: Mapped[bool] = mapped_column(Boolean, default=False)
    origin_region: Mapped[str | None] = mapped_column(String(20), nullable=True)
    proof: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    auto_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    invoice_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    __table_args__ = (CheckConstraint(_in("status", PURCHASE_STATUSES), name="ck_wh_service_purchases_status"),
                      CheckConstraint("route IS NULL OR " + _in("route", PURCHASE_ROUTES),
                                      name="ck_wh_service_purchases_route"),
                      CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                                      name="ck_wh_service_purchases_rating"))


class ServiceQuote(Base):
    """A supplier's quote in a purchase's quote round (询价), or the listed offer of a direct order; `rank`
    is the order in which suppliers are offered the order (1 = lowest compliant)."""
    __tablename__ = "wh_service_quotes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(BigId, ForeignKey("wh_service_purchases.id"), index=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    compliant: Mapped[bool] = mapped_column(Boolean, default=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="QUOTED")
    note: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wh_service_orders.id"), nullable=True)
    __table_args__ = (UniqueConstraint("purchase_id", "supplier_id", name="uq_wh_service_quotes_supplier"),
                      CheckConstraint(_in("state", QUOTE_STATES), name="ck_wh_service_quotes_state"))
