"""The scenario file format (YAML), parsed into plain dataclasses with errors people can act on.

```yaml
process: asset_request            # optional when the folder holds one process
include: [approval]               # other folders of workflows/ deployed with it (call activities)
start_at: 2026-03-02T09:00:00+08:00   # optional; default 2026-01-05T09:00:00+08:00
scenarios:
  - name: 小额借用，保管方同意
    start: {applicant_unit: U07, items: [...]}     # the start data
    operators:                                     # what each operator returns (mocked)
      reserve_assets: {reservationIds: [1]}        # a value: returned on every call
      check_unit_not_blocked: {returns_each: [{blocked: false}, {blocked: true}]}
      create_service_order: {refuses: {code: SUPPLIER_NOT_ELIGIBLE, message: 不提供该服务}}
      notify: {fails: 短信网关无响应}
    steps:
      - task: unit_head_signoff                    # this user task must be open now...
        role: UNIT_HEAD                            # ...in this lane (optional)
        scope: U07                                 # ...for this scope (picks one of several instances)
        submit: {decision: APPROVE}                # ...and is completed with this data (checked by its form)
      - wait: P3D                                  # time moves 3 days, timers fire on the way in order
      - at: 2026-03-10T00:00:00+08:00              # or moves to a moment
      - message: {name: 归还登记, correlation: {loan_id: L1}, data: {qty: 10}}
      - expect: {open_tasks: [holder_review], data: {total_value: 1200}}
    expect:                                        # at the end
      path: [unit_head_signoff, holder_review]     # the user tasks completed, in order
      status: completed                            # running | waiting | completed | error
      data: {outcome: APPROVED}                    # a subset of the final data
      open_tasks: []
      calls: {reserve_assets: 1}                   # how often operators were called
```
A mapping with exactly one of the keys `returns`, `returns_each`, `refuses`, `fails` is an instruction;
any other value is what the operator returns. `returns_each` entries may themselves be `refuses`/`fails`
(refused first, accepted after the fix). A scenario may set its own `start_at`. Lists in `data` compare
element by element (each element as a subset) when the lengths match. `status: error` expects the case
to stop on an incident. A process with only a timer start event runs once per scenario, as one
scheduled case does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_START = "2026-01-05T09:00:00+08:00"
STEP_KINDS = ("task", "wait", "at", "message", "expect")
EXPECT_KEYS = {"path", "status", "data", "open_tasks", "calls"}
INSTRUCTIONS = {"returns", "returns_each", "refuses", "fails"}


class ScenarioFileError(ValueError):
    """The scenario file itself is wrong (not the process): where and what."""


@dataclass
class Step:
    kind: str
    value: Any
    role: str | None = None
    submit: dict = field(default_factory=dict)
    scope: str | None = None


@dataclass
class Scenario:
    name: str
    start: dict
    operators: dict
    steps: list[Step]
    expect: dict
    start_at: datetime | None = None


@dataclass
class ScenarioFile:
    path: Path
    process: str | None
    include: list[str]
    start_at: datetime
    scenarios: list[Scenario]


def _fail(path: Path, where: str, message: str):
    raise ScenarioFileError(f"{path}: {where}: {message}")


def _mapping(value, path, where) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(path, where, f"应为键值对（mapping），实际是 {type(value).__name__}")
    return value


def _when(value, path, where) -> datetime:
    when = value if isinstance(value, datetime) else None
    if when is None:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            _fail(path, where, f"无法识别的时间 {value!r}（应为 ISO 8601，如 2026-03-02T09:00:00+08:00）")
    if when.tzinfo is None:
        _fail(path, where, f"时间 {value!r} 缺少时区（如 +08:00）")
    return when


def _step(raw, path, where) -> Step:
    raw = _mapping(raw, path, where)
    kinds = [k for k in STEP_KINDS if k in raw]
    if len(kinds) != 1:
        _fail(path, where, f"每一步只能是 {' / '.join(STEP_KINDS)} 之一，实际是 {sorted(raw)}")
    kind = kinds[0]
    extra = set(raw) - {kind} - ({"role", "submit", "scope"} if kind == "task" else set())
    if extra:
        _fail(path, where, f"{kind} 步骤不认识这些键：{sorted(extra)}")
    value = raw[kind]
    if kind == "at":
        value = _when(value, path, where)
    elif kind == "wait" and not isinstance(value, str):
        _fail(path, where, f"wait 应为 ISO 8601 时长（如 P3D、PT6H），实际是 {value!r}")
    elif kind == "message":
        value = _mapping(value, path, where)
        if not isinstance(value.get("name"), str):
            _fail(path, where, "message 需要 name")
    elif kind == "expect":
        value = _expect(value, path, where)
    elif kind == "task" and not isinstance(value, str):
        _fail(path, where, f"task 应为用户任务的 BPMN id，实际是 {value!r}")
    return Step(kind, value, raw.get("role"), _mapping(raw.get("submit"), path, f"{where}.submit"),
                None if raw.get("scope") is None else str(raw["scope"]))


def _expect(raw, path, where) -> dict:
    raw = _mapping(raw, path, where)
    unknown = set(raw) - EXPECT_KEYS
    if unknown:
        _fail(path, where, f"expect 不认识这些键：{sorted(unknown)}（可用 {sorted(EXPECT_KEYS)}）")
    return raw


def _operators(raw, path, where) -> dict:
    raw = _mapping(raw, path, where)
    for name, value in raw.items():
        if isinstance(value, dict) and len(value) == 1 and set(value) & INSTRUCTIONS:
            if "returns_each" in value and not isinstance(value["returns_each"], list):
                _fail(path, f"{where}.{name}", "returns_each 应为列表")
            if "refuses" in value and not isinstance(_mapping(value["refuses"], path, f"{where}.{name}")
                                                     .get("code"), str):
                _fail(path, f"{where}.{name}", "refuses 需要 code（错误码，如 STOCK_SHORT）")
    return raw


def parse(data, path: Path) -> ScenarioFile:
    data = _mapping(data, path, "文件")
    unknown = set(data) - {"process", "include", "start_at", "scenarios"}
    if unknown:
        _fail(path, "文件", f"不认识这些键：{sorted(unknown)}")
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        _fail(path, "scenarios", "至少需要一个场景（列表）")
    include = data.get("include") or []
    if not isinstance(include, list) or not all(isinstance(i, str) for i in include):
        _fail(path, "include", "应为目录名列表")
    parsed = []
    for i, raw in enumerate(scenarios, 1):
        where = f"场景 {i}"
        raw = _mapping(raw, path, where)
        unknown = set(raw) - {"name", "start", "operators", "steps", "expect", "start_at"}
        if unknown:
            _fail(path, where, f"不认识这些键：{sorted(unknown)}")
        name = str(raw.get("name") or where)
        steps = raw.get("steps") or []
        if not isinstance(steps, list):
            _fail(path, f"{where}.steps", "应为列表")
        parsed.append(Scenario(name, _mapping(raw.get("start"), path, f"{where}.start"),
                               _operators(raw.get("operators"), path, f"{where}.operators"),
                               [_step(s, path, f"{where} 第 {j} 步") for j, s in enumerate(steps, 1)],
                               _expect(raw.get("expect"), path, f"{where}.expect"),
                               _when(raw["start_at"], path, f"{where}.start_at") if "start_at" in raw else None))
    return ScenarioFile(path, data.get("process"), include, _when(data.get("start_at", DEFAULT_START), path,
                                                                  "start_at"), parsed)


def load_file(path: str | Path) -> ScenarioFile:
    import yaml
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第 {mark.line + 1} 行" if mark else "YAML"
        raise ScenarioFileError(f"{path}: {line}: 不是有效的 YAML：{getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(f"{path}: 无法读取：{exc}") from None
    return parse(data, path)
