"""Small per-process caches for the request path (no lock: a lost race only builds a value twice)."""
from __future__ import annotations


class Bounded(dict):
    """A dict that empties itself when it reaches `size` entries: the hot entries are back after the
    next few requests, and a flood of distinct keys cannot grow it without bound."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value) -> None:
        if len(self) >= self.size:
            self.clear()
        self[key] = value


class StatementCache(Bounded):
    """Statements built once per shape (a principal's grants, the filters given): building one and
    computing its cache key costs more than running it on an indexed table. Values that vary by call
    are bind parameters; what is keyed on becomes part of the SQL."""

    def __init__(self, size: int = 2048):
        super().__init__(size)

    def get(self, key, build):
        try:
            return self[key]
        except KeyError:
            statement = build(key)
            self.put(key, statement)
            return statement
