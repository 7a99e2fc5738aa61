"""The hot path's writes, compiled once per dialect and run on the session's own DBAPI connection.

An approval writes about fifteen rows (the case, its inbox rows, its scopes, its log). Through
`Session.execute` each statement costs SQLAlchemy more CPU than SQLite takes to run it: cache-key
lookup, execution context, parameter processing, result wrapping. A `Write` is a Core INSERT or UPDATE
whose values are all named bind parameters. It is compiled once per dialect into its SQL text, its
parameter order and its bind processors (UTCDateTime, JSON: the same conversions SQLAlchemy applies), and
runs on the cursor of the connection the session already holds: same transaction, same locks.

What SQLAlchemy would otherwise do and this keeps:
- every value goes through the column type's bind processor;
- a DBAPI error is raised as SQLAlchemy's own exception (`sqlalchemy.exc.IntegrityError`,
  `OperationalError`...), so that callers and `Database.unit_of_work` (lock timeout -> 409) see the
  same errors as before; a connection the error shows as lost is invalidated, not returned to the pool,
  and the pool's older connections are renewed at their next checkout.
What it does not do: apply Python-side column defaults (pass every column), run `before_cursor_execute`
listeners, or autoflush the session (callers flush pending ORM objects themselves where order matters).
"""
from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager

from sqlalchemy import bindparam, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.sql import ClauseElement


@contextmanager
def dbapi_cursor(connection: Connection, sql: str, parameters=()):
    """A cursor of `connection`'s DBAPI connection, closed afterwards. A DBAPI error inside the block is
    raised as SQLAlchemy's own (IntegrityError, OperationalError...), as if SQLAlchemy had run `sql`;
    a connection the error shows as lost is invalidated, not returned to the pool."""
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except connection.dialect.loaded_dbapi.Error as exc:
        _raise_as_sqlalchemy(connection, cursor, sql, parameters, exc)
    finally:
        cursor.close()


def _raise_as_sqlalchemy(connection: Connection, cursor, sql: str, parameters, exc: Exception):
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, connection.connection, cursor)
    if lost:
        # As SQLAlchemy does on a disconnect: every pooled connection as old as this one is replaced at
        # its next checkout (a restarted server dropped them all), and this one is thrown away now.
        connection.engine.pool._invalidate(connection.connection, exc)
        connection.invalidate(exc)
    raise DBAPIError.instance(sql, parameters, exc, dialect.loaded_dbapi.Error,
                              connection_invalidated=lost, dialect=dialect) from exc


def _session_cursor(s: Session) -> tuple:
    """(`s.connection()`, a DBAPI cursor of it), both kept for the session's current transaction; a new
    transaction (after a commit or rollback) asks again. A step runs a dozen Reads and Writes: asking the
    session each time went through its transaction state machine each time, and opening and closing a
    cursor per statement was a measurable part of a step on PostgreSQL. The one cursor serves them one
    after the other (each fetches all its rows before the next runs)."""
    kept = s.info.get("gwc_connection")
    if kept is not None and kept[0] is s.get_transaction():
        return kept[1], kept[2]
    connection = s.connection()
    cursor = connection.connection.cursor()
    s.info["gwc_connection"] = (s.get_transaction(), connection, cursor)
    return connection, cursor


# The most bind parameters one multi-row INSERT carries: SQLite's historical limit per statement.
MULTI_ROW_BINDS = 999


class _Compiled:
    __slots__ = ("sql", "fields", "positional", "defaults")

    def __init__(self, statement: ClauseElement, dialect, prefix: str):
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("fastsql.Write needs plain bind parameters (no expanding IN, no literal_execute)")
        self.sql = compiled.string
        self.positional = dialect.positional
        names = list(compiled.positiontup) if self.positional else list(dict.fromkeys(compiled.bind_names.values()))
        processors = compiled._bind_processors
        # (bind name, key in the caller's values, the type's bind processor or None)
        self.fields = [(name, name[len(prefix):] if prefix and name.startswith(prefix) else name, processors.get(name))
                       for name in names]
        # Values the statement carries itself (a literal in a WHERE clause, a LIMIT): used when the caller
        # gives none under that name.
        self.defaults = {name: bind.effective_value for name, bind in compiled.binds.items()
                         if not bind.required and bind.effective_value is not None}

    def parameters(self, values: dict):
        if self.defaults:
            values = {**{key: self.defaults[name] for name, key, _ in self.fields if name in self.defaults}, **values}
        if self.positional:
            return tuple(values[key] if process is None else process(values[key]) for _, key, process in self.fields)
        return {name: values[key] if process is None else process(values[key]) for name, key, process in self.fields}


class Read:
    """A Core SELECT run straight on the DBAPI cursor: `rows(s, values)` gives named tuples (fields as
    the statement's column labels), each value through its type's result processor as SQLAlchemy
    would (UTC datetimes, JSON). For read-only answers that need no ORM object. A statement with an
    IN list of several values is run by SQLAlchemy instead (it expands the list per call); its rows
    have the same attributes."""

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        # dialect name -> [compiled (None: run by SQLAlchemy), row type, column types, result processors]
        self._by_dialect: dict[str, list] = {}

    def rows(self, s: Session, values: dict) -> list:
        connection, cursor = _session_cursor(s)
        dialect = connection.dialect
        found = self._by_dialect.get(dialect.name)
        if found is None:
            try:
                compiled = _Compiled(self.statement, dialect, "")
            except ValueError:          # an IN list of several values: SQLAlchemy expands it per call
                compiled = None
            columns = self.statement.selected_columns
            row_type = namedtuple("Row", [c.key for c in columns], rename=True)
            # the result processors, known after the first run (they depend on the driver's type codes)
            found = self._by_dialect[dialect.name] = [compiled, row_type, [c.type for c in columns], None]
        compiled, row_type, types, processors = found
        if compiled is None:
            return s.execute(self.statement, values).all()     # rows with the same attributes
        parameters = compiled.parameters(values)
        try:
            cursor.execute(compiled.sql, parameters)
            fetched = cursor.fetchall()
            if processors is None:
                processors = [t._cached_result_processor(dialect, d[1]) for t, d in zip(types, cursor.description)]
                found[3] = processors = processors if any(processors) else ()
        except dialect.loaded_dbapi.Error as exc:
            _raise_as_sqlalchemy(connection, cursor, compiled.sql, parameters, exc)
        if processors:
            return [row_type(*[v if p is None else p(v) for p, v in zip(processors, r)]) for r in fetched]
        return [row_type(*r) for r in fetched]


