"""Tables of 公务用车三定点 (official vehicles, DOMAIN §2(d)): designation lots and awards, recognition
proposals, repair requests with their quotes, invoices checked at settlement and the audit trail of
designation exceptions.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
`wh_designations` and `wh_recognitions` (warehouse/tables.py) stay the single source the date check
(`suppliers.is_designated_or_recognised`) reads; the tables here record how rows got there.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables import Base, BigId

from .tables import SERVICES, Money, _in

LOT_STATES = ("OPEN", "AWARDED", "PUBLISHED")
AWARD_STATES = ("PENDING", "PUBLISHED")
PROPOSAL_STATES = ("PENDING", "DECIDED", "CLOSED")
RECOGNITION_ITEM_STATES = ("PROPOSED", "ACCEPTED", "REJECTED", "LAPSED")
REPAIR_KINDS = ("ROUTINE", "OVERHAUL", "ACCIDENT")
REPAIR_STATES = ("OPEN", "QUOTED", "APPROVED", "REJECTED", "REPAIRED", "SETTLED", "NOT_REIMBURSED")
INVOICE_FLAGS = ("DESIGNATED", "RECOGNISED", "NON_DESIGNATED")
INVOICE_STATES = ("PASSED", "REFUSED", "EXCEPTION", "SETTLED", "NOT_REIMBURSED")
EXCEPTION_KINDS = ("URGENT_AWAY_FROM_HOME",)


class VehicleLot(Base):
    """采购包: a lot the vehicle authority of `city` puts out to tender (service, region, term)."""
    __tablename__ = "wh_vehicle_lots"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    city: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))                   # service region, e.g. 成都市全域
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="OPEN")
    created_at: Mapped[datetime]
    __table_args__ = (CheckConstraint(_in("service", SERVICES), name="ck_wh_vehicle_lots_service"),
                      CheckConstraint(_in("status", LOT_STATES), name="ck_wh_vehicle_lots_status"),
                      CheckConstraint("term_end >= term_start", name="ck_wh_vehicle_lots_term"))


class DesignationAward(Base):
    """中标结果: the winner of a lot with its contract; becomes a `wh_designations` row when published."""
    __tablename__ = "wh_designation_awards"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("wh_vehicle_lots.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), index=True)
    contract_no: Mapped[str] = mapped_column(String(60))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    outlets: Mapped[list]
    price_terms: Mapped[dict]                # {labourDiscount, partsCap, fuelDiscount, premiumDiscount, text}
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    designation_id: Mapped[int | None] = mapped_column(ForeignKey("wh_designations.id"), nullable=True)
    recorded_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint(_in("status", AWARD_STATES), name="ck_wh_designation_awards_status"),
                      UniqueConstraint("lot_id", "supplier_id", name="uq_wh_designation_awards_lot_supplier"))


class RecognitionProposal(Base):
    """互认提议: city `from_city` offers its designated suppliers to partner cities."""
    __tablename__ = "wh_recognition_proposals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    from_city: Mapped[str] = mapped_column(String(20))
    agreement: Mapped[str] = mapped_column(String(200), default="")
    agreement_end: Mapped[date] = mapped_column(Date)
    proposed_at: Mapped[datetime]
    review_deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    __table_args__ = (CheckConstraint(_in("status", PROPOSAL_STATES), name="ck_wh_recognition_proposals_status"),)


class RecognitionItem(Base):
    """One supplier offered to one partner city: decided per supplier; ACCEPTED items own a
    `wh_recognitions` row until they lapse at min(contract end, agreement end)."""
    __tablename__ = "wh_recognition_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("wh_recognition_proposals.id"), index=True)
    designation_id: Mapped[int] = mapped_column(ForeignKey("wh_designations.id"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), index=True)
    to_city: Mapped[str] = mapped_column(String(20), index=True)
    service: Mapped[str] = mapped_column(String(10))
    outlets: Mapped[list]                                              # outlets in the partner city
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="PROPOSED")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    recognition_id: Mapped[int | None] = mapped_column(ForeignKey("wh_recognitions.id"), nullable=True)
    lapsed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint(_in("status", RECOGNITION_ITEM_STATES), name="ck_wh_recognition_items_status"),
                      UniqueConstraint("proposal_id", "designation_id", "to_city", name="uq_wh_recognition_items"))


class VehicleRepair(Base):
    """送修单: one repair of one official vehicle, from request to settlement."""
    __tablename__ = "wh_vehicle_repairs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("wh_vehicles.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    home_city: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(200))
    location_city: Mapped[str | None] = mapped_column(String(20), nullable=True)
    mileage: Mapped[int] = mapped_column(Integer)
    fault: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="ROUTINE")
    status: Mapped[str] = mapped_column(String(16), default="OPEN")
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("wh_suppliers.id"), nullable=True)
    quoted_amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(12), nullable=True)   # FLEET / UNIT / AUTHORITY
    service_order_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actual_amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    service_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    work_items: Mapped[list | None] = mapped_column(nullable=True)
    replaced_parts: Mapped[list | None] = mapped_column(nullable=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint(_in("kind", REPAIR_KINDS), name="ck_wh_vehicle_repairs_kind"),
                      CheckConstraint(_in("status", REPAIR_STATES), name="ck_wh_vehicle_repairs_status"))


class RepairQuote(Base):
    """报价: what a shop quoted for a repair, and whether the shop was designated or recognised for the
    vehicle's home city on the day of the quote."""
    __tablename__ = "wh_vehicle_repair_quotes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    repair_id: Mapped[int] = mapped_column(ForeignKey("wh_vehicle_repairs.id"), index=True)
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("wh_suppliers.id"), nullable=True)
    supplier_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money())
    work_items: Mapped[list]
    eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility: Mapped[str] = mapped_column(Text, default="")
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime]
    __table_args__ = (CheckConstraint("amount >= 0", name="ck_wh_vehicle_repair_quotes_amount"),)


