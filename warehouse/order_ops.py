"""Operators of 入仓 (deposit, workflows/deposit) and 市场服务采购 (service purchase,
workflows/service_purchase): declarations, pre-check, move, re-inspection, receipts, shelving; needs,
quote rounds, supplier orders, acceptance, settlement.

`register(registry, clock, rules)` is called by warehouse.operators.register. The area's rule numbers are
`rules.deposit_rules` / `rules.purchase_rules` when the WarehouseRules carry them, else the defaults of
warehouse/order_rules.py. Each operator works in the case's unit of work (ctx.session), never commits,
and is idempotent per step run (ctx.idempotency_key, or the state it moves from).
"""
from __future__ import annotations

from engine.errors import InvalidInputError

from . import deposit_intake, deposit_ledger, deposits, purchase_orders, purchases
from .order_rules import DEFAULT_DEPOSIT_RULES, DEFAULT_PURCHASE_RULES


def _session(ctx):
    if ctx.session is None:
        raise InvalidInputError("仓储操作须在案件的事务中执行（ctx.session 为空）")
    return ctx.session


def register(registry, clock, rules) -> None:
    deposit_rules = getattr(rules, "deposit_rules", None) or DEFAULT_DEPOSIT_RULES
    purchase_rules = getattr(rules, "purchase_rules", None) or DEFAULT_PURCHASE_RULES

    # ------------------------------------------------------------------ 入仓 (deposit)
    def declare_deposit(ctx, unit, items, reason="", need_moving=False, custody_mode=None, deposit_id=None):
        return deposits.declare(_session(ctx), key=ctx.idempotency_key, unit=unit, items=items, now=clock.now(),
                                case_id=ctx.case_id, reason=reason, need_moving=need_moving,
                                custody_mode=custody_mode, deposit_id=deposit_id, rules=deposit_rules)

    def assign_deposit_warehouse(ctx, deposit_id, holder_level, custody_mode):
        return deposits.assign_warehouse(_session(ctx), deposit_id=deposit_id, holder_level=holder_level,
                                         custody_mode=custody_mode)

    def record_deposit_precheck(ctx, deposit_id, decision, note=""):
        return deposits.record_precheck(_session(ctx), deposit_id=deposit_id, decision=decision, note=note,
                                        now=clock.now(), case_id=ctx.case_id, rules=deposit_rules)

    def end_deposit(ctx, deposit_id, status, note=""):
        return deposits.end_early(_session(ctx), deposit_id=deposit_id, status=status, note=note, now=clock.now())

    def start_deposit_move(ctx, deposit_id, delivery, supplier=None, trips=1):
        return deposit_intake.start_move(_session(ctx), key=ctx.idempotency_key, deposit_id=deposit_id,
                                         delivery=delivery, supplier=supplier, trips=trips, now=clock.now(),
                                         case_id=ctx.case_id, rules=deposit_rules)

    def receive_deposit(ctx, deposit_id, trips=None):
        return deposit_intake.receive(_session(ctx), deposit_id=deposit_id, trips=trips, now=clock.now(),
                                      case_id=ctx.case_id)

    def record_deposit_inspection(ctx, deposit_id, lots, repair_supplier=None):
        return deposit_intake.inspect(_session(ctx), deposit_id=deposit_id, lots=lots,
                                      repair_supplier=repair_supplier, now=clock.now())

    def issue_deposit_receipt(ctx, deposit_id, custody_mode, finance_decision=None):
        return deposit_intake.issue_receipt(_session(ctx), deposit_id=deposit_id, custody_mode=custody_mode,
                                            finance_decision=finance_decision, now=clock.now())

    def publish_deposit(ctx, deposit_id, repair_supplier=None):
        return deposit_intake.publish(_session(ctx), key=ctx.idempotency_key, deposit_id=deposit_id,
                                      repair_supplier=repair_supplier, now=clock.now(), case_id=ctx.case_id)

    def finish_deposit_repair(ctx, deposit_id, amount=None):
        return deposit_intake.finish_repair(_session(ctx), deposit_id=deposit_id, amount=amount, now=clock.now(),
                                            case_id=ctx.case_id)

    def check_deposit_duties(ctx, unit=None):
        duties = deposit_ledger.deposit_duties(_session(ctx), today=clock.now().date(), unit=unit,
                                               rules=deposit_rules)
        return {"units": duties, "count": len(duties), "rules": deposit_rules.for_case()}

    # ------------------------------------------------------------------ 市场服务采购 (service purchase)
    def price_service_need(ctx, unit, offer_id=None, category=None, description="", qty=1, periods=1,
                           start_date=None, end_date=None, permanent=False, budget=None, canteen=False):
        return purchases.price_need(_session(ctx), key=ctx.idempotency_key, unit=unit, now=clock.now(),
                                    case_id=ctx.case_id, offer_id=offer_id, category=category,
                                    description=description, qty=qty, periods=periods, start_date=start_date,
                                    end_date=end_date, permanent=permanent, budget=budget, canteen=canteen,
                                    rules=purchase_rules)

    def award_direct_order(ctx, purchase_id):
        return purchases.award_direct(_session(ctx), purchase_id=purchase_id)

    def open_quote_round(ctx, purchase_id, min_quotes):
        return purchases.open_quote_round(_session(ctx), purchase_id=purchase_id, min_quotes=min_quotes)

    def award_quotes(ctx, purchase_id, quotes, min_quotes):
        return purchases.award_quotes(_session(ctx), purchase_id=purchase_id, quotes=quotes, min_quotes=min_quotes)

    def place_purchase_order(ctx, purchase_id):
        return purchase_orders.place_order(_session(ctx), key=ctx.idempotency_key, purchase_id=purchase_id,
                                           now=clock.now(), case_id=ctx.case_id, rules=purchase_rules)

    def record_supplier_response(ctx, purchase_id, response, note=""):
        return purchase_orders.supplier_response(_session(ctx), purchase_id=purchase_id, response=response,
                                                 note=note, now=clock.now())

    def record_purchase_delivery(ctx, purchase_id, proof, amount=None):
        return purchase_orders.record_delivery(_session(ctx), purchase_id=purchase_id, proof=proof, amount=amount,
                                               now=clock.now())

    def record_purchase_acceptance(ctx, purchase_id, decision, rating=None, comment="", auto=False):
        return purchase_orders.acceptance(_session(ctx), purchase_id=purchase_id, decision=decision,
                                          rating=rating, comment=comment, auto=auto)

    def settle_purchase(ctx, purchase_id, deal_price, invoice_no):
        return purchase_orders.settle(_session(ctx), purchase_id=purchase_id, deal_price=deal_price,
                                      invoice_no=invoice_no, now=clock.now())

    def close_purchase(ctx, purchase_id, status, note=""):
        return purchase_orders.close(_session(ctx), purchase_id=purchase_id, status=status, note=note,
                                     now=clock.now())

    for fn, description in [
        (declare_deposit, "入仓申报核验（在账、重复卡片、账面数量与价值）"),
        (assign_deposit_warehouse, "确定入仓仓库（市级入主仓，区级入本区分仓）"),
        (record_deposit_precheck, "记录线上初审结论（通过即登记为已申报资产）"),
        (end_deposit, "结束入仓单（逾期未修改撤销、未签批退回、系统驳回）"),
        (start_deposit_move, "安排送仓（单位自送或搬运服务订单），资产入仓运输中"),
        (receive_deposit, "到仓签收，资产进入复验"),
        (record_deposit_inspection, "记录线下复验（清点、成新等级、标识）"),
        (issue_deposit_receipt, "开具资产接收专用收据（划转产权或仅代管）"),
        (publish_deposit, "上架发布：A/B 级可用，C 级维修，D 级待处置"),
        (finish_deposit_repair, "入仓维修完工，资产上架"),
        (check_deposit_duties, "应入仓资产清单（闲置满期限、临时机构撤销）"),
        (price_service_need, "登记服务需求并确定参考价（临时按市场价，长期按新购价，目录外按预算）"),
        (award_direct_order, "直接下单：按目录挂牌价排定供应商"),
        (open_quote_round, "发起询价（类别与区域内的入驻供应商）"),
        (award_quotes, "询价比价：最低有效报价中选"),
        (place_purchase_order, "向排名最前的供应商下单（限时接单）"),
        (record_supplier_response, "记录供应商接单、拒单或超时"),
        (record_purchase_delivery, "记录供应商履约凭证"),
        (record_purchase_acceptance, "记录单位验收与评价（或自动验收）"),
        (settle_purchase, "结算并记录成交价"),
        (close_purchase, "结束采购单（退回、取消、转政府采购）"),
    ]:
        registry.register(fn.__name__, fn, description=description)
