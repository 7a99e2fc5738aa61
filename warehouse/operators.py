"""Operators that service tasks call (`fn(ctx, **params)`), registered by `register(registry)`.

Each one works in the case's unit of work through `ctx.session` and never commits. Refusals a process can
route on raise `OperatorError` with a Chinese reason; checks a gateway reads (unit blocked, supplier
designated) return a value instead. Parameters are snake_case; items are `[{assetId, qty}]`.
Enable with GWC_OPERATOR_MODULES=warehouse.operators.
"""
from __future__ import annotations

from engine.clock import SystemClock
from engine.errors import InvalidInputError

from . import (catalogue, emergency_ops, expiry, loan_ops, notices, order_ops, reservations, savings, service_orders,
               transfer_ops, vehicle_ops)
from .rules import DEFAULT_RULES, WarehouseRules
from .suppliers import is_designated_or_recognised


def _session(ctx):
    if ctx.session is None:
        raise InvalidInputError("仓储操作须在案件的事务中执行（ctx.session 为空）")
    return ctx.session


def register(registry, clock=None, rules: WarehouseRules = DEFAULT_RULES) -> None:
    """Add the warehouse operators. `clock` (anything with .now()) stamps reservations and history;
    pass the engine's clock so they agree with its timers (default: the system clock)."""
    clock = clock or SystemClock()

    def search_catalogue(ctx, requester_region=None, category=None, warehouse=None, status="AVAILABLE",
                         text=None, limit=50, offset=0):
        items, total = catalogue.search(_session(ctx), requester_region=requester_region, category=category,
                                        warehouse=warehouse, status=status, text=text, limit=limit,
                                        offset=offset, rules=rules)
        return {"items": items, "total": total}

    def reserve_assets(ctx, items, unit, hold_hours=None):
        return reservations.reserve(_session(ctx), items=items, unit=unit, case_id=ctx.case_id, now=clock.now(),
                                    hold_hours=rules.reservation_hold_hours if hold_hours is None else hold_hours,
                                    idempotency_key=ctx.idempotency_key)

    def release_assets(ctx, items=None, reservation_ids=None, note="释放预留"):
        asset_ids = [i["assetId"] if isinstance(i, dict) else i for i in items] if items else None
        return reservations.release(_session(ctx), case_id=ctx.case_id, now=clock.now(), asset_ids=asset_ids,
                                    reservation_ids=reservation_ids, note=note)

    def check_unit_not_blocked(ctx, unit):
        return reservations.unit_block_status(_session(ctx), unit)

    def block_unit(ctx, unit, reason="有逾期未归还的借用资产"):
        return reservations.block_unit(_session(ctx), unit=unit, reason=reason, case_id=ctx.case_id,
                                       now=clock.now())

    def lift_unit_block(ctx, unit, all_cases=False):
        return reservations.lift_unit_blocks(_session(ctx), unit=unit, now=clock.now(),
                                             case_id=None if all_cases else ctx.case_id)

    def check_supplier_designated(ctx, supplier, city, service, date):
        ok, reason = is_designated_or_recognised(_session(ctx), supplier, city, service, date)
        return {"designated": ok, "flag": None if ok else "NON_DESIGNATED", "reason": reason}

    def record_savings(ctx, unit, reference, actual, warehouse=None, category=None, note=None):
        return savings.record(_session(ctx), key=ctx.idempotency_key, unit=unit, reference=reference,
                              actual=actual, now=clock.now(), case_id=ctx.case_id, warehouse=warehouse,
                              category=category, note=note)

    def release_expired_reservations(ctx):
        return expiry.release_lapsed(_session(ctx), now=clock.now())

    def notify(ctx, title, body="", role=None, scope=None, user=None, unit=None, kind="INFO"):
        return notices.send(_session(ctx), key=ctx.idempotency_key, title=title, body=body, now=clock.now(),
                            case_id=ctx.case_id, task=ctx.element_id, kind=kind, user=user, role=role,
                            scope=scope, unit=unit)

    def create_service_order(ctx, supplier, unit, kind, description="", amount=None, unit_price=None, qty=1,
                             reference=None, charged_to=None, category=None, due_in_hours=None):
        return service_orders.create(_session(ctx), key=ctx.idempotency_key, supplier=supplier, unit=unit,
                                     kind=kind, now=clock.now(), case_id=ctx.case_id, description=description,
                                     amount=amount, unit_price=unit_price, qty=qty, reference=reference,
                                     charged_to=charged_to, category=category, due_in_hours=due_in_hours)

    def update_service_order(ctx, order_id, status, amount=None, note=None):
        return service_orders.update(_session(ctx), order_id=order_id, status=status, now=clock.now(),
                                     amount=amount, note=note)

    for fn, description in [
        (search_catalogue, "公物仓目录检索（本区分仓、主仓、其他分仓、协作仓）"),
        (reserve_assets, "预留资产"),
        (release_assets, "释放预留"),
        (check_unit_not_blocked, "检查单位是否因逾期被限制申请"),
        (block_unit, "限制单位新申请（逾期未还）"),
        (lift_unit_block, "解除单位限制"),
        (check_supplier_designated, "核验定点或互认供应商"),
        (record_savings, "记录节支（参考价 − 实际成本）"),
        (release_expired_reservations, "释放超时的预留（案件已结束或无案件的）"),
        (notify, "发送通知（提醒、逾期、预警、升级）"),
        (create_service_order, "向供应商下服务订单（物流、安装、维修、搬运、补库）"),
        (update_service_order, "更新服务订单状态（接单、交付、结算、取消）"),
    ]:
        registry.register(fn.__name__, fn, description=description)
    for area in (loan_ops, transfer_ops, vehicle_ops, emergency_ops, order_ops):
        area.register(registry, clock, rules)
