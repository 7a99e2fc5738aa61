"""The sandbox for every piece of Python a process model carries.

Gateway conditions, timer expressions, DMN cells, service parameters, correlation expressions
(`Sandbox.evaluate`) and script tasks (`Sandbox.execute`) are compiled with RestrictedPython and a
stricter policy of our own, then run against a small whitelist of builtins and helpers
(engine.sandbox_helpers). There are no imports, no names or attributes starting with `_`, no
exec/eval/open/getattr/globals and no str.format, so the usual escapes
(`().__class__.__bases__[0].__subclasses__()`, frame walks, format-string tricks) are refused,
either at compile time or by the runtime guards.

What is bounded:
  * CPU time per call (cpu_seconds, measured with time.thread_time, less the garbage collector's
    passes on that thread, which are the host process's work): code that can loop
    (loops, comprehensions, lambdas, functions) runs under a sys.settrace line tracer, and the
    compiler also puts a counting checkpoint into every loop body, comprehension step, function
    and lambda (the tracer alone misses one-line `while True: pass` on CPython 3.11 and is switched
    off by a RecursionError inside it). Both raise a timeout that `except Exception:` cannot
    catch; bare `except:`, `finally` and `with` are refused so nothing runs after it. Works in any
    thread (no signals); the previous trace function is restored. Loop-free code runs untraced:
    each of its lines executes at most once.
  * cheap-in-Python-but-huge operations: see engine.sandbox_helpers (range, `*`, `+`, `**`, `<<`,
    `%` formatting, str padding, int() of huge Decimals, *args).
What is not bounded:
  * memory in general (e.g. doubling a list with .extend() in a loop grows until the time limit);
  * one C-level operation on large aliased data (e.g. sorted() of ten million references to the
    same big list) runs to its end, since the tracer only gets control between Python lines.
  Run the engine's workers with RLIMIT_AS / RLIMIT_CPU (or in a subprocess) for a hard ceiling.

Script results: after `execute`, top-level variables land in the task data dict. Only JSON-like
values stay: None, bool, int, float, str, Decimal, date, datetime, timedelta, UUID, and
dicts/lists/tuples of these (dict keys str/int/float/bool/None, at most 100 levels deep and
1,000,000 containers in all). Functions, classes, modules, sets, generators and the like are
removed. If the script fails, the task data is not updated (objects it mutated in place stay
mutated). print() in a script does nothing; an expression may not return a function, generator
or iterator (it would run sandboxed code later, outside the time limit).
"""
from __future__ import annotations

import ast
import functools
import gc
import logging
import re
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone
from types import CodeType, FunctionType
from typing import Any, NamedTuple

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence)
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine import sandbox_helpers as h
from engine.errors import ScriptError

log = logging.getLogger(__name__)

FILENAME = "<sandbox>"
MAX_SOURCE_CHARS = 100_000
_CHECK_EVERY = 32  # trace events between two CPU-clock reads

_WHY_NO_CODE = "脚本中不能动态执行代码"
_WHY_NO_INTROSPECTION = "脚本不能查看运行环境"
_WHY_NO_DYNAMIC_ATTR = "请直接写属性名，例如 obj.name"
FORBIDDEN_CALLS = {
    "exec": _WHY_NO_CODE, "eval": _WHY_NO_CODE, "compile": _WHY_NO_CODE,
    "open": "脚本不能读写文件", "input": "脚本不能读写文件",
    "globals": _WHY_NO_INTROSPECTION, "locals": _WHY_NO_INTROSPECTION,
    "vars": _WHY_NO_INTROSPECTION, "dir": _WHY_NO_INTROSPECTION,
    "getattr": _WHY_NO_DYNAMIC_ATTR, "setattr": _WHY_NO_DYNAMIC_ATTR,
    "delattr": _WHY_NO_DYNAMIC_ATTR, "hasattr": _WHY_NO_DYNAMIC_ATTR,
    "type": "请用 isinstance() 判断类型", "object": "脚本中不能定义或创建类",
    "super": "脚本中不能定义或创建类", "breakpoint": "脚本中不能调试",
    "help": _WHY_NO_INTROSPECTION, "exit": "脚本中不能退出程序", "quit": "脚本中不能退出程序",
    "memoryview": "脚本中不能访问内存",
}
_UNCATCHABLE = {"BaseException", "KeyboardInterrupt", "SystemExit", "GeneratorExit"}


