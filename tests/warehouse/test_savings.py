"""The savings ledger: S1's figures, aggregation as Σsaving ÷ Σreference, district and city reports."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInputError, NotFoundError
from warehouse.savings import report


def test_s1_saving_counts_in_the_district_and_the_city(demo, call):
    line = call("record_savings", case_id="S1", unit="U07", reference=19200, actual=4600, category="C04",
                warehouse="WH-CD-MAIN", note="LED屏+音响+会议椅 3天")
    assert line == {"reference": 19200.0, "actual": 4600.0, "saving": 14600.0, "rate": 0.7604}
    again = call("record_savings", case_id="S1", key="S1:close", unit="U07", reference=19200, actual=4600)
    assert again["saving"] == 14600.0
    repeat = call("record_savings", case_id="S1", key="S1:close", unit="U07", reference=19200, actual=4600)
    assert repeat == again                                     # a retried step records once
    by_region = {r["key"]: r for r in report(demo.db, by="region")}
    by_city = {r["key"]: r for r in report(demo.db, by="city")}
    assert by_region["WH"]["saving"] == 29200.0 and by_region["WH"]["lines"] == 2
    assert by_city["成都"]["saving"] == 29200.0


def test_rates_are_aggregated_by_sums_not_by_averaging(demo, call):
    call("record_savings", case_id="a", unit="U07", reference=100, actual=0)        # 100 %
    call("record_savings", case_id="b", unit="U07", reference=10000, actual=9000)   # 10 %
    (row,) = report(demo.db, by="unit")
    assert row["key"] == "U07" and row["rate"] == round(1100 / 10100, 4)            # not (1.0 + 0.1) / 2


def test_bad_input_is_refused_clearly(demo, call):
    with pytest.raises(NotFoundError):
        call("record_savings", case_id="x", unit="U99", reference=1, actual=1)
    with pytest.raises(InvalidInputError):
        call("record_savings", case_id="y", unit="U07", reference="很多", actual=1)
    with pytest.raises(InvalidInputError):
        call("record_savings", case_id="z", unit="U07", reference=-5, actual=1)
    with pytest.raises(InvalidInputError):
        report(demo.db, by="colour")
