"""The model importer: `validate_bundle` checks every file of a deployment and builds the specs.

Every check runs and every problem is reported at once, each with its file, line, element id and
element name. Errors refuse the deployment; warnings (heuristics, a role nobody holds yet) never do.
No input makes it raise: hostile XML, broken JSON and whatever the parser trips over become Problems.
BPMN and DMN files must be UTF-8: the platform stores them as text and serves them back byte for byte.
"""
from __future__ import annotations

from .build import SpecBuilder
from .bundle import Bundle, Doc
from .camunda import check_camunda
from .code import CodeChecker
from .constructs import check_constructs
from .data import check_data, parser_would_hang
from .definitions import ProcessDefinition, ValidationResult, process_messages
from .dmn import check_dmn, is_dmn
from .expressions import check_expressions
from .flows import check_flows
from .form_fields import check_form_fields
from .forms import FormRef, check_forms
from .lanes import check_lanes, roles, start_role
from .normalize import decision_ref
from .ns import BPMN, q
from .problems import Problem, name_problems, sort_problems
from .reach import check_paths
from .refs import check_bundle_refs, check_refs
from .roles import check_role_holders, check_role_names
from .services import check_service_tasks
from .xml import parse_xml
from .xsd import validate_bpmn_xsd, validate_dmn_xsd

BPMN_SUFFIXES = (".bpmn", ".bpmn2", ".bpmn20.xml")


def _internal(name: str, where: str, exc: Exception) -> Problem:
    return Problem(name, None, None, f"校验时出现内部错误 ({where}: {type(exc).__name__})；这是平台的缺陷，请报告 "
                                     f"(internal validator error)")


def _guarded(name: str, check, *args) -> list[Problem]:
    try:
        return list(check(*args))
    except Exception as exc:  # a bug in a check must not hide the other problems or crash the deploy
        return [_internal(name, check.__name__, exc)]


def _read(files: dict[str, bytes]) -> tuple[list[Doc], list[Doc], dict[str, bytes], list[Problem]]:
    bpmn, dmn, json_files, problems = [], [], {}, []
    for name in sorted(files):
        data, lower = files[name], name.lower()
        if lower.endswith(".json"):
            json_files[name] = bytes(data)
            continue
        if not lower.endswith(BPMN_SUFFIXES + (".dmn",)):
            problems.append(Problem(name, None, None, "不支持的文件类型；可以部署 .bpmn、.dmn 和 .json（表单） "
                                                      "(unsupported file type)"))
            continue
        tree, found = parse_xml(data, name)
        if tree is not None and not _utf8(data):
            found = [Problem(name, None, None, f"文件不是 UTF-8 编码（声明的编码是 {tree.docinfo.encoding}）；请用 UTF-8 "
                                               f"另存后再部署 (save the file as UTF-8)")]
            tree = None
        problems += found
        if tree is None:
            continue
        doc = Doc(name, tree)
        if lower.endswith(".dmn"):
            if is_dmn(doc):
                dmn.append(doc)
            else:
                problems.append(doc.problem(doc.root, "这不是 DMN 文件：根元素应为 DMN 的 definitions (not a DMN file)"))
        elif doc.root.tag == q("definitions"):
            bpmn.append(doc)
        else:
            problems.append(doc.problem(doc.root, f"这不是 BPMN 2.0 文件：根元素应为 bpmn:definitions（命名空间 {BPMN}） "
                                                  f"(not a BPMN 2.0 file)"))
    return bpmn, dmn, json_files, problems


def _utf8(data: bytes) -> bool:
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_documents(bundle: Bundle, unsafe: set[str], known_roles) -> list[Problem]:
    """All checks of all documents; names of documents the parser must not see are added to unsafe."""
    problems = []
    for doc in bundle.bpmn:
        try:
            if parser_would_hang(doc):
                unsafe.add(doc.name)
        except Exception:
            unsafe.add(doc.name)
        problems += _guarded(doc.name, check_data, doc)
        problems += _guarded(doc.name, validate_bpmn_xsd, doc.tree, doc.name)
        for check in (check_constructs, check_camunda, check_flows, check_paths, check_refs, check_lanes,
                      check_role_names):
            problems += _guarded(doc.name, check, doc)
        if known_roles is not None:
            problems += _guarded(doc.name, check_role_holders, doc, known_roles)
        problems += _guarded(doc.name, check_expressions, doc, bundle.code)
        problems += _guarded(doc.name, check_service_tasks, doc, bundle.operators)
    for doc in bundle.dmn:
        problems += _guarded(doc.name, validate_dmn_xsd, doc.tree, doc.name)
        problems += _guarded(doc.name, check_dmn, doc, bundle.code)
    problems += _guarded("<bundle>", check_bundle_refs, bundle)
    return problems


