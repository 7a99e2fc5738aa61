"""Compiling the Python that models carry (conditions, scripts, expressions) at deploy time.

The real checks come from engine.sandbox (RestrictedPython); until it exists, or when it cannot be
built, a fallback compiles with Python's compile() so syntax errors still surface at deploy.
"""
from __future__ import annotations

import warnings

from .problems import Problem, nearest_id, source_line

_JUEL_HINT = "；表达式用 Python 写，不是 JUEL/FEEL（例如写 amount > 1000，而不是 ${amount > 1000}）"


class CompileSandbox:
    """Fallback with the Sandbox checking interface: syntax only."""

    def check_expression(self, src: str) -> list[tuple[int, str]]:
        return self._compile(src, "eval")

    def check_script(self, src: str) -> list[tuple[int, str]]:
        return self._compile(src, "exec")

    @staticmethod
    def _compile(src: str, mode: str) -> list[tuple[int, str]]:
        try:
            with warnings.catch_warnings():  # e.g. "\d" in a string: a warning, not a broken model
                warnings.simplefilter("ignore")
                compile(src, "<model>", mode, dont_inherit=True)
        except SyntaxError as exc:
            return [(exc.lineno or 1, exc.msg)]
        except (ValueError, MemoryError, RecursionError, OverflowError) as exc:
            return [(1, f"{type(exc).__name__}: {exc}")]
        return []


def default_sandbox():
    try:
        from engine.sandbox import Sandbox  # written alongside; imported lazily on purpose
        return Sandbox()
    except Exception:
        return CompileSandbox()


class CodeChecker:
    """Turns sandbox findings into Problems located at the element carrying the code."""

    def __init__(self, sandbox=None):
        self.sandbox = sandbox if sandbox is not None else default_sandbox()

    def expression(self, file: str, element, src: str | None, what: str, in_text: bool = True) -> list[Problem]:
        return self._check(file, element, src, what, "expression", in_text)

    def script(self, file: str, element, src: str | None, what: str, in_text: bool = True) -> list[Problem]:
        return self._check(file, element, src, what, "script", in_text)

    def _check(self, file, element, src, what, kind, in_text) -> list[Problem]:
        line0 = source_line(element)
        element_id = nearest_id(element)
        if src is None or not src.strip():
            return [Problem(file, line0, element_id, f"{what}是空的 (empty {kind})")]
        findings = self.findings(src, kind)
        problems = []
        for line, message in findings:
            line = line if isinstance(line, int) and line > 0 else 1
            at = line0 + line - 1 if (in_text and line0) else line0
            hint = _JUEL_HINT if ("${" in src or "#{" in src) else ""
            if "indent" in message:
                hint += "；脚本和表达式的行首不要整体缩进 (remove the leading indentation)"
            where = f"第 {line} 行：" if src.count("\n") else ""
            problems.append(Problem(file, at, element_id, f"{what}无法编译 (does not compile)：{where}{message}{hint}"))
        return problems

    def findings(self, src: str, kind: str) -> list[tuple[int, str]]:
        check = self.sandbox.check_expression if kind == "expression" else self.sandbox.check_script
        try:
            return list(check(src))
        except Exception as exc:  # a sandbox bug must not crash the importer
            return [(1, f"无法检查 ({type(exc).__name__})")]
