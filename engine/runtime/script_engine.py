"""The script engine every case runs with: sandboxed expressions and our service-task operators.

A new `CaseScriptEngine` is attached to a workflow each time it is loaded; it carries the case's
context (ids, the unit of work's session) and collects the async jobs the step asks for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from ..errors import EngineError, RefusalError
from ..jsonvalues import plain
from . import refusals
from .operators import OperatorContext, OperatorRegistry


@dataclass
class PendingJob:
    task_id: str
    element_id: str
    operator: str
    max_attempts: int
    backoff_seconds: float


@dataclass
class CaseContext:
    case_id: str
    process_id: str
    session: Any = None
    jobs: list[PendingJob] = field(default_factory=list)
    service_calls: list[dict] = field(default_factory=list)


class CaseScriptEngine(PythonScriptEngine):
    def __init__(self, environment, operators: OperatorRegistry, context: CaseContext):
        super().__init__(environment=environment)
        self.operators = operators
        self.context = context

    # SpiffWorkflow's call_service hides the real error behind a NameError; we never use it.
    def call_service(self, task, **kwargs):
        raise WorkflowTaskException("call_service is not used by this engine", task=task)

    def run_service_task(self, task, spec) -> bool | None:
        """Inline operator: run now, store the result, True. Async operator: record a job, None."""
        op = self.operators.get(spec.operation_name)
        if op is None:
            raise WorkflowTaskException(f"操作“{spec.operation_name}”未注册 (operator not registered)", task=task)
        if op.async_:
            retries = spec.retries if spec.retries is not None else op.retries
            backoff = spec.retry_backoff_base if spec.retry_backoff_base is not None else op.backoff_seconds
            self.context.jobs.append(PendingJob(str(task.id), spec.bpmn_id, op.name, max(1, int(retries) + 1),
                                                float(backoff)))
            return None
        params = {name: p["value"] for name, p in spec.evaluate_params(task).items()}
        try:
            result = self.invoke(op, task, params)
        except RefusalError as exc:
            if refusals.route(task, op.name, exc):
                return None         # the boundary event fired; it cancels this task when it runs
            raise WorkflowTaskException(f"操作“{op.name}”失败: {_describe(exc)}", task=task, exception=exc)
        task.data[spec.result_variable] = result
        return True

    def invoke(self, op, task, params: dict) -> Any:
        """Call an operator inside a savepoint, so a failing operator leaves no half-written rows."""
        ctx = OperatorContext(case_id=self.context.case_id, task_id=str(task.id),
                              process_id=self.context.process_id,
                              idempotency_key=f"{self.context.case_id}:{task.id}",
                              session=self.context.session, element_id=task.task_spec.bpmn_id)
        session = self.context.session
        nested = session.begin_nested() if session is not None else None
        try:
            result = op.fn(ctx, **params)
            # Results must be plain JSON: round-trip to catch anything else early, with a clear error.
            result = plain(result)
        except Exception as exc:
            if nested is not None:
                nested.rollback()
            call = {"operator": op.name, "task": task.task_spec.bpmn_id, "ok": False, "error": _describe(exc)}
            if isinstance(exc, RefusalError):
                call["refused"] = exc.error_code
            self.context.service_calls.append(call)
            if isinstance(exc, RefusalError):
                raise                       # run_service_task routes it to an error boundary event
            raise WorkflowTaskException(f"操作“{op.name}”失败: {_describe(exc)}", task=task, exception=exc)
        if nested is not None:
            nested.commit()
        self.context.service_calls.append({"operator": op.name, "task": task.task_spec.bpmn_id, "ok": True})
        return result


def _describe(exc: Exception) -> str:
    if isinstance(exc, EngineError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"
