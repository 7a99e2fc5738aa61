"""A unit's loan record (借用记录): its loans with their overdue episodes, and its blocks (open and lifted).
Read side only; the block that an overdue loan raised stays here after it is lifted.

Meant for an endpoint `GET /api/v1/units/{unit}/loans` (not in api/ yet: see the loans report).
"""
from __future__ import annotations

from sqlalchemy import select

from engine.errors import NotFoundError

from .access import money, session_of
from .loan_tables import Loan
from .tables import Unit, UnitBlock


def _iso(value):
    return value.isoformat() if value is not None else None


def loan_row(loan: Loan) -> dict:
    return {"caseId": loan.case_id, "releaseNo": loan.release_no, "kind": loan.kind, "status": loan.status,
            "unit": loan.unit_id, "warehouse": loan.warehouse_id, "startDate": _iso(loan.start_date),
            "endDate": _iso(loan.end_date), "dueDate": _iso(loan.due_date), "deliveryMode": loan.delivery_mode,
            "totalValue": money(loan.total_value), "receivedAt": _iso(loan.received_at),
            "overdueSince": _iso(loan.overdue_since), "overdueNotices": loan.overdue_notices,
            "escalatedAt": _iso(loan.escalated_at), "returnedAt": _iso(loan.returned_at),
            "closedAt": _iso(loan.closed_at), "compensation": money(loan.compensation),
            "actualCost": money(loan.actual_cost) if loan.actual_cost is not None else None}


def unit_record(db, unit: str) -> dict:
    with session_of(db) as s:
        row = s.get(Unit, unit)
        if row is None:
            raise NotFoundError(f"使用单位不存在：{unit}", {"unit": unit})
        loans = [loan_row(x) for x in s.scalars(select(Loan).where(Loan.unit_id == unit).order_by(Loan.id))]
        blocks = [{"reason": b.reason, "since": _iso(b.since), "liftedAt": _iso(b.lifted_at), "caseId": b.case_id}
                  for b in s.scalars(select(UnitBlock).where(UnitBlock.unit_id == unit).order_by(UnitBlock.id))]
        return {"unit": row.id, "name": row.name, "blocked": any(b["liftedAt"] is None for b in blocks),
                "loans": loans, "blocks": blocks,
                "overdueEpisodes": sum(1 for x in loans if x["overdueSince"])}


def loan_of_case(db, case_id: str) -> dict:
    with session_of(db) as s:
        loan = s.scalar(select(Loan).where(Loan.case_id == case_id))
        if loan is None:
            raise NotFoundError(f"案件 {case_id} 没有借用单", {"case_id": case_id})
        return loan_row(loan)
