"""A loan in use (DOMAIN §2(b) step 8): the T-7/T-1 reminders, the OVERDUE state with daily notices and the
unit block, the escalation after 10 working days, and the 续借 (extension: at most once, 12 months in all).
The moments the BPMN timers wait for come from `loans.describe`."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from engine.errors import RefusalError

from . import notices, reservations
from .loan_rules import DEFAULT_LOAN_RULES, LoanRules
from .loan_tables import Loan
from .loans import describe, loan_of, local_day
from .tables import Unit


def _unit_name(session: Session, unit: str) -> str:
    return session.get(Unit, unit).name


def remind(session: Session, *, case_id: str, key: str, days_before: int, now: datetime, task: str | None = None,
           rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """T-n reminder to the unit, unless the loan was handed over after that moment (a short loan) or this
    reminder for this due date was sent already (the in-use task is entered again after a 续借 request)."""
    loan = loan_of(session, case_id)
    moment = datetime.combine(loan.due_date - timedelta(days=days_before), time(rules.reminder_hour), rules.tz)
    mark = f"{loan.due_date}:{days_before}"
    sent = set(filter(None, (loan.reminded or "").split(",")))
    if loan.status != "ON_LOAN" or (loan.received_at and loan.received_at > moment) or mark in sent:
        return {"sent": False, "daysBefore": days_before}
    loan.reminded = ",".join(sorted(sent | {mark}))
    notices.send(session, key=key, now=now, case_id=case_id, task=task, kind="REMINDER", unit=loan.unit_id,
                 title=f"借用到期提醒：{loan.release_no} 将于 {loan.due_date} 到期",
                 body=f"{_unit_name(session, loan.unit_id)}借用的资产应于 {loan.due_date} 前归还"
                      f"（还有 {days_before} 天）。如需继续使用，请在到期前申请续借。")
    return {"sent": True, "daysBefore": days_before}


def mark_overdue(session: Session, *, case_id: str, key: str, now: datetime, task: str | None = None,
                 rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """The due date has passed: OVERDUE and the unit blocked from new requests (when `rules.block_at` is
    OVERDUE), with a notice to the unit; called again once a day while the loan stays out (daily notices)."""
    loan = loan_of(session, case_id)
    if loan.status not in ("ON_LOAN", "OVERDUE"):
        return {"status": loan.status, "overdueNotices": loan.overdue_notices, "blocked": loan.blocked_at is not None}
    if loan.status == "ON_LOAN":
        loan.status, loan.overdue_since = "OVERDUE", now
    loan.overdue_notices += 1
    if rules.block_at == "OVERDUE":
        _block(session, loan, now)
    notices.send(session, key=key, now=now, case_id=case_id, task=task, kind="OVERDUE", unit=loan.unit_id,
                 title=f"借用已逾期：{loan.release_no}（第 {loan.overdue_notices} 次通知）",
                 body=f"{_unit_name(session, loan.unit_id)}借用的资产已于 {loan.due_date} 到期未还，请尽快归还。"
                      "逾期期间本单位不能提交新的借用申请。")
    session.flush()
    return {"status": loan.status, "overdueNotices": loan.overdue_notices, "blocked": loan.blocked_at is not None}


def _block(session: Session, loan: Loan, now: datetime) -> None:
    if loan.blocked_at is None:
        reservations.block_unit(session, unit=loan.unit_id, case_id=loan.case_id, now=now,
                                reason=f"有逾期未归还的借用（{loan.release_no}，应于 {loan.due_date} 归还）")
        loan.blocked_at = now


def escalate(session: Session, *, case_id: str, key: str, now: datetime, task: str | None = None,
             rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """+10 working days overdue: the case goes up (the process opens the agency's task); the supervising
    department, if any, is told; the unit is blocked if it was not yet."""
    loan = loan_of(session, case_id)
    if loan.escalated_at is None:
        loan.escalated_at = now
    _block(session, loan, now)
    unit = session.get(Unit, loan.unit_id)
    if unit.supervising_dept:
        notices.send(session, key=f"{key}:dept", now=now, case_id=case_id, task=task, kind="ESCALATION",
                     role="DEPT_REVIEWER", scope=unit.supervising_dept,
                     title=f"所属单位借用逾期：{unit.name} {loan.release_no}",
                     body=f"{unit.name}借用的资产应于 {loan.due_date} 归还，已逾期超过 "
                          f"{rules.overdue_escalation_working_days} 个工作日，请督促归还。")
    session.flush()
    return {"escalatedAt": loan.escalated_at.isoformat(), "dueDate": loan.due_date.isoformat(),
            "overdueDays": (local_day(now, rules) - loan.due_date).days,
            "supervisingDept": unit.supervising_dept, "blocked": True}


# ------------------------------------------------------------------------------------------ 续借
def check_extension(session: Session, *, case_id: str, new_end_date, rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """A 续借 request before the due date: at most `max_extensions`, the new end after the current one and at
    most `cap_months` after the start. Refusals: EXTENSION_LIMIT, EXTENSION_CAP, INVALID_PERIOD."""
    from .loan_requests import add_months, as_date
    loan = loan_of(session, case_id)
    if loan.status != "ON_LOAN" or loan.extensions >= rules.max_extensions:
        raise RefusalError(f"{loan.release_no} 已续借 {loan.extensions} 次，最多可续借 {rules.max_extensions} 次",
                           code="EXTENSION_LIMIT", details={"extensions": loan.extensions})
    end = as_date(new_end_date, "续借后的结束日期")
    if end <= loan.end_date:
        raise RefusalError(f"续借后的结束日期须晚于原结束日期 {loan.end_date}", code="INVALID_PERIOD",
                           details={"endDate": loan.end_date.isoformat(), "newEndDate": end.isoformat()})
    cap = add_months(loan.start_date, rules.cap_months)
    if end > cap:
        raise RefusalError(f"借用（含续借）总期限不超过 {rules.cap_months} 个月：最晚至 {cap}", code="EXTENSION_CAP",
                           details={"newEndDate": end.isoformat(), "latest": cap.isoformat()})
    return {"releaseNo": loan.release_no, "endDate": loan.end_date.isoformat(), "newEndDate": end.isoformat(),
            "newDueDate": (end + timedelta(days=rules.return_grace_days)).isoformat()}


def apply_extension(session: Session, *, case_id: str, new_end_date, rules: LoanRules = DEFAULT_LOAN_RULES) -> dict:
    """The approved 续借: new end and due dates (the in-use timers follow them)."""
    loan = loan_of(session, case_id)
    end = date.fromisoformat(str(new_end_date)[:10])
    if end != loan.end_date:
        check_extension(session, case_id=case_id, new_end_date=end, rules=rules)
        loan.end_date, loan.due_date = end, end + timedelta(days=rules.return_grace_days)
        loan.extensions += 1
        session.flush()
    return describe(session, loan, rules)
