"""Validating submitted task data against the task's JSON Schema, reporting every broken field."""
from __future__ import annotations

from jsonschema import validators

from ..errors import FormInvalidError

_MESSAGES = {
    "required": "必填项缺失",
    "type": "类型不正确",
    "enum": "取值不在允许范围内",
    "minimum": "数值过小", "maximum": "数值过大",
    "exclusiveMinimum": "数值过小", "exclusiveMaximum": "数值过大",
    "minLength": "内容过短", "maxLength": "内容过长",
    "pattern": "格式不正确", "format": "格式不正确",
    "additionalProperties": "包含表单未定义的字段",
    "minItems": "条目过少", "maxItems": "条目过多",
    "const": "取值不正确",
}


_VALIDATORS: dict[int, tuple[dict, object]] = {}    # id(schema) -> (schema, its validator)


def _validator(schema: dict):
    """One validator per schema object (the spec cache hands out the same dict for a version's form);
    the schema is kept beside it so that its id cannot be reused by another dict while cached."""
    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    cls = validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    if len(_VALIDATORS) >= 1024:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def validate_form(schema: dict | None, data: dict) -> None:
    if not schema:
        return
    validator = _validator(schema)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path.append(missing)
        field = ".".join(p for p in path if p) or "(表单)"
        problems.append({"field": field, "message": f"{_MESSAGES.get(err.validator, '不符合表单要求')}: {err.message}"})
    if problems:
        raise FormInvalidError(f"表单有 {len(problems)} 处错误", problems)
