"""One rule for dates, Decimals and durations in stored and compared JSON values."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine.jsonvalues import lenient_default, plain

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def test_strict_writes_dates_iso_and_numbers_as_strings_and_refuses_other_objects():
    assert plain({"at": AT, "day": date(2026, 3, 2), "fee": Decimal("12.50"), "left": timedelta(hours=2)}) == \
        {"at": "2026-03-02T09:00:00+08:00", "day": "2026-03-02", "fee": "12.50", "left": "2:00:00"}
    with pytest.raises(TypeError, match="不能转换为 JSON"):
        plain({"x": object()})


def test_lenient_writes_other_objects_as_their_string():
    assert plain({"x": frozenset(), "at": AT}, default=lenient_default) == \
        {"x": "frozenset()", "at": "2026-03-02T09:00:00+08:00"}


def test_case_data_keeps_the_str_form_stored_cases_have():
    assert plain({"at": AT}, default=str) == {"at": "2026-03-02 09:00:00+08:00"}
