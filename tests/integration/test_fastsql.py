"""store/fastsql.py: the hot path's writes on the DBAPI cursor convert values and report errors exactly as
SQLAlchemy does, inside the unit of work's transaction."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.exc import IntegrityError

from sqlalchemy import inspect

from engine.errors import ConflictError
from engine.store.fastsql import Attach, Read, Write, insert_row
from engine.store.tables import Case, Event, ProcessVersion
from tests.helpers import USERS, with_loan_approval

CST = timezone(timedelta(hours=8))
INSERT_CASE = insert_row(Case.__table__)
INSERT_EVENT = insert_row(Event.__table__)
RENAME = Write(update(Case.__table__).where(Case.__table__.c.id == bindparam("b_id"))
               .values(business_key=bindparam("v_key")))


@pytest.fixture
def version_id(engine):
    with_loan_approval(engine, USERS)
    with engine.db.unit_of_work(write=False) as s:
        return s.scalars(select(ProcessVersion.id)).first()


def case_values(case_id: str, at: datetime, version_id: int) -> dict:
    return {"id": case_id, "process_id": "p", "version_id": version_id, "version": 1, "status": "waiting",
            "business_key": None, "started_by": "wang", "created_at": at, "updated_at": at, "completed_at": None,
            "revision": 1, "data": {"申请人": "王", "items": [1, 2]}, "state": "{}", "serializer_version": "x"}


def test_values_go_through_the_column_types(engine, version_id):
    at = datetime(2026, 11, 27, 9, 30, tzinfo=CST)
    with engine.db.unit_of_work() as s:
        INSERT_CASE.run(s, case_values("c1", at, version_id))
        INSERT_EVENT.run_many(s, [{"case_id": "c1", "at": at, "type": "started", "actor": "wang", "task": None,
                                   "detail": {"n": i}} for i in range(3)])
    with engine.db.unit_of_work(write=False) as s:
        case = s.get(Case, "c1")
        events = s.execute(select(Event).where(Event.case_id == "c1").order_by(Event.id)).scalars().all()
    assert case.created_at == at and case.created_at.utcoffset() == timedelta(0)   # stored in UTC
    assert case.data == {"申请人": "王", "items": [1, 2]} and case.completed_at is None
    assert [e.detail for e in events] == [{"n": 0}, {"n": 1}, {"n": 2}] and len({e.id for e in events}) == 3


def test_an_update_reports_the_rows_it_changed(engine, version_id):
    at = datetime(2026, 11, 27, tzinfo=timezone.utc)
    with engine.db.unit_of_work() as s:
        INSERT_CASE.run(s, case_values("c1", at, version_id))
        assert RENAME.run(s, {"b_id": "c1", "v_key": "GWC-1"}) == 1
        assert RENAME.run(s, {"b_id": "nobody", "v_key": "GWC-2"}) == 0
    with engine.db.unit_of_work(write=False) as s:
        assert s.get(Case, "c1").business_key == "GWC-1"


def test_a_failed_write_raises_sqlalchemys_error_and_the_unit_of_work_keeps_nothing(engine, version_id):
    at = datetime(2026, 11, 27, tzinfo=timezone.utc)
    with engine.db.unit_of_work() as s:
        INSERT_CASE.run(s, case_values("c1", at, version_id))
    with pytest.raises(IntegrityError):
        with engine.db.unit_of_work() as s:
            INSERT_CASE.run(s, case_values("c2", at, version_id))
            INSERT_CASE.run(s, case_values("c1", at, version_id))          # the same primary key again
    with engine.db.unit_of_work(write=False) as s:
        assert s.scalars(select(Case.id).where(Case.id.like("c_")).order_by(Case.id)).all() == ["c1"]
    with engine.db.unit_of_work() as s:                        # the connection is usable afterwards
        INSERT_CASE.run(s, case_values("c3", at, version_id))


def test_expanding_parameters_are_refused_when_compiled(engine):
    bad = Write(update(Case.__table__).where(Case.__table__.c.id.in_(bindparam("ids", expanding=True)))
                .values(business_key=bindparam("v_key")))
    with engine.db.unit_of_work() as s, pytest.raises(ValueError, match="plain bind parameters"):
        bad.run(s, {"ids": ["c1"], "v_key": "x"})


def test_a_read_gives_named_rows_converted_as_sqlalchemy_would(engine, version_id):
    at = datetime(2026, 11, 27, 9, 30, tzinfo=CST)
    with engine.db.unit_of_work() as s:
        for n in range(3):
            INSERT_CASE.run(s, case_values(f"c{n}", at + timedelta(minutes=n), version_id))
    newest = Read(select(Case.id, Case.created_at, Case.data).where(Case.started_by == bindparam("who"))
                  .order_by(Case.created_at.desc()).limit(2))                  # the LIMIT is the statement's own
    several = Read(select(Case.id).where(Case.id.in_(["c0", "c2"])).order_by(Case.id))   # expanded by SQLAlchemy
    with engine.db.unit_of_work(write=False) as s:
        rows = newest.rows(s, {"who": "wang"})
        assert [r.id for r in rows] == ["c2", "c1"]
        assert rows[0].created_at == at + timedelta(minutes=2) and rows[0].created_at.utcoffset() == timedelta(0)
        assert rows[0].data == {"申请人": "王", "items": [1, 2]}
        assert newest.rows(s, {"who": "nobody"}) == []
        assert [r.id for r in several.rows(s, {})] == ["c0", "c2"]


READ_CASE = Read(select(*Case.__table__.columns).where(Case.id == bindparam("case_id")))
ATTACH_CASE = Attach(Case)
BUMP = Write(update(Case.__table__).where(Case.__table__.c.id == bindparam("b_id"))
             .values(revision=Case.__table__.c.revision + 1))


def test_an_attached_row_is_a_loaded_object(engine, version_id):
    """Attach makes a Read's row what an ORM query would have given: persistent, nothing changed, the
    session's one object for that row; a change to it is written on flush, checked against the
    revision it was read at."""
    at = datetime(2026, 11, 27, 9, 30, tzinfo=CST)
    with engine.db.unit_of_work() as s:
        INSERT_CASE.run(s, case_values("c1", at, version_id))
    with engine.db.unit_of_work() as s:
        case = ATTACH_CASE(s, READ_CASE.rows(s, {"case_id": "c1"})[0])
        state = inspect(case)
        assert state.persistent and not state.modified and case not in s.dirty
        assert case.created_at == at and case.data == {"申请人": "王", "items": [1, 2]}
        assert s.get(Case, "c1") is case                                # no second object, no query
        assert ATTACH_CASE(s, READ_CASE.rows(s, {"case_id": "c1"})[0]) is case
        case.business_key = "BK-1"
        assert state.attrs.business_key.history.deleted == [None]     # the read value is the committed one
    with engine.db.unit_of_work(write=False) as s:
        stored = s.get(Case, "c1")
        assert (stored.business_key, stored.revision) == ("BK-1", 2)  # revision: Case's version counter
    with pytest.raises((StaleDataError, ConflictError)):
        with engine.db.unit_of_work() as s:
            stale = ATTACH_CASE(s, READ_CASE.rows(s, {"case_id": "c1"})[0])
            BUMP.run(s, {"b_id": "c1"})                                 # another writer, unseen by the ORM
            stale.status = "cancelled"                                  # read at revision 2, now 3
    with engine.db.unit_of_work(write=False) as s:
        assert s.get(Case, "c1").status == "waiting"


def test_many_rows_go_in_chunks_and_all_arrive(engine, version_id, monkeypatch):
    """Several rows are one multi-row INSERT per chunk; a chunk boundary, a last chunk of one row and a
    second row count of the same statement (compiled again) each write every row, once, converted."""
    monkeypatch.setattr("engine.store.fastsql.MULTI_ROW_BINDS", 13)      # events have 6 columns: 2 rows a chunk
    insert_events = insert_row(Event.__table__)
    at = datetime(2026, 11, 27, 9, 30, tzinfo=CST)
    with engine.db.unit_of_work() as s:
        INSERT_CASE.run(s, case_values("c1", at, version_id))
        rows = [{"case_id": "c1", "at": at + timedelta(seconds=i), "type": "note", "actor": "王", "task": None,
                 "detail": {"n": i, "备注": "第" + str(i)}} for i in range(5)]
        assert insert_events.run_many(s, rows) == 5
        assert insert_events.run_many(s, rows[:3]) == 3
    with engine.db.unit_of_work(write=False) as s:
        events = s.execute(select(Event).where(Event.case_id == "c1").order_by(Event.id)).scalars().all()
    assert [(e.detail["n"], e.at) for e in events] == [(i, at + timedelta(seconds=i)) for i in (0, 1, 2, 3, 4, 0, 1, 2)]
    assert events[3].detail == {"n": 3, "备注": "第3"} and events[3].actor == "王"


def test_a_failed_multi_row_insert_writes_none_of_its_rows(engine, version_id):
    at = datetime(2026, 11, 27, tzinfo=timezone.utc)
    with pytest.raises(IntegrityError):
        with engine.db.unit_of_work() as s:
            INSERT_CASE.run_many(s, [case_values("c1", at, version_id), case_values("c2", at, version_id),
                                     case_values("c1", at, version_id)])
    with engine.db.unit_of_work() as s:                        # nothing kept; the connection is usable
        assert s.scalars(select(Case.id).where(Case.id.like("c_"))).all() == []
        INSERT_CASE.run_many(s, [case_values("c1", at, version_id), case_values("c2", at, version_id)])
    with engine.db.unit_of_work(write=False) as s:
        assert s.scalars(select(Case.id).where(Case.id.like("c_")).order_by(Case.id)).all() == ["c1", "c2"]