def _process_name(doc: Doc, process) -> str:
    if (process.get("name") or "").strip():
        return process.get("name").strip()
    for participant in doc.root.iter(q("participant")):
        if participant.get("processRef") == process.get("id") and (participant.get("name") or "").strip():
            return participant.get("name").strip()
    return process.get("id")


def _definition(bundle: Bundle, pid: str, spec, subs: dict, refs: list[FormRef]) -> ProcessDefinition:
    doc, process = bundle.processes[pid]
    docs = {d.name: d for d in bundle.bpmn}
    by_task: dict[tuple, list[FormRef]] = {}
    for ref in refs:
        by_task.setdefault((ref.bpmn_file, ref.element_id), []).append(ref)
    files, form_refs = {doc.name}, {}
    for owner in [spec, *subs.values()]:
        if owner is None:
            continue
        owner_file = getattr(owner, "file", None) or doc.name
        files.add(owner_file)
        for task_spec in owner.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            for ref in by_task.get((owner_file, bpmn_id), []):
                files.add(ref.file)
                form_refs[ref.value] = ref.file
            element = docs[owner_file].ids.get(bpmn_id) if owner_file in docs and bpmn_id else None
            if element is not None and element.tag == q("businessRuleTask"):
                decision = bundle.decisions.get(decision_ref(element) or "")
                if decision is not None:
                    files.add(decision[0].name)
    return ProcessDefinition(id=pid, name=_process_name(doc, process), file=doc.name, spec=spec,
                             subprocess_specs=subs, roles=roles(process), start_role=start_role(process),
                             files=sorted(files), messages=process_messages(spec, subs), form_refs=form_refs)


def validate_bundle(files: dict[str, bytes], operators, sandbox=None, make_parser=None,
                    known_roles=None) -> ValidationResult:
    """Check a deployment (file name -> bytes: .bpmn, .dmn, .json forms) against the registered
    operators; build a ProcessDefinition per executable process when there is no error.
    known_roles: the roles some user holds (None: not known, the check is skipped)."""
    try:
        if make_parser is None:
            from engine.runtime.parser import make_parser
        bpmn, dmn, json_files, problems = _read(files)
        bundle = Bundle(bpmn, dmn, json_files, operators, CodeChecker(sandbox))
        unsafe: set[str] = set()
        problems += _check_documents(bundle, unsafe, known_roles)
        if not any(name.lower().endswith(BPMN_SUFFIXES) for name in files):
            problems.append(Problem("<bundle>", None, None, "部署中没有 BPMN 文件 (no .bpmn file)"))
        try:
            form_problems, forms, refs = check_forms(bundle)
        except Exception as exc:
            form_problems, forms, refs = [_internal("<forms>", "check_forms", exc)], {}, []
        problems += form_problems
        problems += _guarded("<forms>", check_form_fields, bundle, forms, refs)
        bundle.problems = [problem for problem in problems if problem.is_error]
        builder = SpecBuilder(bundle, make_parser)
        parseable = [doc for doc in bpmn if doc.name not in unsafe]
        builder.add_documents(parseable, dmn)
        specs = builder.build(parseable)
        problems += builder.problems
        problems = sort_problems(name_problems(problems, {doc.name: doc.ids for doc in bpmn + dmn}))
        errors = [problem for problem in problems if problem.is_error]
        warnings = [problem for problem in problems if not problem.is_error]
        if errors:
            return ValidationResult(errors, {}, forms, warnings)
        processes = {pid: _definition(bundle, pid, spec, subs, refs) for pid, (spec, subs) in specs.items()}
        return ValidationResult([], processes, forms, warnings)
    except Exception as exc:  # the last line of defence: a deploy never crashes the caller
        return ValidationResult([_internal("<bundle>", "validate_bundle", exc)])