class VehicleInvoice(Base):
    """A repair (or fuel, insurance) invoice checked at settlement: was its supplier designated by, or
    recognised for, the vehicle's home city on the service date? NON_DESIGNATED ones are refused unless a
    designation exception is filed."""
    __tablename__ = "wh_vehicle_invoices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    repair_id: Mapped[int | None] = mapped_column(ForeignKey("wh_vehicle_repairs.id"), nullable=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("wh_vehicles.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    home_city: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(10))
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("wh_suppliers.id"), nullable=True)
    supplier_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money())
    service_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    location_city: Mapped[str | None] = mapped_column(String(20), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    flag: Mapped[str] = mapped_column(String(16))
    check_reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    checked_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint(_in("service", SERVICES), name="ck_wh_vehicle_invoices_service"),
                      CheckConstraint(_in("flag", INVOICE_FLAGS), name="ck_wh_vehicle_invoices_flag"),
                      CheckConstraint(_in("status", INVOICE_STATES), name="ck_wh_vehicle_invoices_status"),
                      CheckConstraint("amount >= 0", name="ck_wh_vehicle_invoices_amount"),
                      Index("ix_wh_vehicle_invoices_unit_flag", "unit_id", "flag"))


class DesignationException(Base):
    """例外备案 (audit trail): a unit head let a NON_DESIGNATED invoice through as an urgent repair away
    from home, with a reason (DOMAIN §2(d) step 11 [V10])."""
    __tablename__ = "wh_vehicle_exceptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("wh_vehicle_invoices.id"), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="URGENT_AWAY_FROM_HOME")
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(80))                # the grant that approved: UNIT_HEAD@U03
    filed_at: Mapped[datetime]
    __table_args__ = (CheckConstraint(_in("kind", EXCEPTION_KINDS), name="ck_wh_vehicle_exceptions_kind"),)
