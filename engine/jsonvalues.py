"""Plain JSON values: how dates, times, Decimals and durations are written wherever values are stored or
compared (case data, operator results, a script's json.dumps, scenario files). One rule for all:
dates and times in ISO 8601, Decimal and timedelta as their string."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal


def json_default(value):
    """`default=` for json.dumps: the rule above; any other object is refused (TypeError)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, timedelta)):
        return str(value)
    raise TypeError(f"{type(value).__name__} 类型的值不能转换为 JSON (not JSON serializable)")


def lenient_default(value):
    """The rule above; any other object becomes its str()."""
    try:
        return json_default(value)
    except TypeError:
        return str(value)


def plain(value, default=json_default):
    """`value` as JSON carries it back (a round trip), objects JSON has no form for written by `default`:
    strict by default (TypeError), `lenient_default`, or `str` (what case data has always stored: a
    datetime there reads "2026-03-02 09:00:00+08:00", and stored cases must keep reading alike)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=default))
