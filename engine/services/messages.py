"""Routing messages to the waiting case by name and correlation values; message start events."""
from __future__ import annotations

from sqlalchemy import select
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from ..errors import ConflictError, InvalidInputError, MessageNotRoutedError
from ..store.tables import MessageWait
from .case_io import canonical, open_case, save_case
from .users import load_principal


def send_message(eng, name: str, correlation: dict | None, data: dict | None, user: str) -> str:
    """Deliver to the one case waiting for (name, correlation); else start a case by message start event."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError("消息名称不能为空")
    if correlation is not None and not isinstance(correlation, dict):
        raise InvalidInputError("correlation 必须是 JSON 对象")
    if data is not None and not isinstance(data, dict):
        raise InvalidInputError("data 必须是 JSON 对象")
    key = canonical(correlation or {})
    payload = dict(data or {})
    with eng.db.unit_of_work() as s:
        waits = list(s.execute(select(MessageWait).where(MessageWait.message_name == name,
                                                         MessageWait.correlation_key == key)).scalars())
        if waits:
            case_ids = {w.case_id for w in waits}
            if len(case_ids) > 1:
                raise ConflictError(f"有 {len(case_ids)} 个案件在等待消息“{name}”且关联值相同，无法确定目标；"
                                "请在模型中为该消息设置能区分案件的关联值 (correlation)", {"waiting_cases": len(case_ids)})
            wait = waits[0]
            p = load_principal(s, user)
            if wait.role and not p.has_role(wait.role) and not p.is_admin:
                raise MessageNotRoutedError(f"没有案件在等待消息“{name}”")
            case, step = open_case(eng, s, wait.case_id)
            task = step.task(wait.task_id)
            step.run(lambda: _deliver(step, task, payload, correlation or {}))
            step.log.events.append(("message_received", wait.element_id, {"name": name,
                                                                          "correlation": correlation or {}}))
            save_case(eng, s, case, step, user)
            return case.id
    return _start_by_message(eng, name, correlation, payload, user)


def _deliver(step, task, payload: dict, correlation: dict) -> None:
    """Hand the message to the waiting task. BPMN correlation properties (if the model has them) are
    computed over the correlation values and the payload together."""
    definition = task.task_spec.event_definition
    correlations = {}
    if definition.correlation_properties:
        payload = {**correlation, **payload}     # the retrieval expressions read the message's content
        correlations = definition.calculate_correlations(step.wf.script_engine, definition.correlation_properties,
                                                         payload)
    step.wf.send_event(BpmnEvent(definition, payload, correlations))
    if getattr(definition, "message_var", None) is None:
        task.data.update(payload)


def _start_by_message(eng, name, correlation, payload, user) -> str:
    from .deploy import latest_versions
    from .cases import start_case
    starters = [v for v in latest_versions(eng) if v.message_start == name]
    if not starters:
        raise MessageNotRoutedError(f"没有案件在等待消息“{name}”，也没有流程由它启动",
                                    {"name": name, "correlation": correlation or {}})
    if len(starters) > 1:
        raise ConflictError(f"多个流程由消息“{name}”启动", {"processes": [v.process_id for v in starters]})

    def deliver(step):
        tasks = [t for t in step.wf.get_tasks(state=TaskState.WAITING)
                 if getattr(getattr(t.task_spec, "event_definition", None), "name", None) == name]
        if not tasks:
            raise MessageNotRoutedError(f"流程 {starters[0].process_id} 未在等待消息“{name}”")
        _deliver(step, tasks[0], payload, correlation or {})
        step.log.events.append(("message_received", tasks[0].task_spec.bpmn_id, {"name": name}))

    case = start_case(eng, starters[0].process_id, {}, user, _message=deliver)
    return case["id"]