class Attach:
    """ORM objects of `model` for rows a `Read` of all its table's columns gave, persistent in the session
    as if a query had loaded them: values committed (nothing dirty), in the identity map, flushed and
    version-checked like any loaded object. An object the session already holds is returned as it is,
    which is what an ORM query does too. A step reads its case and open tasks this way: a Read and Attach
    cost about 0.3 ms less per step than the ORM query of the same rows (README, "Measured")."""

    def __init__(self, model):
        mapper = inspect(model)
        table = mapper.local_table
        self.mapper = mapper
        # (row field, attribute): the Read's fields are the table's column keys
        self.fields = [(column.key, mapper.get_property_by_column(column).key) for column in table.columns]
        self.key_fields = [column.key for column in mapper.primary_key]

    def __call__(self, s: Session, row):
        mapper = self.mapper
        key = mapper.identity_key_from_primary_key([getattr(row, f) for f in self.key_fields])
        held = s.identity_map.get(key)
        if held is not None:
            return held
        obj = mapper.class_manager.new_instance()
        # Straight into the instance's dict, as the ORM's own loading does; make_transient_to_detached
        # then commits every value (no history: nothing dirty) and gives the object its identity key.
        instance_dict(obj).update([(attribute, getattr(row, field)) for field, attribute in self.fields])
        make_transient_to_detached(obj)
        s.add(obj)
        return obj


class Write:
    """A Core INSERT/UPDATE/DELETE run straight on the DBAPI cursor: `run(s, values)` for one row (returns
    the row count), `run_many(s, rows)` for several. Values are keyed by bind parameter name."""

    def __init__(self, statement: ClauseElement, prefix: str = ""):
        """`prefix`: stripped from bind parameter names to find their values (SQLAlchemy reserves a
        column's own name for the VALUES and SET clauses, so `p_status` binds the value `status`)."""
        self.statement, self.prefix = statement, prefix
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _Compiled(self.statement, dialect, self.prefix)
        return compiled

    def run(self, s: Session, values: dict) -> int:
        return self._execute(s, values, many=False)

    def run_many(self, s: Session, rows: list[dict]) -> int:
        if not rows:
            return 0
        if len(rows) == 1:
            return self._execute(s, rows[0], many=False)
        return self._execute(s, rows, many=True)

    def _execute(self, s: Session, values, many: bool) -> int:
        connection, cursor = _session_cursor(s)      # the session's transaction (begun if it was not)
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        parameters = [compiled.parameters(v) for v in values] if many else compiled.parameters(values)
        return _run(connection, cursor, compiled.sql, parameters, many)


def _run(connection: Connection, cursor, sql: str, parameters, many: bool = False) -> int:
    try:
        (cursor.executemany if many else cursor.execute)(sql, parameters)
        return cursor.rowcount
    except connection.dialect.loaded_dbapi.Error as exc:
        _raise_as_sqlalchemy(connection, cursor, sql, parameters, exc)


class _InsertRows(Write):
    """INSERT of whole rows into one table. Several rows go as one multi-row INSERT (VALUES (...), (...)),
    compiled once per dialect and row count, in chunks of at most MULTI_ROW_BINDS parameters: psycopg's
    executemany runs a pipeline of its own, which cost more than the rows for the two to five rows a step
    writes at once."""

    def __init__(self, table, columns, prefix: str):
        self.table, self.columns, self.prefix = table, columns, prefix
        super().__init__(self._statement([""]), prefix)
        self._multi: dict[tuple[str, int], _Compiled] = {}
        self.chunk = max(1, MULTI_ROW_BINDS // len(columns))

    def _statement(self, suffixes):
        rows = [{c.name: bindparam(f"{self.prefix}{c.key}{suffix}", type_=c.type) for c in self.columns}
                for suffix in suffixes]
        return self.table.insert().values(rows if len(rows) > 1 else rows[0])

    def run_many(self, s: Session, rows: list[dict]) -> int:
        if len(rows) <= 1:
            return super().run_many(s, rows)
        connection, cursor = _session_cursor(s)
        written = 0
        for start in range(0, len(rows), self.chunk):
            chunk = rows[start:start + self.chunk]
            if len(chunk) == 1:
                written += self.run(s, chunk[0])
                continue
            key = (connection.dialect.name, len(chunk))
            compiled = self._multi.get(key)
            if compiled is None:
                compiled = self._multi[key] = _Compiled(
                    self._statement([f"__{i}" for i in range(len(chunk))]), connection.dialect, self.prefix)
            values = {f"{name}__{i}": value for i, row in enumerate(chunk) for name, value in row.items()}
            written += _run(connection, cursor, compiled.sql, compiled.parameters(values))
        return written


def insert_row(table, prefix: str = "p_") -> Write:
    """INSERT of every column of `table` but an autoincrement primary key; values keyed by column key.
    `run_many` writes several rows in one statement."""
    columns = [c for c in table.columns if c is not table.autoincrement_column]
    return _InsertRows(table, columns, prefix)
