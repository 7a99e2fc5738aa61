"""跨区调剂 (permanent transfer, DOMAIN §2(c) C2): the request, the configuration-standard check, the
match plan that decides who approves (fiscal levels, departments), and the request's status.

Every function works on the caller's open session and never commits. Matching (the ranked candidates)
is in `transfer_matching`; shipping and the books (调拨单) in `title_transfers`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError, NotFoundError, OperatorError, RefusalError

from . import reservations
from .access import money
from .tables import Asset, Category, Region, Unit, Warehouse
from .transfer_tables import TransferRequest


@dataclass(frozen=True)
class TransferRules:
    """[A] numbers of DOMAIN §2(c) C2 (the approval chain itself is the DMN table transfer_approval.dmn)."""
    # C2 step 4 "branch B must confirm within 2 working days", then the timer escalates to the center.
    holder_consultation_working_days: int = 2
    # C2 step 5 "the applicant may convert the request into C1 (a loan)": how long the offer stays open.
    loan_offer_working_days: int = 10
    # C2 "Overall SLA: 10 working days"; the matched asset is held this many calendar days (reservation).
    reservation_hold_days: int = 14
    # C2 step 3 "... and, if allowed, partner cities": match partner (都市圈) warehouses too.
    match_partner_warehouses: bool = False
    # C2 step 3 ranking [A]: condition grades that may be offered, best first (D has no use value).
    condition_order: tuple[str, ...] = ("A", "B", "C")
    # transferApproval sameDept*: the unit that owns (runs) a warehouse, for the same-department test.
    warehouse_owner_units: tuple[tuple[str, str], ...] = field(default=(("WH-CD-MAIN", "U01"),))


DEFAULT_TRANSFER_RULES = TransferRules()


# ------------------------------------------------------------------------------------------ lookups
def region_of(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFoundError(f"行政区划 {code} 不存在", {"region": code})
    return region


def warehouse_of_region(session: Session, region_code: str) -> Warehouse | None:
    """The warehouse of a region: the main warehouse of the city level, a district's branch, a partner's."""
    return session.scalar(select(Warehouse).where(Warehouse.region_code == region_code).order_by(Warehouse.id))


def finance_bureau(session: Session, region: Region) -> str:
    wh = warehouse_of_region(session, region.code)
    return wh.finance_bureau if wh is not None else f"{region.name}财政局"


def unit_of(session: Session, unit_id: str) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError(f"使用单位 {unit_id} 不存在", {"unit": unit_id})
    return unit


def request_of(session: Session, request_no: str) -> TransferRequest:
    found = session.scalar(select(TransferRequest).where(TransferRequest.request_no == request_no)
                           .with_for_update())
    if found is None:
        raise NotFoundError(f"调剂申请 {request_no} 不存在", {"request_no": request_no})
    return found


# ------------------------------------------------------------------------------------------ request
def check_standard(basis: dict, qty: int) -> tuple[bool, str]:
    """配置依据: holdings after the transfer must stay within the configuration standard (C2 step 1 [K])."""
    try:
        standard = int(basis["standard_qty"])
        current = int(basis.get("current_qty", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError("配置依据须包含配置标准数量 standard_qty 和现有数量 current_qty（整数）",
                                {"basis": basis}) from exc
    after = current + qty
    if after > standard:
        return True, (f"超出配置标准：现有 {current} 件，申请 {qty} 件，调剂后 {after} 件，"
                      f"配置标准为 {standard} 件")
    return False, f"符合配置标准：调剂后 {after} 件，配置标准 {standard} 件"


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInputError("新购参考价必须是金额（元）", {"reference_price": value}) from exc
    if not amount.is_finite() or amount < 0:
        raise InvalidInputError("新购参考价必须是非负金额（元）", {"reference_price": value})
    return amount


def _describe_applicant(session: Session, unit: Unit) -> dict:
    region = region_of(session, unit.region_code)
    own = warehouse_of_region(session, region.code)
    return {"applicant_unit": unit.id, "applicant_name": unit.name, "applicant_region": region.name,
            "applicant_region_code": region.code, "applicant_city": region.city,
            "applicant_warehouse": own.id if own else None,
            "applicant_finance_bureau": finance_bureau(session, region),
            "applicant_supervisor": unit.supervising_dept}


def open_request(session: Session, *, key: str, case_id: str | None, now: datetime, applicant_unit: str,
                 item_name: str, qty: int, basis: dict, category: str | None = None, keyword: str | None = None,
                 needed_by: str | None = None, reference_price=None, purpose: str = "",
                 rules: TransferRules = DEFAULT_TRANSFER_RULES) -> dict:
    """Record the request (idempotent per key) and check it against the configuration standard."""
    unit = unit_of(session, applicant_unit)
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise InvalidInputError("申请数量必须是正整数", {"qty": qty})
    if not str(item_name or "").strip():
        raise InvalidInputError("请填写所需资产名称 (item_name)")
    if category and session.get(Category, category) is None:
        raise NotFoundError(f"资产类别 {category} 不存在", {"category": category})
    if not isinstance(basis, dict):
        raise InvalidInputError("配置依据 basis 必须是对象：编制人数、配置标准、现有数量", {"basis": basis})
    over, message = check_standard(basis, qty)
    row = session.scalar(select(TransferRequest).where(TransferRequest.idempotency_key == key))
    if row is None:
        row = TransferRequest(request_no=f"TMP-{key}"[:30], idempotency_key=key, case_id=case_id,
                              applicant_unit=unit.id, item_name=str(item_name).strip(), category_code=category or None,
                              keyword=keyword or None, qty=qty, basis=dict(basis),
                              needed_by=date.fromisoformat(needed_by[:10]) if needed_by else None,
                              reference_price=_amount(reference_price), purpose=str(purpose or ""),
                              status="REJECTED" if over else "SUBMITTED", reason=message if over else "",
                              rejected_by="配置标准核验" if over else None, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        row.request_no = f"TR{now:%Y%m%d}-{row.id:04d}"
        session.flush()
    return {"request_no": row.request_no, "status": row.status, "over_standard": over, "standard_message": message,
            "item_name": row.item_name, "category": row.category_code, "keyword": row.keyword, "qty": row.qty,
            "needed_by": row.needed_by.isoformat() if row.needed_by else None,
            "reference_price": money(row.reference_price) if row.reference_price is not None else None,
            **_describe_applicant(session, unit),
            "deadlines": {"holder_consultation_working_days": rules.holder_consultation_working_days,
                          "loan_offer_working_days": rules.loan_offer_working_days}}


def set_status(session: Session, *, request_no: str, status: str, now: datetime, reason: str | None = None,
               rejected_by: str | None = None, loan_outcome: str | None = None) -> dict:
    row = request_of(session, request_no)
    row.status = status
    if reason is not None:
        row.reason = str(reason)
    if rejected_by is not None:
        row.rejected_by = str(rejected_by)[:200]
    if loan_outcome is not None:
        row.loan_outcome = loan_outcome
    row.updated_at = now
    session.flush()
    return request_view(row)


def close(session: Session, *, case_id: str | None, request_no: str, status: str, reason: str, now: datetime,
          rejected_by: str | None = None) -> dict:
    """End the request (REJECTED, NO_MATCH, CANCELLED): release what this case holds, so the asset
    stays AVAILABLE, and keep the reason that the applicant is shown. No books are touched."""
    released = reservations.release(session, case_id=case_id, now=now, note=f"调剂申请 {request_no} 结束，释放预留")
    view = set_status(session, request_no=request_no, status=status, now=now, reason=reason, rejected_by=rejected_by)
    return {**view, "released": released["count"]}


def request_view(row: TransferRequest) -> dict:
    return {"request_no": row.request_no, "case_id": row.case_id, "applicant_unit": row.applicant_unit,
            "item_name": row.item_name, "category": row.category_code, "qty": row.qty, "basis": row.basis,
            "needed_by": row.needed_by.isoformat() if row.needed_by else None,
            "reference_price": money(row.reference_price) if row.reference_price is not None else None,
            "status": row.status, "asset_id": row.asset_id, "holder_warehouse": row.holder_warehouse,
            "reason": row.reason, "rejected_by": row.rejected_by, "loan_outcome": row.loan_outcome,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


# ------------------------------------------------------------------------------------------ plan
def _owner(rules: TransferRules, warehouse_id: str) -> str | None:
    return dict(rules.warehouse_owner_units).get(warehouse_id)


def plan(session: Session, *, case_id: str | None, now: datetime, request_no: str, asset_id: str, key: str,
         rules: TransferRules = DEFAULT_TRANSFER_RULES) -> dict:
    """Hold the matched asset for the applicant and describe the transfer for the approval rules: the
    holder's and the applicant's fiscal levels, the departments, the value. Refuses (NOT_AVAILABLE)
    when the asset cannot be held, so the process can go back to matching."""
    row = request_of(session, request_no)
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise RefusalError(f"资产 {asset_id} 不存在", code="NOT_AVAILABLE", details={"assetId": asset_id})
    if row.category_code and asset.category_code != row.category_code:
        raise RefusalError(f"{asset.id} {asset.name} 不属于申请的资产类别 {row.category_code}", code="NOT_AVAILABLE",
                           details={"assetId": asset_id})
    try:
        held = reservations.reserve(session, items=[{"assetId": asset_id, "qty": row.qty}], unit=row.applicant_unit,
                                    case_id=case_id, now=now, hold_hours=24 * rules.reservation_hold_days,
                                    idempotency_key=key)
    except OperatorError as exc:      # short or not AVAILABLE: the center must match again
        raise RefusalError(exc.message, code="NOT_AVAILABLE", details={"assetId": asset_id}) from exc
    unit = unit_of(session, row.applicant_unit)
    applicant = _describe_applicant(session, unit)
    holder_wh = session.get(Warehouse, asset.warehouse_id)
    holder_region = region_of(session, holder_wh.region_code)
    own = holder_wh.id == applicant["applicant_warehouse"]
    owner = _owner(rules, holder_wh.id)
    same_dept = owner is not None and owner in (unit.id, unit.supervising_dept)
    total = asset.unit_value * row.qty
    reference = (row.reference_price if row.reference_price is not None else asset.unit_value) * row.qty
    row.status, row.asset_id, row.holder_warehouse, row.updated_at = "MATCHED", asset.id, holder_wh.id, now
    session.flush()
    return {"request_no": row.request_no, "asset_id": asset.id, "asset_name": asset.name,
            "category": asset.category_code, "condition": asset.condition, "qty": row.qty,
            "unit_value": money(asset.unit_value), "total_value": money(total),
            "reference_total": money(reference),
            "holder_warehouse": holder_wh.id, "holder_warehouse_name": holder_wh.name,
            "holder_level": holder_wh.level, "holder_region": holder_region.name,
            "holder_region_code": holder_region.code, "holder_city": holder_region.city,
            "holder_finance_bureau": holder_wh.finance_bureau, "holder_owner_unit": owner,
            **applicant,
            "local": own, "needs_consultation": holder_wh.level != "MAIN" and not own,
            "cross_fiscal_level": holder_region.code != applicant["applicant_region_code"],
            "cross_city": holder_region.city != applicant["applicant_city"], "same_dept": same_dept,
            "reservations": [r["id"] for r in held["reservations"]]}
