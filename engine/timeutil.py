"""ISO 8601 durations and dates, the way designers write them."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$")


def parse_iso_duration(text: str) -> dict[str, float]:
    m = _DURATION.match(text.strip().upper())
    if not m or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"不是有效的 ISO 8601 时长: {text!r} (e.g. P3D, PT2H)")
    return {k: float(v) for k, v in m.groupdict().items() if v is not None}


def add_iso_duration(start: datetime, text: str) -> datetime:
    """start + duration; years and months are calendar-aware (P1M from Jan 31 is Feb 28/29)."""
    parts = parse_iso_duration(text)
    months = int(parts.pop("years", 0) * 12 + parts.pop("months", 0))
    result = start
    if months:
        y, mth = divmod(start.month - 1 + months, 12)
        year, month = start.year + y, mth + 1
        import calendar
        day = min(start.day, calendar.monthrange(year, month)[1])
        result = start.replace(year=year, month=month, day=day)
    return result + timedelta(**parts)
