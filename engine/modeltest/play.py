"""One scenario being played: the workflow, its clock, and the checks of each step."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..runtime.runner import CaseStep
from ..runtime.script_engine import CaseContext
from ..runtime.serialization import SERIALIZER_VERSION, dump_state
from ..runtime.snapshot import start_properties, take
from ..sandbox_helpers import parse_duration
from ..services.forms import validate_form

FIRE_AFTER = timedelta(microseconds=1)


class _Clock:
    """The sandbox's clock: scripts' now()/today() follow the scenario's time."""

    def __init__(self, play):
        self.play = play

    def now(self):
        return self.play.now


def _plain(when: datetime, tz) -> datetime:
    """A real datetime in the scenario's zone (SpiffWorkflow hands back its patched datetime class)."""
    return datetime.fromisoformat(when.isoformat()).astimezone(tz)


class Play:
    def __init__(self, definition, forms: dict, mocks, start_at, allow_error: bool = False):
        from ..runtime import clock_patch
        from ..sandbox import Sandbox, SandboxEnvironment
        from .runner import StepFailed
        clock_patch.install()              # SpiffWorkflow's timers read the scenario's time
        self.Failed = StepFailed
        self.definition = definition
        self.forms = forms
        self.mocks = mocks
        self.now = start_at
        self.env = SandboxEnvironment(Sandbox(clock=_Clock(self)))
        self.context = CaseContext("scenario", definition.id)
        self.step: CaseStep | None = None
        self.path: list[str] = []
        self.incident = None
        self.tz = start_at.tzinfo
        self.allow_error = allow_error     # the scenario expects the case to end in an incident

    # -------------------------------------------------------------------------------- running
    def start(self, data: dict) -> None:
        d = self.definition
        form = start_properties(d.spec).get("formJsonSchemaFilename")
        if form:
            validate_form(self._form(form), data)
        self.step = CaseStep.new(d.spec, d.subprocess_specs, self.env, self.mocks.registry, self.context, self.now)

        def begin():
            # A process started by a timer start event runs once per scenario, as one scheduled case
            # does in the engine (engine/services/schedules.py): its start timer fires now.
            self.step.wf.task_tree.data.update(data)
            self.step.wf.do_engine_steps()
            self.step.fire_start_timers()
        self._run(begin)
        self._raise_incident("启动后")

    def _run(self, action=None, fire: bool = False) -> None:
        # Timers fire once their time has passed: the library sees the time a microsecond on, while
        # scripts keep reading the scenario's own clock.
        self.step.now = self.now + FIRE_AFTER if fire else self.now
        if not self.step.run(action) and self.step.log.incidents:
            self.incident = self.step.log.incidents[-1]
        self._reload()

    def _reload(self) -> None:
        """Save and restore, as the engine does between steps."""
        d = self.definition
        state = dump_state(self.step.wf)
        self.step = CaseStep.load(state, SERIALIZER_VERSION, d.spec, d.subprocess_specs, self.env,
                                  self.mocks.registry, self.context, self.now)

    def do(self, step) -> None:
        self.incident = None
        getattr(self, "_" + step.kind)(step)
        self._raise_incident("")

    def _raise_incident(self, when: str) -> None:
        if self.incident is not None and self.step.status() == "error" and not self.allow_error:
            raise self.Failed(f"{when}流程出错（{self.incident.element_id}）：{self.incident.message}")

    # -------------------------------------------------------------------------------- step kinds
    def _task(self, step) -> None:
        open_tasks = take(self.step.wf).human
        ready = sorted({h.element_id for h in open_tasks})
        same = [h for h in open_tasks if h.element_id == step.value]
        if not same:
            raise self.Failed(f"期望待办任务 {step.value}，但当前待办是 {ready or '无'}"
                              f"（流程状态 {self.step.status()}）")
        if step.scope is not None:
            scopes = [self._scope_of(h) for h in same]
            same = [h for h, scope in zip(same, scopes) if scope == str(step.scope)]
            if not same:
                raise self.Failed(f"任务 {step.value} 没有办理范围为 {step.scope} 的一份（现有 {scopes}）")
        elif len(same) > 1:
            raise self.Failed(f"任务 {step.value} 有 {len(same)} 份待办（多实例）：请用 scope: 指明办理哪一份"
                              f"（现有 {[self._scope_of(h) for h in same]}）")
        human = same[0]
        if step.role and human.role != step.role:
            raise self.Failed(f"任务 {step.value} 在泳道 {human.role}，不是 {step.role}")
        from .runner import _plain as plain_json
        submit = plain_json(step.submit)            # YAML dates become ISO strings, as a browser sends them
        form = human.properties.get("formJsonSchemaFilename")
        if form:
            validate_form(self._form(form), submit)
        task = human.task
        self.path.append(step.value)
        self._run(lambda: (task.set_data(**submit), task.run()))

    def _form(self, name: str) -> dict | None:
        return next((v for k, v in self.forms.items() if k.rsplit("/", 1)[-1] == name.rsplit("/", 1)[-1]), None)

    def _scope_of(self, human) -> str | None:
        expression = human.properties.get("scope")
        if not expression:
            return None
        try:
            value = self.env.evaluate(expression, dict(human.task.data))
        except Exception:   # noqa: BLE001 - an unevaluable scope matches nobody, as in the inbox
            return None
        return None if value is None else str(value)

    def _wait(self, step) -> None:
        try:
            delta = parse_duration(step.value)
        except ValueError as exc:
            raise self.Failed(str(exc)) from None
        self._advance(self.now + delta)

    def _at(self, step) -> None:
        if step.value < self.now:
            raise self.Failed(f"时间不能倒退：现在是 {self.now.isoformat()}")
        self._advance(step.value)

    def _advance(self, target) -> None:
        """Stop at every timer due on the way, in order, as the background runner would."""
        for _ in range(10_000):
            dues = [t.due_at for t in take(self.step.wf).timers if t.due_at <= target]
            if not dues:
                break
            self.now = max(self.now, _plain(min(dues), self.tz))
            self._run(self.step.refresh_timers, fire=True)
        self.now = max(self.now, target)
        self._run(self.step.refresh_timers, fire=True)

    def _message(self, step) -> None:
        from ..services.messages import _deliver
        name = step.value["name"]
        waiting = [m for m in take(self.step.wf).messages if m.name == name]
        if not waiting:
            raise self.Failed(f"没有任务在等待消息“{name}”")
        task = waiting[0].task
        payload, correlation = step.value.get("data") or {}, step.value.get("correlation") or {}
        self._run(lambda: _deliver(self.step, task, payload, correlation))

    def _expect(self, step) -> None:
        self.check(step.value, "此时")

    # -------------------------------------------------------------------------------- checks
    def check(self, expect: dict, when: str) -> None:
        problems = []
        status = self.step.status()
        if "status" in expect and expect["status"] != status:
            problems.append(f"流程状态应为 {expect['status']}，实际是 {status}")
        if "path" in expect and list(expect["path"]) != self.path:
            problems.append(f"完成的任务应为 {expect['path']}，实际是 {self.path}")
        if "open_tasks" in expect:
            open_tasks = sorted(h.element_id for h in take(self.step.wf).human)
            if sorted(expect["open_tasks"]) != open_tasks:
                problems.append(f"待办任务应为 {sorted(expect['open_tasks'])}，实际是 {open_tasks}")
        for name, count in (expect.get("calls") or {}).items():
            made = len(self.mocks.calls.get(name, []))
            if made != count:
                problems.append(f"操作 {name} 应被调用 {count} 次，实际 {made} 次")
        if "data" in expect:
            problems += [f"数据 {p}" for p in _subset(expect["data"], self.step.data(), "")]
        if problems:
            raise self.Failed(f"{when}：" + "；".join(problems))


def _subset(expected, actual, where: str) -> list[str]:
    """Where `actual` differs from `expected` (dicts compared by the expected keys only)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '整体'} 应为对象，实际是 {actual!r}"]
        out = []
        for key, value in expected.items():
            path = f"{where}.{key}" if where else str(key)
            if key not in actual:
                out.append(f"{path} 不存在")
            else:
                out += _subset(value, actual[key], path)
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):       # element-wise, dicts by their expected keys
            out += _subset(e, a, f"{where}[{i}]")
        return out
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return [] if abs(float(expected) - float(actual)) < 1e-9 else [f"{where} 应为 {expected!r}，实际是 {actual!r}"]
        except (TypeError, ValueError):
            pass
    return [] if expected == actual else [f"{where} 应为 {expected!r}，实际是 {actual!r}"]
