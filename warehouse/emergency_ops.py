"""Operators of 应急物资调拨 (emergency dispatch): allocation, dispatch lines, receipts, shortages, recovery, replenishment.

`register(registry, clock, rules)` is called by warehouse.operators.register. Every operator works in the
case's unit of work (`ctx.session`), stamps times with the engine's clock and is idempotent per
`ctx.idempotency_key`: a retried step gets the first result back and writes nothing more. Impossible
requests raise `RefusalError` with a code (STOCK_SHORT, LINE_NOT_OPEN, RECEIPT_EXCEEDS...).
Domain logic: warehouse/emergency.py (allocation) and warehouse/emergency_movements.py (afterwards).
"""
from __future__ import annotations

import json

from engine.errors import InvalidInputError

from . import emergency as E
from . import emergency_movements as M
from .emergency_tables import EmergencyOpLog


def _session(ctx):
    if ctx.session is None:
        raise InvalidInputError("仓储操作须在案件的事务中执行（ctx.session 为空）")
    return ctx.session


def _once(ctx, name: str, clock, run):
    """Run `run(session, now)` once per idempotency key; later runs return the stored result."""
    session = _session(ctx)
    done = session.get(EmergencyOpLog, ctx.idempotency_key)
    if done is not None:
        return done.result
    now = clock.now()
    result = json.loads(json.dumps(run(session, now), ensure_ascii=False, default=str))
    session.add(EmergencyOpLog(idempotency_key=ctx.idempotency_key, operator=name, result=result, at=now))
    session.flush()
    return result


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} 必须是整数", {name: value}) from None


def register(registry, clock, rules, emergency_rules: E.EmergencyRules = E.DEFAULT_EMERGENCY_RULES) -> None:
    """Add this area's operators to `registry`."""

    def allocate_emergency_stock(ctx, region, level, demands, protect_reserve=True, incident=None):
        return E.allocate(_session(ctx), key=ctx.idempotency_key, case_id=ctx.case_id, region=region, level=level,
                          demands=demands, protect_reserve=bool(protect_reserve), incident=incident,
                          now=clock.now(), rules=emergency_rules)

    def reallocate_emergency_lines(ctx, allocation_id, line_ids):
        return _once(ctx, "reallocate_emergency_lines", clock, lambda s, now: E.reallocate(
            s, allocation_id=_int(allocation_id, "allocation_id"), line_ids=list(line_ids or []), now=now))

    def confirm_emergency_dispatch(ctx, allocation_id, line_ids, driver=None, vehicle=None, departed_at=None,
                                   eta=None, tracking=None):
        return _once(ctx, "confirm_emergency_dispatch", clock, lambda s, now: M.confirm_dispatch(
            s, allocation_id=_int(allocation_id, "allocation_id"), line_ids=list(line_ids or []), driver=driver,
            vehicle=vehicle, departed_at=departed_at, eta=eta, tracking=tracking, case_id=ctx.case_id, now=now))

    def record_emergency_receipt(ctx, allocation_id, receipts=None, received_at=None):
        return _once(ctx, "record_emergency_receipt", clock, lambda s, now: M.record_receipt(
            s, allocation_id=_int(allocation_id, "allocation_id"), receipts=receipts, received_at=received_at,
            now=now))

    def end_emergency_response(ctx, allocation_id):
        return _once(ctx, "end_emergency_response", clock, lambda s, now: M.end_response(
            s, allocation_id=_int(allocation_id, "allocation_id"), now=now))

    def write_off_emergency_consumables(ctx, allocation_id):
        return _once(ctx, "write_off_emergency_consumables", clock, lambda s, now: M.write_off_consumables(
            s, allocation_id=_int(allocation_id, "allocation_id"), now=now))

    def recover_emergency_reusables(ctx, allocation_id, line_ids, recoveries=None):
        return _once(ctx, "recover_emergency_reusables", clock, lambda s, now: M.record_recovery(
            s, allocation_id=_int(allocation_id, "allocation_id"), line_ids=list(line_ids or []),
            recoveries=recoveries, case_id=ctx.case_id, now=now))

    def plan_emergency_replenishment(ctx, allocation_id):
        return M.plan_replenishment(_session(ctx), allocation_id=_int(allocation_id, "allocation_id"),
                                    now=clock.now())

    def mark_emergency_replenishment_ordered(ctx, allocation_id, order_id):
        return M.mark_replenishment_ordered(_session(ctx), allocation_id=_int(allocation_id, "allocation_id"),
                                            order_id=order_id)

    def receive_emergency_replenishment(ctx, allocation_id):
        return _once(ctx, "receive_emergency_replenishment", clock, lambda s, now: M.receive_replenishment(
            s, allocation_id=_int(allocation_id, "allocation_id"), case_id=ctx.case_id, now=now))

    for fn, description in [
        (allocate_emergency_stock, "分配应急物资（本区、邻近分仓、主仓、协作仓、协议储备供应商）并预留库存"),
        (reallocate_emergency_lines, "改派超时仓库未出库的调拨行到下一候选"),
        (confirm_emergency_dispatch, "确认应急物资出库（司机、车辆、出发时间、预计到达）"),
        (record_emergency_receipt, "需求点签收（短少生成跟进行）"),
        (end_emergency_response, "响应终止：释放未出库的调拨行，列出待回收和待核销物资"),
        (write_off_emergency_consumables, "核销已消耗的应急物资和途中短少"),
        (recover_emergency_reusables, "可复用应急物资回收检验入库"),
        (plan_emergency_replenishment, "计算补库缺口（储备定额 − 库存）"),
        (mark_emergency_replenishment_ordered, "补库缺口已下单"),
        (receive_emergency_replenishment, "补库物资入库"),
    ]:
        registry.register(fn.__name__, fn, description=description)
