"""Deploy and validate process models (BPMN, DMN, JSON Schema forms).

A deploy is hashed per process over the files of its bundle: the same content again is a no-op (same
version), changed content becomes version N+1. Each version stores its source files and its parsed
spec once; cases stay on the version they started on (until migrated, see services/migration.py).
A new version's `changes` say what differs from the previous version (see models/diff.py).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..deploy_files import collect_files as read_paths  # noqa: F401 - re-exported
from ..errors import InvalidInputError, ModelInvalidError, ProcessNotFoundError
from ..models.problems import Problem
from ..runtime.serialization import SERIALIZER_VERSION, spec_to_dict
from ..runtime.snapshot import start_properties
from ..store.tables import Grant, ModelFile, ProcessVersion
from .schedules import replace_schedules
from .versions import changes_between, version_files

@dataclass(frozen=True)
class DeployedItem:
    id: str
    version: int
    name: str
    changed: bool
    # what differs from the previous version (models/diff.py; None when unchanged)
    changes: dict | None = field(default=None, compare=False)
    # warnings about the process's files (never block a deploy): models/problems.py
    warnings: tuple[Problem, ...] = field(default=(), compare=False)


def validate(eng, files: dict[str, bytes]) -> list[Problem]:
    """Errors and warnings (Problem.severity); warnings include roles no user holds."""
    from ..models.validate import validate_bundle
    return validate_bundle(files, eng.operators, eng.sandbox, known_roles=_known_roles(eng)).all_problems


def _known_roles(eng) -> set[str] | None:
    """Roles some user holds, for the validator's "no user holds this role" warning; None (check skipped)
    when the database cannot tell, e.g. `gwc validate` before `gwc db upgrade`."""
    try:
        with eng.db.unit_of_work(write=False) as s:
            return set(s.execute(select(Grant.role).distinct()).scalars())
    except SQLAlchemyError:
        return None


def _with_warnings(items: list[DeployedItem], result) -> list[DeployedItem]:
    """Each item carries the warnings about its own files."""
    files = {pid: set(defn.files) for pid, defn in result.processes.items()}
    return [replace(item, warnings=tuple(p for p in result.warnings if p.file in files.get(item.id, ())))
            for item in items]


def deploy(eng, files: dict[str, bytes], actor: str | None = None) -> list[DeployedItem]:
    from ..models.validate import validate_bundle
    if not files:
        raise InvalidInputError("没有可部署的文件 (no .bpmn, .dmn or .json files given)")
    result = validate_bundle(files, eng.operators, eng.sandbox, known_roles=_known_roles(eng))
    if result.problems:     # the errors; warnings never block a deploy, the 422 details list them too
        raise ModelInvalidError(f"模型有 {len(result.problems)} 个错误，未部署", result.details())
    items: list[DeployedItem] = []
    now = eng.clock.now()
    with eng.db.unit_of_work() as s:
        for pid, defn in sorted(result.processes.items()):
            bundle = {name: files[name] for name in sorted(defn.files) if name in files}
            digest = _hash(bundle)
            latest = s.execute(select(ProcessVersion).where(ProcessVersion.process_id == pid)
                               .order_by(ProcessVersion.version.desc()).limit(1)).scalar_one_or_none()
            if latest is not None and latest.content_hash == digest:
                items.append(DeployedItem(pid, latest.version, latest.name, False))
                continue
            number = (latest.version if latest else 0) + 1
            row = ProcessVersion(process_id=pid, version=number, name=defn.name, content_hash=digest,
                                 deployed_at=now, deployed_by=actor,
                                 spec=spec_to_dict(defn.spec, defn.subprocess_specs),
                                 serializer_version=SERIALIZER_VERSION, roles=list(defn.roles),
                                 start_role=defn.start_role,
                                 message_start=getattr(defn, "message_start", None))
            s.add(row)
            s.flush()
            for name, content in bundle.items():
                s.add(ModelFile(version_id=row.id, filename=name, kind=_kind(name),
                                sha256=hashlib.sha256(content).hexdigest(),
                                content=content.decode("utf-8")))
            eng.specs.put(row.id, defn.spec, defn.subprocess_specs)
            replace_schedules(eng, s, row, defn.spec, now)
            before = version_files(s, latest.id) if latest is not None else None
            items.append(DeployedItem(pid, number, defn.name, True, changes_between(latest, before, row, bundle)))
    return _with_warnings(items, result)


def latest_versions(eng) -> list[ProcessVersion]:
    with eng.db.unit_of_work(write=False) as s:
        newest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v"))
                  .group_by(ProcessVersion.process_id).subquery())
        return list(s.execute(select(ProcessVersion).join(
            newest, (ProcessVersion.process_id == newest.c.process_id) & (ProcessVersion.version == newest.c.v))
            .order_by(ProcessVersion.process_id)).scalars())


def _hash(bundle: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, content in bundle.items():
        h.update(name.rsplit("/", 1)[-1].encode())
        h.update(b"\0")
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()


def _kind(name: str) -> str:
    lower = name.lower()
    return "bpmn" if lower.endswith(".bpmn") else "dmn" if lower.endswith(".dmn") else "form"


def model_detail(eng, process_id: str, version: int | None = None) -> dict:
    """A process model: the given (default latest) version, all versions, its roles and files."""
    with eng.db.unit_of_work(write=False) as s:
        rows = list(s.execute(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                              .order_by(ProcessVersion.version)).scalars())
        if not rows:
            raise ProcessNotFoundError(f"流程 {process_id} 未部署")
        chosen = rows[-1] if version is None else next((r for r in rows if r.version == version), None)
        if chosen is None:
            raise ProcessNotFoundError(f"流程 {process_id} 没有版本 {version}")
        files = list(s.execute(select(ModelFile.filename, ModelFile.kind).where(ModelFile.version_id == chosen.id)
                               .order_by(ModelFile.filename)).all())
        start_form = start_properties(eng.specs.get(s, chosen.id)[0]).get("formJsonSchemaFilename")
        return {"id": chosen.process_id, "name": chosen.name, "version": chosen.version,
                "deployed_at": chosen.deployed_at.isoformat(), "deployed_by": chosen.deployed_by,
                "roles": list(chosen.roles), "start_role": chosen.start_role,
                "start_form": eng.specs.form(s, chosen.id, start_form),
                "files": [{"filename": f, "kind": k} for f, k in files],
                "versions": [{"version": r.version, "deployed_at": r.deployed_at.isoformat(),
                              "deployed_by": r.deployed_by} for r in rows]}


def model_source(eng, process_id: str, version: int | None = None, filename: str | None = None) -> tuple[str, str]:
    """(filename, text) of a version's BPMN file (or the named file of that version)."""
    detail = model_detail(eng, process_id, version)
    with eng.db.unit_of_work(write=False) as s:
        vid = s.execute(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id,
                                                        ProcessVersion.version == detail["version"])).scalar_one()
        q = select(ModelFile).where(ModelFile.version_id == vid)
        q = q.where(ModelFile.filename == filename) if filename else q.where(ModelFile.kind == "bpmn")
        rows = list(s.execute(q.order_by(ModelFile.filename)).scalars())
        if not rows:
            raise ProcessNotFoundError(f"流程 {process_id} 版本 {detail['version']} 没有文件 {filename or '(bpmn)'}")
        own = [r for r in rows if _defines(r.content, process_id)] or rows
        return own[0].filename, own[0].content


def _defines(xml: str, process_id: str) -> bool:
    return f'id="{process_id}"' in xml or f"id='{process_id}'" in xml
