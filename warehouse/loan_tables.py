"""Tables of 借用 (loans, DOMAIN §2(b)): one `wh_loans` row per approved loan case (its release note,
hand-over, due date, overdue episode, return and closing figures) and one `wh_loan_lines` row per lot
lent out (with what came back intact, damaged or lost).

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
Lots (wh_assets rows) carry one status each: when only part of a lot is lent, or part of it comes back
damaged or lost, the part is split off into its own lot (`A002-1`), see warehouse/lots.py.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables import Base, BigId

from .tables import Money, _in

LOAN_KINDS = ("LOAN", "RENTAL")
LOAN_STATUSES = ("RELEASED", "ON_LOAN", "OVERDUE", "RETURNED", "CLOSED", "CANCELLED")
DELIVERY_MODES = ("DELIVERY", "PICKUP")


class Loan(Base):
    """借用单: created when the warehouse issues the release note (出仓单) of an approved request."""
    __tablename__ = "wh_loans"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), unique=True)
    release_no: Mapped[str] = mapped_column(String(30), unique=True)          # 出仓单号 CK-2026-000001
    kind: Mapped[str] = mapped_column(String(10), default="LOAN")
    unit_id: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)                             # end date + grace
    delivery_mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="RELEASED")
    total_value: Mapped[Decimal] = mapped_column(Money())
    reference_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    released_at: Mapped[datetime]
    pickup_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    receipt_auto: Mapped[bool] = mapped_column(Boolean, default=False)
    extensions: Mapped[int] = mapped_column(Integer, default=0)                 # 续借 granted
    reminded: Mapped[str] = mapped_column(String(100), default="")            # "2026-03-14:7,..." sent
    overdue_since: Mapped[datetime | None] = mapped_column(nullable=True)
    overdue_notices: Mapped[int] = mapped_column(Integer, default=0)
    blocked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    inspected_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    compensation: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))     # 照价赔偿 of lost items
    actual_cost: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (CheckConstraint(_in("kind", LOAN_KINDS), name="ck_wh_loans_kind"),
                      CheckConstraint(_in("status", LOAN_STATUSES), name="ck_wh_loans_status"),
                      CheckConstraint(_in("delivery_mode", DELIVERY_MODES), name="ck_wh_loans_delivery_mode"))


class LoanLine(Base):
    """One lot lent out: `asset_id` is the lot that left the warehouse (the reserved lot itself, or the part
    split off it, `source_asset_id`); the returned quantities are filled in by the return inspection."""
    __tablename__ = "wh_loan_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("wh_loans.id"), index=True)
    source_asset_id: Mapped[str] = mapped_column(ForeignKey("wh_assets.id"))
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("wh_assets.id"), nullable=True, index=True)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("wh_reservations.id"), nullable=True)
    qty: Mapped[int] = mapped_column(Integer)
    unit_value: Mapped[Decimal] = mapped_column(Money())
    condition: Mapped[str] = mapped_column(String(1))                          # at release
    qty_intact: Mapped[int | None] = mapped_column(Integer, nullable=True)
    qty_damaged: Mapped[int | None] = mapped_column(Integer, nullable=True)
    qty_lost: Mapped[int | None] = mapped_column(Integer, nullable=True)
    damaged_asset_id: Mapped[str | None] = mapped_column(ForeignKey("wh_assets.id"), nullable=True)
    lost_asset_id: Mapped[str | None] = mapped_column(ForeignKey("wh_assets.id"), nullable=True)
    repaired_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (CheckConstraint("qty > 0", name="ck_wh_loan_lines_qty"),)
