"""Tables of 应急物资调拨 (emergency dispatch): allocation, dispatch lines, receipts, shortages, recovery, replenishment.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.

- `EmergencyAllocation`: one 应急调拨单 per case: requesting region, level, and the candidate list it
  was allocated over (kept, so a re-allocation goes on down the same list).
- `EmergencyLine`: one line per item, demand point and source (warehouse or contract-reserve supplier).
  States: RESERVED (the stock is held for this incident) → DISPATCHED (left the warehouse) → RECEIVED
  (signed for at the site) → RECOVERED (reusables back in stock) | WRITTEN_OFF (consumed). A line taken
  away from a late warehouse becomes REALLOCATED and its successors point to it (`parent_id`); a short
  receipt adds a SHORTAGE line (the follow-up) pointing to the short line. CANCELLED: never dispatched.
- `EmergencyQuota`: 储备定额 per warehouse and item (the listed stock), the base of replenishment.
- `EmergencyContractReserve`: 协议储备, what a supplier holds on call for the government, per item.
- `EmergencyStockMove`: append-only ledger of every change of `wh_emergency_stock.qty`.
- `EmergencyReplenishment`: the gap per warehouse and item after a response, and its order.
- `EmergencyOpLog`: the result of each writing operator run, by idempotency key (a retried step
  returns the first result and writes nothing).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables import Base, BigId

LEVELS = ("I", "II", "III", "IV")
ALLOCATION_STATES = ("OPEN", "ENDED")
LINE_STATES = ("RESERVED", "DISPATCHED", "RECEIVED", "REALLOCATED", "CANCELLED", "SHORTAGE", "RECOVERED",
               "WRITTEN_OFF")
SOURCE_KINDS = ("WAREHOUSE", "SUPPLIER", "NONE")
MOVE_KINDS = ("DISPATCH", "RECOVER", "REPLENISH", "ADJUST")
REPLENISH_STATES = ("PLANNED", "ORDERED", "RECEIVED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EmergencyAllocation(Base):
    __tablename__ = "wh_emergency_allocations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("wh_regions.code"))
    level: Mapped[str] = mapped_column(String(3))
    protect_reserve: Mapped[bool]                 # protect other districts' safety reserve (below level I)
    incident: Mapped[dict]                         # {type, location, ...} as declared
    candidates: Mapped[list]                       # [{kind, id, name, tier, minutes, region}] in order
    state: Mapped[str] = mapped_column(String(10), default="OPEN")
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint(_in("level", LEVELS), name="ck_wh_emergency_allocations_level"),
                      CheckConstraint(_in("state", ALLOCATION_STATES), name="ck_wh_emergency_allocations_state"))


class EmergencyLine(Base):
    __tablename__ = "wh_emergency_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("wh_emergency_allocations.id"), index=True)
    site: Mapped[str] = mapped_column(String(200))
    item_code: Mapped[str] = mapped_column(ForeignKey("wh_emergency_items.code"))
    qty: Mapped[int] = mapped_column(Integer)
    source_kind: Mapped[str] = mapped_column(String(10))
    warehouse_id: Mapped[str | None] = mapped_column(ForeignKey("wh_warehouses.id"), nullable=True)
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("wh_suppliers.id"), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(10), nullable=True)     # OWN, BRANCH, MAIN, PARTNER, SUPPLIER
    round: Mapped[int] = mapped_column(Integer, default=1)                  # 1 = first allocation
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("wh_emergency_lines.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    driver: Mapped[str | None] = mapped_column(String(100), nullable=True)
    vehicle: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tracking: Mapped[str | None] = mapped_column(String(200), nullable=True)
    departed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    eta: Mapped[datetime | None] = mapped_column(nullable=True)
    received_qty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recovered_qty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    written_off_qty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint("qty > 0", name="ck_wh_emergency_lines_qty"),
                      CheckConstraint(_in("state", LINE_STATES), name="ck_wh_emergency_lines_state"),
                      CheckConstraint(_in("source_kind", SOURCE_KINDS), name="ck_wh_emergency_lines_source"),
                      Index("ix_wh_emergency_lines_source_state", "warehouse_id", "item_code", "state"))


class EmergencyQuota(Base):
    """储备定额: the stock a warehouse must hold of an item. Recorded from the listed stock the first time an
    allocation touches the item (see warehouse.emergency.quota_of), or set by an administrator."""
    __tablename__ = "wh_emergency_quotas"
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("wh_emergency_items.code"), primary_key=True)
    quota: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime]


class EmergencyContractReserve(Base):
    """协议储备: a supplier holds `qty` of an item on call; lines allocated to it draw on this."""
    __tablename__ = "wh_emergency_contract_reserves"
    supplier_id: Mapped[str] = mapped_column(ForeignKey("wh_suppliers.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("wh_emergency_items.code"), primary_key=True)
    qty: Mapped[int] = mapped_column(Integer)
    __table_args__ = (CheckConstraint("qty >= 0", name="ck_wh_emergency_contract_reserves_qty"),)


class EmergencyStockMove(Base):
    __tablename__ = "wh_emergency_stock_moves"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"), index=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("wh_emergency_items.code"))
    delta: Mapped[int] = mapped_column(Integer)
    qty_after: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("wh_emergency_lines.id"), nullable=True)
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (CheckConstraint(_in("kind", MOVE_KINDS), name="ck_wh_emergency_stock_moves_kind"),)


class EmergencyReplenishment(Base):
    __tablename__ = "wh_emergency_replenishments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("wh_emergency_allocations.id"), index=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"))
    item_code: Mapped[str] = mapped_column(ForeignKey("wh_emergency_items.code"))
    qty: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="PLANNED")
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime]
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (CheckConstraint("qty > 0", name="ck_wh_emergency_replenishments_qty"),
                      CheckConstraint(_in("state", REPLENISH_STATES), name="ck_wh_emergency_replenishments_state"))


class EmergencyOpLog(Base):
    __tablename__ = "wh_emergency_op_log"
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operator: Mapped[str] = mapped_column(String(60))
    result: Mapped[dict]
    at: Mapped[datetime]
