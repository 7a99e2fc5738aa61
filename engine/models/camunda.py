"""Camunda Modeler's form attributes: what the engine reads, and what it refuses by name.

- `camunda:formKey` on a user or manual task that names a deployed JSON Schema file
  (`review.schema.json`, or with Camunda's `deployment:` / `embedded:deployment:` prefix) is the task's
  form, like the `formJsonSchemaFilename` property (properties.py maps it). Any other formKey (an HTML
  page, `camunda-forms:...`, an expression) and `camunda:formRef` (a Camunda Forms .form file) are
  refused: forms here are JSON Schema. A formKey and a formJsonSchemaFilename that disagree are refused.
- A formKey on a start event is refused: a case's first data comes with the start request.
Service-task attributes (`camunda:class`, `camunda:asyncBefore`...) are checked in services.py;
candidate groups in lanes.py and roles.py; the remaining Camunda extensions in constructs.py.
"""
from __future__ import annotations

from .bundle import Doc
from .lanes import HUMAN_TASKS
from .ns import CAMUNDA, is_bpmn, local, q
from .problems import Problem
from .properties import form_key_file, property_elements

_FORMS_HERE = "本平台的表单是与模型一起部署的 JSON Schema 文件 (.json)"


def _form_key_problems(doc: Doc, element) -> list[Problem]:
    key = element.get(q("formKey", CAMUNDA))
    if key is None:
        return []
    element_id, kind = element.get("id"), local(element)
    if kind not in HUMAN_TASKS:
        return [doc.problem(element, f"{element_id} 上的 camunda:formKey 不会生效：只有人工任务有表单，案件的初始数据随发起请求"
                                     f"一起提交 (formKey is only read on user tasks)")]
    mapped = form_key_file(key)
    if mapped is None:
        return [doc.problem(element, f"人工任务 {element_id} 的 camunda:formKey \"{key}\" 不是 JSON 表单文件；{_FORMS_HERE}，"
                                     f"请把 formKey 写成表单文件名（如 review.schema.json）或用扩展属性 "
                                     f"formJsonSchemaFilename (formKey must name a .json form)")]
    explicit = [p.get("value") for p in property_elements(element) if p.get("name") == "formJsonSchemaFilename"]
    if explicit and (explicit[-1] or "").strip() != mapped:
        return [doc.problem(element, f"人工任务 {element_id} 的 camunda:formKey ({mapped}) 与扩展属性 formJsonSchemaFilename "
                                     f"({explicit[-1]}) 不一致；请只保留一个 (two different forms)")]
    return []


def check_camunda(doc: Doc) -> list[Problem]:
    problems = []
    for element in doc.root.iter():
        if not is_bpmn(element):
            continue
        problems += _form_key_problems(doc, element)
        if element.get(q("formRef", CAMUNDA)) is not None:
            problems.append(doc.problem(element, f"{element.get('id')} 的 camunda:formRef 引用的是 Camunda Forms (.form) 表单，"
                                                 f"本平台不会显示它；{_FORMS_HERE}，请用扩展属性 formJsonSchemaFilename "
                                                 f"(Camunda Forms are not supported)"))
    return problems
