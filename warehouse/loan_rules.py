"""Rule parameters of a loan (DOMAIN.md "Shared rule parameters", all [A] demo defaults an administrator
must be able to change): build `LoanRules(...)` and pass it to `loan_ops.register(..., loan_rules=...)`.

The value tiers of the approval chain are not here: they live in the DMN table
workflows/asset_request/loan_approval_by_value.dmn (loanApprovalByValue). The SLA durations below reach
the BPMN timers as process data (`loan_plan['sla']`), the loan's dates as `loan[...]`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone


@dataclass(frozen=True)
class LoanRules:
    # loan.maxPeriod: from start date to end date, at most this many calendar months.
    max_period_months: int = 6
    # loan.maxExtensions and loan.cap (months in all, extensions included).
    max_extensions: int = 1
    cap_months: int = 12
    # Return grace (归还宽限): due date = end date + this many days (S1: a 3-day loan is due 2 days after
    # its last day, the time to pack and bring it back). [A]
    return_grace_days: int = 2
    # loan.reminders: T-7d and T-1d, sent at this local hour.
    reminder_days_before: tuple[int, ...] = (7, 1)
    reminder_hour: int = 9
    # loan.overdueEscalation: +10 working days after the due date.
    overdue_escalation_working_days: int = 10
    # Whether the unit is blocked from new requests when the loan becomes OVERDUE (S3, DOMAIN §2(b) step 4)
    # or only at the escalation (+10 working days, DOMAIN §2(b) step 8). [A]
    block_at: str = "OVERDUE"
    # Sign for receipt (签收): auto-confirmed after this many days. [A]
    receipt_auto_confirm_days: int = 3
    # reservation.pickupDeadlineAfterApproval (working days) for self-pickup.
    pickup_deadline_working_days: int = 5
    # approvalStepSla: {days: 3, reminderAt: 2, onTimeout: escalate to next level}.
    approval_sla_days: int = 3
    approval_reminder_days: int = 2
    # Dates and times people read are 北京时间.
    utc_offset_hours: int = 8

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset_hours))

    def sla(self) -> dict:
        """The ISO 8601 durations the BPMN timers read from `loan_plan['sla']`."""
        return {"approvalTimeout": f"P{self.approval_sla_days}D",
                "approvalReminder": f"P{self.approval_reminder_days}D",
                "receiptAutoConfirm": f"P{self.receipt_auto_confirm_days}D"}


DEFAULT_LOAN_RULES = LoanRules()
