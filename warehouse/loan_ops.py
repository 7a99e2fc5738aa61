"""Operators of 借用 (loans, process asset_request): check and plan a request, cut it to a partial approval,
issue the release note with its logistics/installation orders, sign for receipt, cancel an unpicked
release, remind, mark overdue, escalate, check and apply a 续借, register the return, inspect it, settle the repair, close.

`register(registry, clock, rules)` is called by warehouse.operators.register. Refusals the process routes
on are `RefusalError`s with a code (see each function in loan_requests/loans/loan_returns); the rule
numbers are in `loan_rules.LoanRules`.
"""
from __future__ import annotations

from engine.errors import InvalidInputError

from . import loan_requests, loan_returns, loan_use, loans
from .loan_rules import DEFAULT_LOAN_RULES, LoanRules


def _session(ctx):
    if ctx.session is None:
        raise InvalidInputError("仓储操作须在案件的事务中执行（ctx.session 为空）")
    return ctx.session


def register(registry, clock, rules, loan_rules: LoanRules = DEFAULT_LOAN_RULES) -> None:
    """Add this area's operators to `registry`."""
    lr = loan_rules

    def task(ctx):
        return getattr(ctx, "element_id", None)

    def check_loan_request(ctx, unit, items, start_date, end_date, holder_warehouse=None, reference_price=None):
        return loan_requests.plan(_session(ctx), unit=unit, items=items, start_date=start_date, end_date=end_date,
                                  holder_warehouse=holder_warehouse, reference_price=reference_price, rules=lr)

    def reduce_loan_items(ctx, items):
        return loan_requests.reduce_items(_session(ctx), case_id=ctx.case_id, items=items, now=clock.now())

    def issue_loan_release(ctx, unit, start_date, end_date, need_delivery, need_install=False, purpose="",
                           reference_price=None, logistics_supplier=None, trips=None, trip_price=None,
                           install_supplier=None, install_amount=None):
        return loans.issue_release(_session(ctx), case_id=ctx.case_id, key=ctx.idempotency_key, unit=unit,
                                   start_date=start_date, end_date=end_date, delivery=bool(need_delivery),
                                   install=bool(need_install), purpose=purpose, reference_price=reference_price,
                                   logistics_supplier=logistics_supplier, trips=trips, trip_price_=trip_price,
                                   install_supplier=install_supplier, install_amount=install_amount,
                                   now=clock.now(), rules=lr)

    def confirm_loan_receipt(ctx, auto=False):
        return loans.confirm_receipt(_session(ctx), case_id=ctx.case_id, auto=bool(auto), now=clock.now(), rules=lr)

    def cancel_loan_release(ctx):
        return loans.cancel_release(_session(ctx), case_id=ctx.case_id, now=clock.now())

    def send_loan_reminder(ctx, days_before):
        return loan_use.remind(_session(ctx), case_id=ctx.case_id, key=ctx.idempotency_key, days_before=int(days_before),
                            now=clock.now(), task=task(ctx), rules=lr)

    def mark_loan_overdue(ctx):
        return loan_use.mark_overdue(_session(ctx), case_id=ctx.case_id, key=ctx.idempotency_key, now=clock.now(),
                                  task=task(ctx), rules=lr)

    def escalate_overdue_loan(ctx):
        return loan_use.escalate(_session(ctx), case_id=ctx.case_id, key=ctx.idempotency_key, now=clock.now(),
                              task=task(ctx), rules=lr)

    def check_loan_extension(ctx, new_end_date):
        return loan_use.check_extension(_session(ctx), case_id=ctx.case_id, new_end_date=new_end_date, rules=lr)

    def apply_loan_extension(ctx, new_end_date):
        return loan_use.apply_extension(_session(ctx), case_id=ctx.case_id, new_end_date=new_end_date, rules=lr)

    def register_loan_return(ctx):
        return loan_returns.register_return(_session(ctx), case_id=ctx.case_id, now=clock.now(), rules=lr)

    def inspect_loan_return(ctx, lines=None, repair_supplier=None, repair_estimate=None):
        return loan_returns.inspect(_session(ctx), case_id=ctx.case_id, key=ctx.idempotency_key, lines=lines,
                                    repair_supplier=repair_supplier, repair_estimate=repair_estimate,
                                    now=clock.now())

    def settle_loan_repair(ctx, amount, note=None):
        return loan_returns.settle_repair(_session(ctx), case_id=ctx.case_id, amount=amount, note=note,
                                          now=clock.now())

    def close_loan(ctx):
        return loan_returns.close(_session(ctx), case_id=ctx.case_id, now=clock.now())

    for fn, description in [
        (check_loan_request, "核验借用申请（借期、保管仓库、原值、审批路线）"),
        (reduce_loan_items, "按部分同意的数量调减预留"),
        (issue_loan_release, "开具出仓单，下达物流、安装订单"),
        (confirm_loan_receipt, "确认签收，资产借出并确定归还日期"),
        (cancel_loan_release, "逾期未提货，释放预留"),
        (send_loan_reminder, "借用到期提醒（T-7、T-1）"),
        (mark_loan_overdue, "借用逾期：标记逾期、每日通知、限制单位新申请"),
        (escalate_overdue_loan, "逾期升级：通知主管部门，限制单位新申请"),
        (check_loan_extension, "核验续借申请（次数、总期限）"),
        (apply_loan_extension, "续借获批：更新结束日期和归还日期"),
        (register_loan_return, "登记归还"),
        (inspect_loan_return, "归还验收：完好入库、损坏送修、丢失赔偿"),
        (settle_loan_repair, "维修完成结算，资产恢复可用"),
        (close_loan, "借用结案：结算订单、核算实际费用、解除单位限制"),
    ]:
        registry.register(fn.__name__, fn, description=description)
