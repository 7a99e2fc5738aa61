"""Rule parameters of 入仓 (deposit) and 市场服务采购 (service purchase), DOMAIN.md "Shared rule parameters".

Every value is a demo default ([A] unless tagged in DOMAIN.md) that an administrator must be able to change:
build `DepositRules(...)` / `PurchaseRules(...)` and pass them to `warehouse.order_ops.register`. The
operators hand the numbers the timers need to the case (`rules` in the case data), so the BPMN timers are
computed from them, never written into the models. Money thresholds that route a case
(`serviceOrder.directOrderLimit`, the government-procurement limit) live in the DMN table
workflows/service_purchase/service_order_route.dmn; the holder of a deposit (main warehouse or branch)
and the default custody mode in workflows/deposit/deposit_routing.dmn.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DepositRules:
    # deposit.precheckSla: the warehouse's online pre-check (线上初审), working days after submission.
    precheck_sla_working_days: int = 3
    # deposit.inspectSla: the offline re-inspection (线下复验), working days after arrival.
    inspect_sla_working_days: int = 5
    # deposit.fixDeadline: a declaration returned for fixing is cancelled after this many days.
    fix_deadline_days: int = 10
    # idleDepositTrigger [V4]: an asset idle this many months must be handed in.
    idle_deposit_trigger_months: int = 6
    # tempBodyReturnDeadline: a dissolved temporary body returns its assets within this many days.
    temp_body_return_days: int = 30
    # How long the unit has to confirm an inspection difference, and the moving supplier to deliver.
    confirm_difference_days: int = 3
    moving_deadline_hours: int = 72
    # Category codes whose confidential (涉密) items are refused until wiped [K]: IT equipment.
    confidential_wipe_categories: tuple[str, ...] = ("C03",)

    def for_case(self) -> dict:
        return {k: v for k, v in asdict(self).items() if not isinstance(v, tuple)}


@dataclass(frozen=True)
class PurchaseRules:
    # serviceOrder.supplierAccept: a supplier accepts an order within this many hours, else it goes on.
    supplier_accept_hours: int = 24
    # DOMAIN §2(f) step 6: the unit accepts and rates within this many working days (then a reminder) ...
    acceptance_working_days: int = 3
    # ... serviceOrder.unitAcceptanceAuto: and acceptance is automatic after this many days.
    auto_accept_days: int = 7
    # DOMAIN §2(f) step 3: at least this many quotes from suppliers in the category and region.
    min_quotes: int = 3
    # DOMAIN §2(f) step 2: a need of at most this many months is temporary (reference = market price).
    temporary_need_max_months: int = 3
    # Hours the supplier has to perform after accepting, when the need names no date.
    perform_default_hours: int = 72

    def for_case(self) -> dict:
        return asdict(self)


DEFAULT_DEPOSIT_RULES = DepositRules()
DEFAULT_PURCHASE_RULES = PurchaseRules()
