"""Tables of 跨区调剂 (cross-district transfer, DOMAIN §2(c) C2): the transfer requests and the title
transfers (调拨单) that move an asset's title from the holder's fiscal level to the receiving unit.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables import Base, BigId

from .tables import Money, _in

TRANSFER_STATUSES = ("SUBMITTED", "MATCHED", "APPROVED", "IN_TRANSIT", "COMPLETED", "REJECTED", "NO_MATCH",
                     "CONVERTED_TO_LOAN", "RETURNED_DAMAGED", "CANCELLED")


class TransferRequest(Base):
    """调剂申请: one permanent transfer (无偿划转) asked for by a unit, from request to books (or rejection)."""
    __tablename__ = "wh_transfer_requests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_no: Mapped[str] = mapped_column(String(30), unique=True)          # TR20260105-0001
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    applicant_unit: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("wh_categories.code"), nullable=True)
    keyword: Mapped[str | None] = mapped_column(String(100), nullable=True)
    qty: Mapped[int] = mapped_column(Integer)
    basis: Mapped[dict]                                # 配置依据: staff_count, standard_qty, current_qty, note
    needed_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    reference_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)   # new-purchase price each
    purpose: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="SUBMITTED")
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("wh_assets.id"), nullable=True)
    holder_warehouse: Mapped[str | None] = mapped_column(ForeignKey("wh_warehouses.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")                     # why rejected / not matched
    rejected_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    loan_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)   # after 转为借用
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (CheckConstraint(_in("status", TRANSFER_STATUSES), name="ck_wh_transfer_requests_status"),
                      CheckConstraint("qty > 0", name="ck_wh_transfer_requests_qty"))


class TitleTransfer(Base):
    """调拨单: the finance-approved note that writes the asset off the holder's books (its fiscal level) and
    books a new card for the receiving unit, carrying the original value (原值) over."""
    __tablename__ = "wh_title_transfers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    note_no: Mapped[str] = mapped_column(String(30), unique=True)             # DB20260105-0001
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("wh_transfer_requests.id"), index=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("wh_assets.id"), index=True)       # the row written off
    source_asset_id: Mapped[str] = mapped_column(ForeignKey("wh_assets.id"))            # the lot it came from
    qty: Mapped[int] = mapped_column(Integer)
    original_value: Mapped[Decimal] = mapped_column(Money())                # 原值 per item, carried over
    from_warehouse: Mapped[str] = mapped_column(ForeignKey("wh_warehouses.id"))
    from_region: Mapped[str] = mapped_column(ForeignKey("wh_regions.code"))  # releasing fiscal level
    from_finance_bureau: Mapped[str] = mapped_column(String(100))
    to_unit: Mapped[str] = mapped_column(ForeignKey("wh_units.id"), index=True)
    to_region: Mapped[str] = mapped_column(ForeignKey("wh_regions.code"))    # receiving fiscal level
    to_finance_bureau: Mapped[str] = mapped_column(String(100))
    new_card_no: Mapped[str] = mapped_column(String(40))                     # the receiving unit's card
    approvals: Mapped[list]                                                  # the finance approvals / filing
    transferred_at: Mapped[datetime]
    __table_args__ = (CheckConstraint("qty > 0", name="ck_wh_title_transfers_qty"),)
