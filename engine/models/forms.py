"""Forms: JSON Schema files named by user tasks and start events (formJsonSchemaFilename,
formUiSchemaFilename). A start event's form checks the data a case is started with."""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from .bundle import Bundle
from .lanes import HUMAN_TASKS, none_start_events
from .ns import q
from .problems import Problem
from .properties import element_properties, property_elements
from .xml import MAX_BYTES

SCHEMA_PROPERTY = "formJsonSchemaFilename"
UI_PROPERTY = "formUiSchemaFilename"


@dataclass(frozen=True)
class FormRef:
    bpmn_file: str
    element_id: str | None
    property: str
    value: str      # as written in the BPMN
    file: str       # the bundle file it resolved to


def _basename(name: str) -> str:
    return posixpath.basename(name.replace("\\", "/"))


def resolve(value: str, bpmn_file: str, json_names: list[str]) -> tuple[str | None, str | None]:
    """(bundle file name, None) or (None, what is wrong) for a form file named in a BPMN file."""
    if value in json_names:
        return value, None
    candidates = [name for name in json_names if _basename(name) == _basename(value)]
    if len(candidates) > 1:
        folder = posixpath.basename(posixpath.dirname(bpmn_file.replace("\\", "/")))
        same_folder = [name for name in candidates if posixpath.basename(posixpath.dirname(name)) == folder]
        candidates = same_folder or candidates
    if len(candidates) == 1:
        return candidates[0], None
    if candidates:
        return None, f"有多个同名的表单文件：{'、'.join(sorted(candidates))}；请改名使其唯一"
    return None, "这次部署中没有这个文件；请把表单的 .json 文件一起部署"


def load_json(name: str, data: bytes) -> tuple[object, list[Problem]]:
    if len(data) > MAX_BYTES:
        return None, [Problem(name, None, None, f"文件超过 {MAX_BYTES} 字节 (file too large)")]
    try:
        return json.loads(data.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        return None, [Problem(name, None, None, "表单文件不是 UTF-8 编码 (not UTF-8)")]
    except json.JSONDecodeError as exc:
        return None, [Problem(name, exc.lineno, None, f"不是合法的 JSON：{exc.msg}（第 {exc.lineno} 行第 {exc.colno} 列）"
                                                      f" (invalid JSON)")]
    except (RecursionError, ValueError) as exc:
        return None, [Problem(name, None, None, f"无法读取 JSON ({type(exc).__name__})")]


def schema_problems(name: str, schema: object) -> list[Problem]:
    if not isinstance(schema, dict):
        return [Problem(name, 1, None, "表单 (JSON Schema) 必须是一个 JSON 对象 (a form schema must be an object)")]
    validator = validator_for(schema, default=None) if "$schema" in schema else Draft202012Validator
    if validator is None:
        return [Problem(name, 1, None, f"不认识的 $schema \"{schema.get('$schema')}\"；请用 "
                                       f"https://json-schema.org/draft/2020-12/schema (unknown $schema)")]
    try:
        validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "(根)"
        return [Problem(name, 1, None, f"不是合法的 JSON Schema：位置 {where}：{exc.message} (invalid JSON Schema)")]
    except Exception as exc:  # a schema so odd that the meta-validation itself fails
        return [Problem(name, 1, None, f"无法检查 JSON Schema ({type(exc).__name__})")]
    if schema.get("type", "object") != "object":
        return [Problem(name, 1, None, f"表单的顶层 type 应为 \"object\"，现在是 {json.dumps(schema.get('type'))} "
                                       f"(a form submits an object)")]
    return []


def check_forms(bundle: Bundle) -> tuple[list[Problem], dict[str, dict], list[FormRef]]:
    """Problems, every readable JSON file by name, and the form references that resolved."""
    problems: list[Problem] = []
    names = sorted(bundle.json_files)
    refs: list[FormRef] = []
    for doc in bundle.bpmn:
        starts = [start for process in doc.processes() for start in none_start_events(process)]
        for task in [*doc.root.iter(*[q(name) for name in HUMAN_TASKS]), *starts]:
            properties = {el.get("name"): el for el in property_elements(task)}
            what = "开始事件" if task.tag == q("startEvent") else "人工任务"
            for prop in (SCHEMA_PROPERTY, UI_PROPERTY):
                value = (element_properties(task).get(prop) or "").strip()
                if not value:
                    continue
                file, error = resolve(value, doc.name, names)
                if error:
                    problems.append(doc.problem(properties.get(prop, task), f"{what} {task.get('id')} 的 {prop} \"{value}\" "
                                                                  f"找不到：{error} (form file not found)"))
                else:
                    refs.append(FormRef(doc.name, task.get("id"), prop, value, file))
    ui_files = {ref.file for ref in refs if ref.property == UI_PROPERTY}
    schema_files = {ref.file for ref in refs if ref.property == SCHEMA_PROPERTY}
    forms: dict[str, dict] = {}
    for name in names:
        parsed, found = load_json(name, bundle.json_files[name])
        problems += found
        if found:
            continue
        if name in ui_files and name not in schema_files:
            if not isinstance(parsed, dict):
                problems.append(Problem(name, 1, None, "界面描述 (UI schema) 必须是一个 JSON 对象"))
                continue
        else:
            schema_found = schema_problems(name, parsed)
            problems += schema_found
            if schema_found:
                continue
        forms[name] = parsed
    return problems, forms, refs
