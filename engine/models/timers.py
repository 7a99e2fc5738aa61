"""Timer texts: ISO 8601 durations, dates with an offset and repeating cycles, quoted or not.

SpiffWorkflow evaluates a timer text as Python, so an unquoted `PT2S` fails only when the timer is
reached. `normalize_timers` rewrites such literals as Python strings ('PT2S') in the tree handed to the
parser; the stored source stays as the designer wrote it.
"""
from __future__ import annotations

import re
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .ns import q

TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"P(?!$)(?:(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
                       rf"|{_NUM}W)", re.IGNORECASE)
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?",
                       re.IGNORECASE)
_CYCLE = re.compile(r"R(\d*)/([^/]+)(?:/([^/]+))?", re.IGNORECASE)
_LOOKS_ISO = re.compile(r"(P(\d|T\d|T?$)|R\d*/|\d{4}-\d{2})")
EXAMPLES = "PT2H、P3D、P1W、R3/PT1H、2025-06-01T09:00:00+08:00"

DURATION_HELP = "不是 ISO 8601 时长 (duration)，应形如 PT30M、PT2H、P3D、P1W"


def unquote(text: str) -> tuple[str, bool]:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" and value[0] not in value[1:-1]:
        return value[1:-1].strip(), True
    return value, False


def is_duration(value: str) -> bool:
    if not _DURATION.fullmatch(value):
        return False
    try:
        TimerEventDefinition.parse_iso_duration(value)
    except Exception:
        return False
    return True


def _datetime_error(value: str) -> str | None:
    if is_duration(value):
        return "timeDate 需要一个日期时间；要表示一段时间请改用 timeDuration (a date-time is required here)"
    match = _DATETIME.fullmatch(value)
    if match is None:
        return "不是 ISO 8601 日期时间，应形如 2025-06-01T09:00:00+08:00 (not an ISO 8601 date-time)"
    if match.group(2) is None:
        return "日期缺少时刻和时区，应形如 2025-06-01T09:00:00+08:00 (add a time and a time zone)"
    if match.group(3) is None:
        return "日期时间缺少时区，例如加上 +08:00 或 Z (add a time zone, e.g. +08:00)"
    try:
        datetime.fromisoformat(value.upper().replace(",", "."))
    except ValueError:
        return "日期时间不存在或格式不对，应形如 2025-06-01T09:00:00+08:00 (invalid date-time)"
    return None


def _cycle_error(value: str) -> str | None:
    match = _CYCLE.fullmatch(value)
    if match is None:
        return "不是 ISO 8601 重复周期，应形如 R3/PT1H 或 R/2025-06-01T09:00:00+08:00/P1D (not an ISO 8601 cycle)"
    parts = [p for p in match.groups()[1:] if p]
    durations = [p for p in parts if is_duration(p)]
    dates = [p for p in parts if p not in durations]
    if len(durations) != 1:
        return "重复周期须恰好包含一个时长，如 R3/PT1H (a cycle needs exactly one duration)"
    for date in dates:
        error = _datetime_error(date)
        if error:
            return f"重复周期中的{error}"
    try:
        TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:
        return "重复周期无法解析，应形如 R3/PT1H (invalid cycle)"
    return None


def iso_error(value: str, kind: str) -> str | None:
    """None when value is a valid ISO 8601 text for the timer kind, else what is wrong."""
    if kind in ("timeDuration", "dueIn"):
        if is_duration(value):
            return None
        if _DATETIME.fullmatch(value):
            return f"这里需要时长而不是日期；{DURATION_HELP}"
        return DURATION_HELP
    if kind == "timeDate":
        return _datetime_error(value)
    return _cycle_error(value)


def classify(text: str | None, kind: str) -> tuple[str | None, str | None, bool]:
    """(parser text, error, is_expression) for a timer text.

    An ISO literal gives its quoted form; a Python expression is returned as is with
    is_expression=True (the caller compiles it); anything that tries to be ISO and is not gives an error.
    """
    if text is None or not text.strip():
        return None, "计时器没有填写时间 (empty timer)", False
    value, quoted = unquote(text)
    error = iso_error(value, kind)
    if error is None:
        return f"'{value}'", None, False
    if quoted or _LOOKS_ISO.match(value):
        return None, f"{error}；可用的写法：{EXAMPLES}", False
    return text.strip(), None, True


def normalize_timers(tree) -> int:
    """Quote unquoted ISO literals in timer definitions, in place. Returns how many were rewritten."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    changed = 0
    for kind in TIMER_KINDS:
        for element in root.iter(q(kind)):
            parsed, error, is_expression = classify(element.text, kind)
            if error is None and not is_expression and parsed is not None and element.text != parsed:
                element.text = parsed
                changed += 1
    return changed
