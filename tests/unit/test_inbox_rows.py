"""A new inbox row is written column by column from a plain object: it must carry every column of
human_tasks, no more, in the table's order, or a task would open with a column missing."""
from __future__ import annotations

from dataclasses import fields

from engine.services.inbox_rows import NewInboxRow
from engine.store.tables import HumanTask


def test_a_new_inbox_row_has_exactly_the_columns_of_human_tasks():
    assert [f.name for f in fields(NewInboxRow)] == [c.key for c in HumanTask.__table__.columns]
