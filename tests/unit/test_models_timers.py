"""Timer texts: ISO 8601 literals (quoted or not) become Python strings; expressions stay expressions."""
from __future__ import annotations

import pytest

from engine.models.timers import classify, iso_error, unquote

VALID = [
    ("PT2S", "timeDuration"), ("P3D", "timeDuration"), ("P1W", "timeDuration"), ("PT1.5H", "timeDuration"),
    ("P1Y2M3DT4H5M6S", "timeDuration"), ("pt5m", "timeDuration"),
    ("2026-03-01T09:00:00+08:00", "timeDate"), ("2026-03-01T09:00:00Z", "timeDate"),
    ("2026-03-01T09:00+0800", "timeDate"),
    ("R3/PT1H", "timeCycle"), ("R/P1D", "timeCycle"), ("R5/2026-03-01T09:00:00+08:00/PT1H", "timeCycle"),
    ("R2/PT1H/2026-03-01T09:00:00Z", "timeCycle"),
]


@pytest.mark.parametrize("text,kind", VALID)
@pytest.mark.parametrize("quote", ["", "'", '"'])
def test_iso_literals_quoted_or_not_become_python_strings(text, kind, quote):
    parsed, error, is_expression = classify(f"  {quote}{text}{quote}\n", kind)
    assert (parsed, error, is_expression) == (f"'{text}'", None, False)


@pytest.mark.parametrize("text,kind,words", [
    ("2026-03-01T09:00:00", "timeDate", "add a time zone"),
    ("2026-03-01", "timeDate", "time zone"),
    ("2026-02-30T09:00:00Z", "timeDate", "invalid date-time"),
    ("PT1H", "timeDate", "timeDuration"),
    ("2026-03-01T09:00:00Z", "timeDuration", "时长"),
    ("P2X", "timeDuration", "duration"),
    ("P1W2D", "timeDuration", "duration"),
    ("R3/2026-03-01T09:00:00/PT1H", "timeCycle", "add a time zone"),
    ("R3/P1D/P2D", "timeCycle", "exactly one duration"),
    ("'soon'", "timeDuration", "duration"),
    ("", "timeDuration", "empty"),
])
def test_broken_iso_texts_say_what_is_wrong(text, kind, words):
    parsed, error, _ = classify(text, kind)
    assert parsed is None and words in error


@pytest.mark.parametrize("text", ["due_date", "deadline.isoformat()", "f'PT{hours}H'", "0 0 9 * * ?", "${x}"])
def test_anything_else_is_a_python_expression_for_the_sandbox_to_compile(text):
    assert classify(text, "timeDuration") == (text, None, True)


def test_helpers():
    assert unquote(" 'PT1H' ") == ("PT1H", True)
    assert unquote("'it's'") == ("'it's'", False)
    assert iso_error("P2D", "dueIn") is None and iso_error("2 days", "dueIn")
