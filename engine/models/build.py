"""Driving SpiffWorkflow's parser over a bundle, turning every exception it raises into a Problem.

The parser stops at the first error of a process and reports ids but never lines; lines come from our
own index of the document. Its errors that repeat what our checks already said are dropped.
"""
from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

from .bundle import Bundle, Doc, is_executable
from .constructs import DATA_STORE
from .dmn import parser_root
from .normalize import normalize_tree
from .problems import Problem, element_problem

_TRANSLATIONS = (
    ("Multiple outgoing flows are not supported", "有多条出口顺序流，引擎不支持从活动或事件直接分叉；请加一个并行网关或排他网关"),
    ("When looking for a task spec, we found two items", "顺序流指向的元素不存在；请重新连接"),
    ("Non-default exclusive outgoing sequence flow without condition", "网关的出口顺序流既没有条件也不是默认流"),
    ("No start event found", "流程没有开始事件 (start event)；请画一个开始事件"),
    ("Exactly one start event is required in a SubWorkflow", "子流程必须恰好有一个开始事件"),
    ("A SubWorkflow Must contain an End event", "子流程必须至少有一个结束事件"),
    ("A loopMaximum or loopCondition must be specified", "循环任务必须设置最大次数 (loopMaximum) 或循环条件 (loopCondition)"),
    ("must specify a cardinality or a loop input", "多实例任务必须设置数量 (loopCardinality) 或输入集合 (loopDataInputRef)"),
    ("must specify exactly one of cardinality", "多实例任务只能设置数量和输入集合二者之一"),
    ("missing from the IO specification", "多实例任务的输入/输出集合不在它的输入输出定义 (ioSpecification) 里"),
    ("A Service Task must have an operator", "服务任务没有指定要调用的操作 (spiffworkflow:serviceTaskOperator)"),
    ("Cannot resolve data", "数据关联引用的数据对象在这里看不到；请在同一流程或上层流程里定义这个数据对象 (dataObject)"),
    ("Unsupported Catch Event", "边界事件必须有触发类型（错误、消息、计时器、信号、升级或取消）"),
    ("Cancel Events may only be used with transactions", "取消事件只能挂在事务子流程 (transaction) 上"),
    ("No DMN Diagram available", "业务规则任务引用的决策不在这次部署的 DMN 文件里"),
    ("maximum recursion depth", "流程太长或嵌套太深，解析时超出递归上限；请拆成几个调用活动 (call activity)"),
    ("is not executable", "被调用或引用的流程不可执行 (isExecutable=false)"),
    ("was not found. Did you mean", "被调用的流程不在这次部署里"),
    ("Duplicate process ID", "流程或子流程的 id 重复"),
    ("Time Specification Error", "计时器无效"),
    ("Unknown Time Specification", "计时器没有设置时间"),
    ("Invalid Script Task", "脚本任务没有脚本"),
    ('No "calledElement" attribute', "调用活动没有指定被调用的流程 (calledElement)"),
    ("Expected a", "事件引用的消息、信号、错误或升级定义不存在"),
    ("There is no support implemented for this task type", "引擎不支持这种元素"),
    ("Malformed Output Expression", "DMN 输出单元格不是合法的 Python 表达式"),
    ("Multiple decision tables", "一个 DMN 文件只能有一个决策"),
    ("Data Store with name", DATA_STORE),
    ("identifier is missing", "消息、信号、错误、升级或关联属性缺少 id"),
)
_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>")


def translate(exc: BaseException) -> str:
    text = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
    text = _ELEMENT_REPR.sub(r"<\1>", text).strip()[:500]
    for needle, said in _TRANSLATIONS:
        if needle in text:
            return f"{said}（SpiffWorkflow: {text}）"
    return f"SpiffWorkflow 无法解析这个模型：{type(exc).__name__}: {text}"


@contextmanager
def _quiet():
    """SpiffWorkflow warns about deprecated but valid modelling; that is not a problem of the model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class SpecBuilder:
    """One parser for the whole bundle; collects Problems instead of raising."""

    def __init__(self, bundle: Bundle, make_parser):
        self.bundle = bundle
        self.parser = make_parser()
        self.problems: list[Problem] = []
        self.docs = {doc.name: doc for doc in bundle.bpmn + bundle.dmn}
        self._flagged = {(p.file, p.element_id) for p in bundle.problems}
        self._files_with_problems = {p.file for p in bundle.problems}

    def _report(self, exc: BaseException, doc: Doc, anchor) -> None:
        file = getattr(exc, "file_name", "") or doc.name
        doc = self.docs.get(file, doc)
        element_id = getattr(exc, "id", "") or None
        element = doc.ids.get(element_id) if element_id else None
        problem = element_problem(doc.name, element if element is not None else anchor, translate(exc))
        if element is None and doc.name in self._files_with_problems:
            return  # no location, and the file already has located problems: most likely the same cause
        if (problem.file, problem.element_id) in self._flagged:
            return
        self._flagged.add((problem.file, problem.element_id))
        self.problems.append(problem)

    def add_documents(self, bpmn: list[Doc], dmn: list[Doc]) -> None:
        for doc in dmn:
            try:
                with _quiet():
                    self.parser.add_dmn_xml(parser_root(doc), filename=doc.name)
            except Exception as exc:
                self._report(exc, doc, doc.root)
        for doc in bpmn:
            try:
                with _quiet():
                    self.parser.add_bpmn_xml(normalize_tree(doc.tree), filename=doc.name)
            except Exception as exc:
                self._report(exc, doc, doc.root)

    def build(self, bpmn: list[Doc]) -> dict[str, tuple]:
        """process id -> (spec, subprocess specs) for every executable process of the documents."""
        specs = {}
        for doc in bpmn:
            for process in doc.processes():
                pid = process.get("id")
                if not pid or not is_executable(process):
                    continue
                if self.parser.get_process_parser(pid) is None:
                    if not any(p.file == doc.name for p in self.problems + self.bundle.problems):
                        self.problems.append(element_problem(doc.name, process, "解析器没有读到这个流程 (process not parsed)"))
                    continue
                try:
                    with _quiet():
                        spec = self.parser.get_spec(pid)
                        specs[pid] = (spec, self.parser.get_subprocess_specs(pid))
                except Exception as exc:
                    self._report(exc, doc, process)
        return specs
