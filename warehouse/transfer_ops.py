"""Operators of 跨区调剂 (cross-district transfer, DOMAIN §2(c) C2): the request and its configuration
check, matching, the plan the approval rules read, shipping, and the title transfer (调拨单).

`register(registry, clock, rules)` is called by warehouse.operators.register. Domain logic lives in
warehouse.transfers, warehouse.transfer_matching and warehouse.title_transfers.
"""
from __future__ import annotations

from engine.errors import InvalidInputError

from . import reservations, title_transfers, transfer_matching, transfers
from .transfers import DEFAULT_TRANSFER_RULES

CLOSING_STATUSES = ("REJECTED", "NO_MATCH", "CANCELLED")


def _session(ctx):
    if ctx.session is None:
        raise InvalidInputError("仓储操作须在案件的事务中执行（ctx.session 为空）")
    return ctx.session


def register(registry, clock, rules, transfer_rules: transfers.TransferRules = DEFAULT_TRANSFER_RULES) -> None:
    """Add this area's operators to `registry`."""

    def open_transfer_request(ctx, applicant_unit, item_name, qty, basis, category=None, keyword=None,
                              needed_by=None, reference_price=None, purpose=""):
        return transfers.open_request(_session(ctx), key=ctx.idempotency_key, case_id=ctx.case_id, now=clock.now(),
                                      applicant_unit=applicant_unit, item_name=item_name, qty=qty, basis=basis,
                                      category=category, keyword=keyword, needed_by=needed_by,
                                      reference_price=reference_price, purpose=purpose, rules=transfer_rules)

    def transfer_candidates(ctx, request_no, scope="REMOTE", limit=20):
        return transfer_matching.candidates(_session(ctx), request_no=request_no, scope=scope, limit=limit,
                                            rules=transfer_rules)

    def plan_transfer(ctx, request_no, asset_id):
        return transfers.plan(_session(ctx), case_id=ctx.case_id, now=clock.now(), request_no=request_no,
                              asset_id=asset_id, key=ctx.idempotency_key, rules=transfer_rules)

    def release_transfer_match(ctx, request_no, note="保管方未同意，重新匹配"):
        session = _session(ctx)
        released = reservations.release(session, case_id=ctx.case_id, now=clock.now(), note=note)
        view = transfers.set_status(session, request_no=request_no, status="SUBMITTED", now=clock.now())
        return {**view, "released": released["count"]}

    def close_transfer_request(ctx, request_no, status, reason, rejected_by=None):
        if status not in CLOSING_STATUSES:
            raise InvalidInputError(f"结束状态 {status!r} 无效，可选 {', '.join(CLOSING_STATUSES)}", {"status": status})
        return transfers.close(_session(ctx), case_id=ctx.case_id, request_no=request_no, status=status,
                               reason=reason, now=clock.now(), rejected_by=rejected_by)

    def mark_transfer_approved(ctx, request_no):
        return transfers.set_status(_session(ctx), request_no=request_no, status="APPROVED", now=clock.now())

    def ship_transfer(ctx, request_no, order_id=None):
        return title_transfers.ship(_session(ctx), case_id=ctx.case_id, now=clock.now(), request_no=request_no,
                                    order_id=order_id)

    def return_damaged_transfer(ctx, request_no, note, order_id=None):
        return title_transfers.return_damaged(_session(ctx), case_id=ctx.case_id, now=clock.now(),
                                              request_no=request_no, note=note, order_id=order_id)

    def complete_title_transfer(ctx, request_no, approvals, order_id=None):
        return title_transfers.complete(_session(ctx), key=ctx.idempotency_key, case_id=ctx.case_id,
                                        now=clock.now(), request_no=request_no, approvals=approvals,
                                        order_id=order_id)

    def record_loan_conversion(ctx, request_no, loan_outcome):
        return transfers.set_status(_session(ctx), request_no=request_no, status="CONVERTED_TO_LOAN", now=clock.now(),
                                    loan_outcome=str(loan_outcome))

    for fn, description in [
        (open_transfer_request, "登记调剂申请并核验配置标准"),
        (transfer_candidates, "调剂匹配：本区分仓或跨仓候选资产排序（品相、路程、闲置时长）"),
        (plan_transfer, "预留匹配资产并确定调剂双方（财政层级、部门、金额）"),
        (release_transfer_match, "释放匹配资产，重新匹配"),
        (close_transfer_request, "结束调剂申请（未通过、无可调剂资产），释放预留"),
        (mark_transfer_approved, "调剂审批通过"),
        (ship_transfer, "调剂发运：资产运输中"),
        (return_damaged_transfer, "到货损坏，退回保管方复验"),
        (complete_title_transfer, "出具调拨单：调出方核销、调入单位建卡（原值结转）"),
        (record_loan_conversion, "调剂转为借用"),
    ]:
        registry.register(fn.__name__, fn, description=description)
