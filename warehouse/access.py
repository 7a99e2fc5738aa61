"""Read functions take either a `Database` (they open a read-only unit of work) or an open `Session`
(an operator's `ctx.session`, so they see the case's own uncommitted writes)."""
from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator

from sqlalchemy.orm import Session


@contextmanager
def session_of(db) -> Iterator[Session]:
    if isinstance(db, Session):
        yield db
    else:
        with db.unit_of_work(write=False) as session:
            yield session


def money(value) -> float:
    """Money leaves the domain as a JSON number of 元 (168000.0), so gateways and DMN tables can compare it.
    The database keeps the exact Decimal; values have at most two decimals, which a float's repr keeps."""
    return float(value)
