"""Per-version caches of parsed specs and form schemas (specs are stored once per version)."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ProcessNotFoundError
from ..runtime.serialization import spec_from_dict
from ..store.tables import ModelFile, ProcessVersion


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class SpecCache:
    def __init__(self, size: int = 256):
        self._specs = _LRU(size)
        self._forms = _LRU(size * 4)

    def get(self, s: Session, version_id: int):
        cached = self._specs.get(version_id)
        if cached is None:
            row = s.get(ProcessVersion, version_id)
            if row is None:
                raise ProcessNotFoundError(f"流程版本 {version_id} 不存在")
            cached = spec_from_dict(row.spec)
            self._specs.put(version_id, cached)
        return cached

    def put(self, version_id: int, spec, subs) -> None:
        self._specs.put(version_id, (spec, subs))

    def form(self, s: Session, version_id: int, filename: str | None) -> dict | None:
        """The JSON Schema (or UI schema) named `filename` in the version's files, matched by basename."""
        if not filename:
            return None
        key = (version_id, filename)
        cached = self._forms.get(key)
        if cached is None:
            base = filename.rsplit("/", 1)[-1]
            rows = s.execute(select(ModelFile).where(ModelFile.version_id == version_id,
                                                     ModelFile.kind == "form")).scalars()
            match = next((r for r in rows if r.filename.rsplit("/", 1)[-1] == base), None)
            cached = json.loads(match.content) if match is not None else {}
            self._forms.put(key, cached)
        return cached or None
