"""Roles a process depends on: names a grant can hold, and (when the deploy knows the grants) someone who holds them.

A role matters where it decides who acts: a human task's role (lane or candidate group), the start
role, and the lane of a message catch event (who may send the message). Such a role must be a name
`gwc users add --grant` accepts (upper case, digits, underscores: `BRANCH_KEEPER`), else nobody can
ever hold it: an error. A lane that decides nothing may be named freely.
With the grants of the database (`known_roles`, given by the deploy service; validation itself stays
pure) a role no user holds is a warning: the model is right, the tasks would just wait for nobody.
"""
from __future__ import annotations

from .bundle import Doc
from .lanes import candidate_groups, effective_lane, human_tasks, lane_index, lanes, none_start_events, \
    starter_groups
from .ns import local, q
from .problems import WARNING, Problem

_ROLE_HELP = "角色名用大写字母、数字和下划线，如 BRANCH_KEEPER"


def valid_role(name: str) -> bool:
    """The rule of engine.services.users.parse_grant: what a grant can name."""
    return bool(name) and name.replace("_", "").isalnum() and name.isupper()


def _message_catches(process) -> list:
    found = [el for el in process.iter(q("intermediateCatchEvent"), q("boundaryEvent"))
             if el.find(q("messageEventDefinition")) is not None]
    return found + list(process.iter(q("receiveTask")))


def role_uses(process) -> list[tuple[str, object, object, str]]:
    """(role, anchor element, acting element, what) for every element whose role decides who acts."""
    index = lane_index(process)
    by_name = {}
    for lane in lanes(process):
        by_name.setdefault((lane.get("name") or "").strip(), lane)
    uses = []
    for element, what in ([(t, "task") for t in human_tasks(process)] + [(s, "start") for s in none_start_events(process)]
                          + [(m, "message") for m in _message_catches(process)]):
        groups = candidate_groups(element) if what == "task" else []
        if groups:
            uses += [(group, element, element, what) for group in groups]
            continue
        lane = (effective_lane(element, index) or "").strip()
        if lane:
            uses.append((lane, by_name.get(lane, element), element, what))
        elif what == "start" and len(starter_groups(process)) == 1:
            uses.append((starter_groups(process)[0], process, element, what))
    return uses


def _group_problems(doc: Doc, process) -> list[Problem]:
    problems = []
    for task in human_tasks(process):
        groups = candidate_groups(task)
        if any("${" in g or "#{" in g for g in groups):
            problems.append(doc.problem(task, f"人工任务 {task.get('id')} 的候选组是表达式 ({', '.join(groups)})；本平台的候选组是"
                                              f"固定的角色名，按数据缩小范围请用扩展属性 scope (candidateGroups must be a role name)"))
    if len(starter_groups(process)) > 1:
        problems.append(doc.problem(process, f"流程的 candidateStarterGroups 有多个角色 ({', '.join(starter_groups(process))})；"
                                             f"只能有一个发起角色 (one starter group)"))
    return problems


def check_role_names(doc: Doc) -> list[Problem]:
    problems, seen = [], set()
    for process in doc.processes():
        problems += _group_problems(doc, process)
        for role, anchor, _, _ in role_uses(process):
            if valid_role(role) or "${" in role or (role, id(anchor)) in seen:
                continue
            seen.add((role, id(anchor)))
            source = {"lane": "泳道名", "process": "发起角色 camunda:candidateStarterGroups"}.get(local(anchor),
                                                                                          "候选组 camunda:candidateGroups")
            problems.append(doc.problem(anchor, f"{source} \"{role}\" 不是合法的角色名，没有用户能被授予它，这里的任务谁都无法办理；"
                                                f"{_ROLE_HELP} (not a role name)"))
    return problems


def _consequences(acting: list[tuple[str, str]]) -> str:
    tasks = [element_id for element_id, what in acting if what == "task"]
    catches = [element_id for element_id, what in acting if what == "message"]
    said = []
    if tasks:
        said.append("、".join(tasks[:5]) + ("……" if len(tasks) > 5 else "") + " 不会出现在任何人的待办里")
    if any(what == "start" for _, what in acting):
        said.append("没有人能发起这个流程")
    if catches:
        said.append("没有人能发送 " + "、".join(catches[:5]) + " 等待的消息")
    return "；".join(said)


def check_role_holders(doc: Doc, known_roles) -> list[Problem]:
    """Warnings for the roles of executable processes that no user holds."""
    known = set(known_roles)
    problems = []
    for process in doc.processes():
        acting: dict[tuple[str, int], tuple[object, list[tuple[str, str]]]] = {}
        for role, anchor, element, what in role_uses(process):
            if valid_role(role) and role not in known:
                acting.setdefault((role, id(anchor)), (anchor, []))[1].append((element.get("id") or "?", what))
        for (role, _), (anchor, elements) in acting.items():
            problems.append(doc.problem(anchor, f"还没有用户持有角色 {role}：{_consequences(elements)}；请授权，例如 "
                                                f"gwc users add NAME --grant {role} (no user holds role {role})", WARNING))
    return problems
