"""Runs designer scenarios in memory: no database, operators mocked, time moved by the scenario.

Each scenario starts a fresh workflow and saves and restores it (JSON, as the engine stores cases)
around every step, so a model that only works without a reload fails here too. A step that finds the
process elsewhere than the scenario says stops that scenario with the reason; the others still run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..deploy_files import collect_files
from ..errors import FormInvalidError, RefusalError
from ..jsonvalues import lenient_default, plain
from ..runtime.operators import OperatorRegistry
from .format import Scenario, ScenarioFile, ScenarioFileError, load_file

class StepFailed(Exception):
    pass


@dataclass
class ScenarioResult:
    name: str
    ok: bool
    failures: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    path: Path
    error: str | None = None
    scenarios: list[ScenarioResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.ok for s in self.scenarios)


def _plain(value):
    """YAML dates become ISO strings, as JSON would carry them."""
    return plain(value, default=lenient_default)


class MockOperators:
    """Every operator the real registry knows (and every one the scenario names), answering from the
    scenario; an operator the process calls but the scenario does not describe fails the step."""

    def __init__(self, names, answers: dict):
        self.answers = answers
        self.calls: dict[str, list[dict]] = {}
        self.registry = OperatorRegistry()
        for name in set(names) | set(answers):
            self.registry.register(name, self._make(name))

    def _make(self, name):
        def mock(ctx, **params):
            calls = self.calls.setdefault(name, [])
            calls.append(params)
            if name not in self.answers:
                raise StepFailed(f"流程调用了操作 {name}（参数 {params}），但场景没有说明它返回什么；请在 operators 中写明")
            answer = self.answers[name]
            if _instruction(answer) == "returns_each":
                each = answer["returns_each"]
                if len(calls) > len(each):
                    raise StepFailed(f"操作 {name} 被调用第 {len(calls)} 次，但 returns_each 只给了 {len(each)} 个结果")
                answer = each[len(calls) - 1]
            return _answer(answer)
        return mock


def _instruction(answer) -> str | None:
    if isinstance(answer, dict) and len(answer) == 1:
        key = next(iter(answer))
        if key in ("returns", "returns_each", "refuses", "fails"):
            return key
    return None


def _answer(answer):
    kind = _instruction(answer)
    if kind == "refuses":
        value = answer["refuses"]
        raise RefusalError(str(value.get("message") or value["code"]), code=value["code"],
                           details=_plain(value.get("details")))
    if kind == "fails":
        raise RuntimeError(str(answer["fails"]))
    if kind == "returns":
        return _plain(answer["returns"])
    return _plain(answer)


def _bundle(spec_file: ScenarioFile, forms_root: Path | None) -> dict[str, bytes]:
    folder = spec_file.path.parent
    paths = [folder]
    for name in spec_file.include:
        paths.append(folder.parent / name)
    if forms_root is not None:
        paths += [forms_root / p.name for p in list(paths) if (forms_root / p.name).is_dir()]
    return collect_files(paths)


def run_file(path, operator_names=(), forms_root: str | Path | None = "forms") -> FileResult:
    """Run every scenario of one file; `operator_names` are the operators the real engine registers."""
    from ..models.validate import validate_bundle
    from ..sandbox import Sandbox
    result = FileResult(Path(path))
    try:
        spec_file = load_file(path)
        files = _bundle(spec_file, Path(forms_root) if forms_root else None)
    except (ScenarioFileError, ValueError) as exc:
        result.error = str(exc)
        return result
    except Exception as exc:   # noqa: BLE001 - unreadable folders are reported, never a crash
        result.error = f"{path}: {exc}"
        return result
    names = set(operator_names) | {n for s in spec_file.scenarios for n in s.operators}
    checked = validate_bundle(files, MockOperators(names, {}).registry, Sandbox())
    if checked.problems:
        first = checked.problems[0]
        result.error = (f"{path}: 模型有 {len(checked.problems)} 个问题，先用 gwc validate 修正："
                        f"{first.file}:{first.line}: {first.element_id}: {first.message}")
        return result
    process = spec_file.process or (next(iter(checked.processes)) if len(checked.processes) == 1 else None)
    if process not in checked.processes:
        result.error = f"{path}: 请用 process: 指明要测试的流程（可选：{', '.join(sorted(checked.processes))}）"
        return result
    for scenario in spec_file.scenarios:
        result.scenarios.append(_run(scenario, checked, checked.processes[process], names, spec_file.start_at))
    return result


def _run(scenario: Scenario, checked, definition, names, start_at) -> ScenarioResult:
    from .play import Play
    outcome = ScenarioResult(scenario.name, ok=True)
    play = Play(definition, checked.forms, MockOperators(names, scenario.operators), scenario.start_at or start_at,
                allow_error=scenario.expect.get("status") == "error")
    try:
        play.start(_plain(scenario.start))
        for number, step in enumerate(scenario.steps, 1):
            try:
                play.do(step)
            except StepFailed as exc:
                raise StepFailed(f"第 {number} 步（{step.kind} {_label(step)}）：{exc}") from None
        play.check(scenario.expect, "结束时")
    except StepFailed as exc:
        outcome.ok = False
        outcome.failures.append(str(exc))
    except FormInvalidError as exc:
        outcome.ok = False
        outcome.failures.append(f"{exc.message}：{exc.details}")
    outcome.path = list(play.path)
    return outcome


def _label(step) -> str:
    if step.kind == "message":
        return step.value.get("name", "")
    if step.kind == "expect":
        return ""
    return str(step.value)


def run_paths(paths, operator_names=(), forms_root: str | Path | None = "forms") -> list[FileResult]:
    """Every `*.scenarios.yaml` under the given files or folders, in name order."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found += sorted(p.rglob("*.scenarios.yaml"))
        elif p.is_file():
            found.append(p)
        else:
            found.append(p)      # reported as unreadable
    return [run_file(p, operator_names, forms_root) for p in found]
