"""Migrating running cases of a process to another of its versions: a dry run, or the real move.

- Which cases: the active ones (running, waiting, error) of the process on any older version, or only
  on `from_version` (the only way to move cases back to an older version); or exactly `case_ids`
  (then finished cases and cases of other processes are listed as not movable, with the reason).
- Who: a MANAGER or ADMIN for every scope (`user`), or the command line (`user` None).
- Each case moves in its own unit of work under the case lock: load, move the workflow
  (runtime/migrate.py states the rules), check the forms (migration_checks.py), run the engine to its
  next wait state, save it with its index tables (the inbox takes the new version's task names), pin
  the case to the new version and log a `migrated` event {from_version, to_version, actor}. Anything
  that goes wrong — a blocker, a conflict with someone working on the case, an incident — rolls that
  case back untouched and reports it as not moved with the reason; the other cases still move.
- A dry run does the same in memory, without lock or engine steps (so no script or operator runs),
  and also checks that the moved state saves and loads; it changes nothing.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..errors import EngineError, InvalidInputError, PermissionDeniedError
from ..runtime.migrate import Blocker, data_keys, move_workflow
from ..runtime.runner import CaseStep
from ..runtime.script_engine import CaseContext
from ..runtime.serialization import load_state
from ..store.tables import Case, ProcessVersion
from .access import sees_everything
from .case_io import add_event, open_case, save_case
from .migration_checks import form_blockers, form_notes, refresh_inbox
from .users import load_principal
from .versions import find_version

log = logging.getLogger(__name__)
ACTIVE = ("running", "waiting", "error")


class _Stay(Exception):
    """Raised inside a case's unit of work to roll it back: the case does not move."""

    def __init__(self, blockers: list[Blocker]):
        super().__init__(blockers[0].reason)
        self.blockers = blockers


def migrate_cases(eng, process_id: str, to_version: int, *, from_version: int | None = None,
                  dry_run: bool = False, case_ids: list[str] | None = None, actor: str | None = None,
                  user: str | None = None) -> dict:
    """{"process_id", "to_version", "from_version", "dry_run", "items": [...], "moved": n}."""
    with eng.db.unit_of_work(write=False) as s:
        if user is not None and not sees_everything(load_principal(s, user)):
            raise PermissionDeniedError("迁移案件需要 MANAGER（不限范围）或 ADMIN 角色", {"required_role": "MANAGER"})
        target = find_version(s, process_id, to_version)
        if from_version is not None:
            find_version(s, process_id, from_version)
            if from_version == to_version:
                raise InvalidInputError(f"源版本与目标版本相同（{to_version}），无需迁移")
        q = select(Case.id).where(Case.process_id == process_id)
        if case_ids is not None:
            ids = list(dict.fromkeys(case_ids))
            found = set(s.execute(q.where(Case.id.in_(ids))).scalars())
        else:
            q = q.where(Case.status.in_(ACTIVE))
            older = Case.version == from_version if from_version is not None else Case.version < to_version
            q = q.where(older)
            ids = list(s.execute(q.order_by(Case.created_at, Case.id)).scalars())
            found = set(ids)
        target_id = target.id
    items = [_attempt(eng, cid, target_id, to_version, from_version, dry_run, actor) if cid in found
             else _item(cid, {}, False, [Blocker(None, None, f"流程 {process_id} 没有案件 {cid}")])
             for cid in ids]
    return {"process_id": process_id, "to_version": to_version, "from_version": from_version,
            "dry_run": dry_run, "items": items, "moved": sum(1 for i in items if i.get("moved"))}


def _item(case_id, seen: dict, movable: bool, blockers=(), notes=(), moved=None) -> dict:
    item = {"case_id": case_id, "business_key": seen.get("business_key"), "status": seen.get("status"),
            "from_version": seen.get("version"), "movable": movable}
    if moved is not None:
        item["moved"] = moved
    if blockers:
        item["reason"] = "；".join(b.reason for b in blockers)
        item["blockers"] = [{"element_id": b.element_id, "name": b.name, "reason": b.reason} for b in blockers]
    item["notes"] = list(notes)
    return item