class _Timeout(BaseException):
    """Raised by the tracer; a BaseException, so `except Exception:` cannot catch it."""


# ---------------------------------------------------------------------------
# Compilation: our checks (plain-word messages), then RestrictedPython with our policy
# ---------------------------------------------------------------------------

class _Checker(ast.NodeVisitor):
    """Finds what we refuse and says so in words a process designer understands."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.found: list[tuple[int, int, str]] = []

    def add(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 1) or 1
        self.found.append((line, getattr(node, "end_col_offset", 0) or 0, message))

    @property
    def problems(self) -> tuple[tuple[int, str], ...]:
        """(line, message) in source order: a.__class__.__bases__ reports __class__ first."""
        ordered = dict.fromkeys((line, message) for line, _, message in sorted(self.found))
        return tuple(ordered)

    def check_identifier(self, node: ast.AST, name: str | None) -> None:
        if name and name.startswith("_"):
            self.add(node, f"不允许使用以下划线开头的名称 {name!r}")

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        names = ", ".join(alias.name for alias in node.names)
        module = f"from {node.module} " if isinstance(node, ast.ImportFrom) else ""
        self.add(node, f"不允许导入模块（{module}import {names}）；"
                       "json、Decimal、datetime、date、timedelta 等可直接使用")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.add(node, f"不允许定义类（class {node.name}）")

    def visit_AsyncFunctionDef(self, node: ast.AST) -> None:
        self.add(node, "不支持异步写法（async/await）")

    visit_Await = visit_AsyncFor = visit_AsyncWith = visit_AsyncFunctionDef

    def visit_With(self, node: ast.With) -> None:
        self.add(node, "不支持 with 语句")

    def visit_Try(self, node: ast.Try) -> None:
        if node.finalbody:
            self.add(node.finalbody[0], "不支持 finally；请把收尾的语句写在 try 语句之后")
        for handler in node.handlers:
            if handler.type is None:
                self.add(handler, "请写明要捕获的异常类型，例如 except ValueError:（不允许单独写 except:）")
            for name in ast.walk(handler.type) if handler.type else ():
                if isinstance(name, ast.Name) and name.id in _UNCATCHABLE:
                    self.add(handler, f"不允许捕获 {name.id}；请捕获 Exception 或更具体的异常")
            self.check_identifier(handler, handler.name)
        self.generic_visit(node)

    visit_TryStar = visit_Try

    def visit_Name(self, node: ast.Name) -> None:
        self.check_identifier(node, node.id)
        if self.mode == "eval" and node.id in ("print", "printed"):
            self.add(node, "表达式中不能使用 print")

    def visit_arg(self, node: ast.arg) -> None:
        self.check_identifier(node, node.arg)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.check_identifier(node, node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        for name in node.names:
            self.check_identifier(node, name)

    visit_Nonlocal = visit_Global

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.add(node, f"不允许访问以下划线开头的属性 .{node.attr}")
        elif node.attr in ("format", "format_map"):
            self.add(node, f"不允许使用 .{node.attr}()；请改用 f-string，例如 f\"{{x}}\"")
        elif node.attr in h.FORBIDDEN_ATTRIBUTES:
            self.add(node, f"不允许访问属性 .{node.attr}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.add(node, f"不允许使用 {node.func.id}()：{FORBIDDEN_CALLS[node.func.id]}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name):
            self.add(node, "不支持对元素或属性使用 +=、-= 等写法；请写成 x['k'] = x['k'] + 1")
        self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr):
            for part in spec.values:
                if isinstance(part, ast.FormattedValue):
                    self.add(node, "f-string 的格式说明中不能再嵌套 {...}")
                elif isinstance(part, ast.Constant) and re.search(r"\d{6,}", str(part.value)):
                    self.add(node, f"f-string 中的宽度或精度太大（最多 {h.MAX_FORMAT_WIDTH}）")
        self.visit(node.value)


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus bounded arithmetic and loops that always reach the tracer."""

    _BINOPS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_",
               ast.Mod: "_mod_"}

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        name = self._BINOPS.get(type(node.op))
        if name is None:
            return node
        func = ast.Name(name, ast.Load())
        call = ast.Call(func=func, args=[node.left, node.right], keywords=[])
        copy_locations(func, node)
        copy_locations(call, node)
        return call

    # Checkpoints: `_loop_()` runs at the top of every loop body, function body and lambda and
    # before every comprehension step; it counts and reads the CPU clock (see Sandbox._run).
    # They back up the tracer, which CPython 3.11 does not call for a one-line `while True: pass`
    # (a jump onto itself) and switches off for good when a RecursionError hits the trace function.

    @staticmethod
    def _checkpoint(where: ast.AST) -> ast.Call:
        func = ast.Name("_loop_", ast.Load())
        call = ast.Call(func=func, args=[], keywords=[])
        copy_locations(func, where)
        copy_locations(call, where)
        return call

    def _prepend_checkpoint(self, node: ast.While | ast.For | ast.FunctionDef) -> None:
        stmt = ast.Expr(self._checkpoint(node.body[0]))
        copy_locations(stmt, node.body[0])
        node.body.insert(0, stmt)

    def visit_While(self, node: ast.While) -> ast.AST:
        node = super().visit_While(node)
        self._prepend_checkpoint(node)
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        node = super().visit_For(node)
        self._prepend_checkpoint(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node = super().visit_FunctionDef(node)
        self._prepend_checkpoint(node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        node = super().visit_Lambda(node)
        body = ast.BoolOp(op=ast.And(), values=[self._checkpoint(node.body), node.body])
        copy_locations(body, node.body)
        node.body = body
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        node = super().visit_comprehension(node)
        node.ifs.insert(0, self._checkpoint(node.iter))
        return node


class _Compiled(NamedTuple):
    code: CodeType | None
    problems: tuple[tuple[int, str], ...]
    traced: bool  # whether the code can loop, so needs the CPU-time tracer


_LOOPING = (ast.While, ast.For, ast.comprehension, ast.Lambda, ast.FunctionDef)
_RP_ERROR = re.compile(r"^Line (\d+|None): (.*)$", re.S)


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> _Compiled:
    """Compile once per source text: mode 'eval' (expressions) or 'exec' (scripts)."""
    try:
        return _compile_uncached(source, mode)
    except (RecursionError, MemoryError) as exc:  # absurdly nested source
        return _Compiled(None, ((1, f"内容嵌套太深，无法处理（{type(exc).__name__}）"),), False)


def _compile_uncached(source: str, mode: str) -> _Compiled:
    if not isinstance(source, str):
        return _Compiled(None, ((1, f"内容必须是文本，收到的是 {type(source).__name__}"),), False)
    if len(source) > MAX_SOURCE_CHARS:
        return _Compiled(None, ((1, f"内容太长（超过 {MAX_SOURCE_CHARS} 个字符）"),), False)
    if mode == "eval":
        text = source.strip()
        first_line = source[:len(source) - len(source.lstrip())].count("\n")
    else:
        text, first_line = textwrap.dedent(source), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. invalid escape sequences, `x is 1`
        try:
            tree = ast.parse(text, FILENAME, mode)
        except SyntaxError as exc:
            what = "缩进错误" if isinstance(exc, IndentationError) else "语法错误"
            line = (exc.lineno or 1) + first_line
            return _Compiled(None, ((line, f"{what}（{type(exc).__name__}: {exc.msg}）"),), False)
        except ValueError as exc:  # e.g. NUL bytes
            return _Compiled(None, ((1, f"无法解析（{type(exc).__name__}: {exc}）"),), False)
        if first_line:
            ast.increment_lineno(tree, first_line)
        checker = _Checker(mode)
        checker.visit(tree)
        if checker.problems:
            return _Compiled(None, checker.problems, False)
        traced = any(isinstance(node, _LOOPING) for node in ast.walk(tree))
        compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compile_restricted(tree, FILENAME, policy=_Policy)
    if result.errors:
        problems = []
        for error in result.errors:
            match = _RP_ERROR.match(error)
            line = int(match.group(1)) if match and match.group(1).isdigit() else 1
            problems.append((line, f"不允许的写法（{match.group(2) if match else error}）"))
        return _Compiled(None, tuple(problems), False)
    return _Compiled(result.code, (), traced)


def _problems_error(problems: tuple[tuple[int, str], ...]) -> ScriptError:
    line, message = problems[0]
    details = [{"line": ln, "message": msg} for ln, msg in problems]
    return ScriptError(f"第 {line} 行: {message}", line=line, details=details)


# ---------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------

def _script_line(exc: BaseException) -> int | None:
    """Line of the innermost sandboxed frame in the exception's traceback."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _public(key: Any) -> bool:
    return isinstance(key, str) and not key.startswith("_")


def _at(line: int | None, message: str) -> str:
    return f"第 {line} 行: {message}" if line else message


class Sandbox:
    """Evaluates expressions and runs scripts of process models, safely.

    helpers: extra names for scripts (they override the built-in helpers of the same name).
    clock: an object with now() -> aware datetime (engine.clock); now()/today() follow it.
    """

    def __init__(self, cpu_seconds: float = 1.0, helpers: dict | None = None, *, clock: Any = None):
        self.cpu_seconds = float(cpu_seconds)
        now = clock.now if clock is not None else (lambda: datetime.now(timezone.utc))
        builtins = h.make_builtins(now)
        builtins.update(helpers or {})
        self._names = {
            "__builtins__": builtins,
            "__name__": "sandbox",
            "_getattr_": h.guarded_getattr,
            "_getitem_": h.guarded_getitem,
            "_getiter_": iter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
            "_inplacevar_": h.guarded_inplacevar,
            "_apply_": h.guarded_apply,
            "_print_": h.NoPrint,
            "_add_": h.guarded_add,
            "_mul_": h.guarded_mul,
            "_pow_": h.guarded_pow,
            "_lshift_": h.guarded_lshift,
            "_mod_": h.guarded_mod,
            "_loop_": h.no_checkpoint,  # replaced per call by Sandbox._run_traced
        }

    # -- public API ---------------------------------------------------------

    def evaluate(self, expression: str, context: dict, *, extra: dict | None = None) -> Any:
        """Value of a Python expression; context (and extra) names are its variables."""
        compiled = _compile(expression, "eval")
        if compiled.problems:
            raise _problems_error(compiled.problems)
        result = self._run(compiled, self._globals(context, extra), "表达式")
        if isinstance(result, (FunctionType, Iterator)):
            # Lazy values would run sandboxed code later, outside the time limit.
            raise ScriptError("表达式的结果不能是函数、生成器或迭代器；请用 list(...) 转成列表",
                              line=1)
        return result

    def execute(self, script: str, context: dict, *, extra: dict | None = None) -> None:
        """Run a script task body; its top-level variables land in context (mutated in place).

        extra: names visible for this call only; they never land in context. Task data names
        shadow extra names of the same name.
        """
        compiled = _compile(script, "exec")
        if compiled.problems:
            raise _problems_error(compiled.problems)
        names = self._globals(context, extra)
        self._run(compiled, names, "脚本")
        self._store(names, context, extra or {})

    def check_expression(self, source: str) -> list[tuple[int, str]]:
        """Problems (line, message) that stop source from compiling as an expression."""
        return list(_compile(source, "eval").problems)

    def check_script(self, source: str) -> list[tuple[int, str]]:
        """Problems (line, message) that stop source from compiling as a script."""
        return list(_compile(source, "exec").problems)

    # -- internals ----------------------------------------------------------

    def _globals(self, context: dict, extra: dict | None) -> dict:
        names = {**extra, **context} if extra else dict(context)
        names.update(self._names)  # the guards always win over data keys like "__builtins__"
        return names

    def _run(self, compiled: _Compiled, names: dict, kind: str) -> Any:
        try:
            if compiled.traced:
                return self._run_traced(compiled.code, names)
            return eval(compiled.code, names)
        except _Timeout as exc:
            line = _script_line(exc)
            message = f"{kind}运行超时（超过 {self.cpu_seconds:g} 秒）"
            raise ScriptError(_at(line, message), line=line) from None
        except h.SandboxViolation as exc:
            line = _script_line(exc)
            raise ScriptError(_at(line, f"不允许的操作：{exc}"), line=line) from None
        except Exception as exc:
            line = _script_line(exc)
            message = _at(line, f"{type(exc).__name__}: {exc}")
            raise ScriptError(message, line=line, details={"error_type": type(exc).__name__}) \
                from exc

    def _run_traced(self, code: CodeType, names: dict) -> Any:
        """Run code that can loop, under both CPU-time checks (a line tracer and checkpoints).

        The clock is this thread's CPU time less the garbage collector's passes on it: a full collection
        of a large process (a second or more, seen in a long test run) is the host's work, and counting
        it would time out a script that used a fraction of its budget."""
        owner = threading.get_ident()
        collecting = [None, 0.0]        # [CPU time a pass on this thread began, CPU time of the passes]

        def on_gc(phase, _info):
            if threading.get_ident() != owner:
                return
            if phase == "start":
                collecting[0] = time.thread_time()
            elif collecting[0] is not None:
                collecting[1] += time.thread_time() - collecting[0]
                collecting[0] = None

        deadline = time.thread_time() + self.cpu_seconds
        lines = checkpoints = _CHECK_EVERY

        def trace_line(frame, event, arg):
            # Raise only on 'line' events: an exception from a trace function also switches the
            # tracer off, and one raised while a generator is being closed would be swallowed.
            nonlocal lines
            if event == "line":
                lines -= 1
                if lines <= 0:
                    lines = _CHECK_EVERY
                    if time.thread_time() - collecting[1] > deadline:
                        raise _Timeout()
            return trace_line

        def trace_call(frame, event, arg):
            return trace_line if frame.f_code.co_filename == FILENAME else None

        def checkpoint() -> bool:
            nonlocal checkpoints
            checkpoints -= 1
            if checkpoints <= 0:
                checkpoints = _CHECK_EVERY
                if time.thread_time() - collecting[1] > deadline:
                    raise _Timeout()
            return True

        names["_loop_"] = checkpoint
        previous = sys.gettrace()
        gc.callbacks.insert(0, on_gc)   # first: its pass covers the other callbacks' start work too
        sys.settrace(trace_call)
        try:
            return eval(code, names)
        finally:
            sys.settrace(previous)
            gc.callbacks.remove(on_gc)

    def _store(self, names: dict, context: dict, extra: dict) -> None:
        """Copy the script's top-level variables back into the task data (JSON-like only)."""
        for key in [k for k in context if k not in names and _public(k)]:
            del context[key]  # the script deleted it
        dropped = []
        for key, value in names.items():
            if not _public(key) or (key in extra and key not in context):
                continue  # guards, helpers' plumbing, extra names, keys scripts cannot name
            if h.is_json_like(value):
                context[key] = value
            else:
                context.pop(key, None)
                if not callable(value):
                    dropped.append(key)
        if dropped:
            log.debug("sandbox: values that are not JSON-like were not kept: %s", dropped)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Adapts a Sandbox to SpiffWorkflow's PythonScriptEngine(environment=...)."""

    def __init__(self, sandbox: Sandbox | None = None):
        super().__init__({})
        self.sandbox = sandbox or Sandbox()

    def evaluate(self, expression, context, external_context=None):
        return self.sandbox.evaluate(expression, context, extra=external_context)

    def execute(self, script, context, external_context=None):
        self.sandbox.execute(script, context, extra=external_context)
        return True
