"""Versions of a process side by side: their stored files, and what changed between two of them."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ProcessNotFoundError
from ..models.diff import diff_sources
from ..store.tables import ModelFile, ProcessVersion

log = logging.getLogger(__name__)
MAX_VERSION = 2**31 - 1


def find_version(s: Session, process_id: str, version: int) -> ProcessVersion:
    """The version row; ProcessNotFoundError (404) for an unknown process or version."""
    row = None
    if isinstance(version, int) and 1 <= version <= MAX_VERSION:
        row = s.execute(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                     ProcessVersion.version == version)).scalar_one_or_none()
    if row is None:
        known = s.execute(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id).limit(1)).first()
        if known is None:
            raise ProcessNotFoundError(f"流程 {process_id} 未部署")
        raise ProcessNotFoundError(f"流程 {process_id} 没有版本 {version}")
    return row


def version_files(s: Session, version_id: int) -> dict[str, str]:
    return dict(s.execute(select(ModelFile.filename, ModelFile.content)
                          .where(ModelFile.version_id == version_id)).all())


def changes_between(old: ProcessVersion | None, old_files: dict | None, new: ProcessVersion,
                    new_files: dict) -> dict | None:
    """diff_sources of two versions, stamped with their numbers; None if the diff itself failed (a
    deploy never fails because its change list could not be computed)."""
    try:
        diff = diff_sources(old_files if old is not None else None, new_files, new.process_id)
    except Exception:   # noqa: BLE001 - reported as "unknown changes", logged for the maintainers
        log.exception("diff of %s version %s failed", new.process_id, new.version)
        return None
    return {"from_version": old.version if old is not None else None, "to_version": new.version, **diff}


def version_diff(eng, process_id: str, version: int, against: int | None = None) -> dict:
    """What changed in `version` against `against` (default version - 1; version 1: everything added)."""
    with eng.db.unit_of_work(write=False) as s:
        new = find_version(s, process_id, version)
        base = against if against is not None else version - 1
        old = find_version(s, process_id, base) if (against is not None or base >= 1) else None
        changes = changes_between(old, version_files(s, old.id) if old is not None else None,
                                  new, version_files(s, new.id))
        if changes is None:
            raise ProcessNotFoundError(f"无法比较流程 {process_id} 的版本 {base} 与 {version}")
        return changes