def _precheck(case: Case, to_version: int, from_version: int | None) -> list[Blocker]:
    if case.status in ("completed", "cancelled"):
        return [Blocker(None, None, f"案件已{'完成' if case.status == 'completed' else '取消'}，不再迁移 (case finished)")]
    if case.version == to_version:
        return [Blocker(None, None, f"案件已在版本 {to_version} (already on the target version)")]
    if from_version is not None and case.version != from_version:
        return [Blocker(None, None, f"案件在版本 {case.version}，不是版本 {from_version}")]
    return []


def _attempt(eng, case_id: str, target_id: int, to_version: int, from_version, dry_run: bool, actor) -> dict:
    seen: dict = {}
    try:
        with eng.db.unit_of_work(write=not dry_run) as s:
            return _move(eng, s, case_id, target_id, to_version, from_version, dry_run, actor, seen)
    except _Stay as stay:
        return _item(case_id, seen, False, stay.blockers, (), None if dry_run else False)
    except EngineError as exc:     # a conflict with someone working on the case, a lock timeout...
        reason = f"{exc.message}；案件未改动 (case left unchanged)"
        return _item(case_id, seen, False, [Blocker(None, None, reason)], (), False)
    except Exception:   # noqa: BLE001 - one broken case must not stop the others; the log has the trace
        log.exception("migration of case %s failed", case_id)
        reason = "迁移时出现内部错误，案件未改动，已记录 (internal error; case left unchanged)"
        return _item(case_id, seen, False, [Blocker(None, None, reason)], (), False)


def _move(eng, s, case_id, target_id, to_version, from_version, dry_run, actor, seen) -> dict:
    if dry_run:                 # no lock, no engine steps: nothing runs, nothing is written
        case = s.get(Case, case_id)
        if case is None:
            raise _Stay([Blocker(None, None, f"案件 {case_id} 不存在")])
        old_specs = eng.specs.get(s, case.version_id)
        step = CaseStep.load(case.state, case.serializer_version, *old_specs, eng.environment, eng.operators,
                             CaseContext(case_id=case.id, process_id=case.process_id, session=s), eng.clock.now())
    else:
        case, step = open_case(eng, s, case_id)
        old_specs = eng.specs.get(s, case.version_id)
    seen.update(business_key=case.business_key, status=case.status, version=case.version)
    blockers = _precheck(case, to_version, from_version)
    if blockers:
        raise _Stay(blockers)
    target = s.get(ProcessVersion, target_id)
    spec, subs = eng.specs.get(s, target_id)
    notes = form_notes(eng, s, case, target, old_specs, (spec, subs))
    available = data_keys(step.wf)
    result = move_workflow(step.wf, spec, subs, to_version, step.now)
    blockers = result.blockers + form_blockers(eng, s, case, target, spec, subs, available)
    if blockers:
        raise _Stay(blockers)
    if dry_run:
        _roundtrip(eng, case, step, spec, subs)
        return _item(case_id, seen, True, (), notes + result.notes)
    if not step.run():
        raise _Stay([Blocker(i.element_id, None, f"迁移后运行出错：{i.message}") for i in step.log.incidents])
    from_v = case.version
    add_event(s, case.id, step.now, "migrated", actor, None,
              {"from_version": from_v, "to_version": to_version, "actor": actor})
    case.version_id, case.version = target_id, to_version
    save_case(eng, s, case, step, actor)
    notes += refresh_inbox(eng, s, case, step)
    _roundtrip(eng, case, None, spec, subs)
    seen["status"] = case.status
    return _item(case_id, seen, True, (), notes + result.notes, moved=True)


def _roundtrip(eng, case: Case, step, spec, subs) -> None:
    """The moved state must save and load on the target version; otherwise the case stays."""
    try:
        state, version = step.dump() if step is not None else (case.state, case.serializer_version)
        load_state(state, version, spec, subs, None)
    except Exception as exc:   # noqa: BLE001 - whatever breaks here means: do not move this case
        log.exception("moved state of case %s does not load", case.id)
        raise _Stay([Blocker(None, None, f"迁移后的状态无法保存或读取 ({type(exc).__name__})，案件未改动")]) from exc
