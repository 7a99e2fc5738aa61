"""What changed between two versions of a process, read from their deployed sources (BPMN, DMN, forms).

Elements are the flow nodes of the process and of its embedded subprocesses, matched by BPMN id
(what the modeler shows, and what running cases are aligned by). An element is *changed* when any of
these differ: its type, name, lane, extension properties, script (script task, pre-/post-script),
the conditions of its outgoing flows, its timer, its form (the file named or that file's content),
its outgoing flows (targets, default flow) or the rest of its definition (message, operator, called
element, loop...). Generated ids of sub-elements and the diagram layout are ignored, so moving a
shape in the modeler changes nothing. Forms, DMN files and other BPMN files of the two bundles are
compared by file name (without folders) and content.

Framework-free: lxml only. `diff_sources` never raises on sources that deployed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .lanes import effective_lane, lane_index
from .ns import FLOW_NODES, SPIFF, local, q
from .properties import element_properties
from .xml import parse_xml

FORM_KEYS = ("formJsonSchemaFilename", "formUiSchemaFilename")
FIELDS = ("type", "name", "lane", "properties", "script", "conditions", "timer", "form", "outgoing", "definition")
SHOWN = ("type", "name", "lane", "timer")           # fields whose before/after values are shown
_SKIP = {q("incoming"), q("outgoing"), q("extensionElements"), q("script"), q("timerEventDefinition"),
         q("laneSet"), q("sequenceFlow"), q("documentation"), q("textAnnotation"), q("association"),
         q("group")} | {q(n) for n in FLOW_NODES}


@dataclass(frozen=True)
class Element:
    id: str
    type: str
    name: str
    values: dict = field(default_factory=dict, compare=False, hash=False)   # field -> comparable value

    def brief(self) -> dict:
        return {"id": self.id, "type": self.type, "name": self.name}


def basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _text(data) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _kind(name: str) -> str:
    lower = name.lower()
    return "dmn" if lower.endswith(".dmn") else "form" if lower.endswith(".json") else "bpmn"


def _find_process(files: dict[str, bytes], process_id: str):
    for name in sorted(files):
        if _kind(name) != "bpmn":
            continue
        tree, problems = parse_xml(files[name], name)
        if tree is None:
            continue
        for process in tree.getroot().iter(q("process")):
            if process.get("id") == process_id:
                return name, process
    return None, None


def _canonical(element) -> tuple:
    """The element's definition without ids of sub-elements, layout, whitespace or handled parts."""
    attrs = tuple(sorted((k, v.strip()) for k, v in element.attrib.items() if k not in ("id", "name", "default")))
    children = tuple(_canonical(c) for c in element if isinstance(c.tag, str) and c.tag not in _SKIP)
    return (element.tag, attrs, (element.text or "").strip(), children)


def _script(element) -> str:
    parts = [(element.findtext(q("script")) or "").strip()]
    ext = element.find(q("extensionElements"))
    if ext is not None:
        parts += [f"{n}: {(ext.findtext(q(n, SPIFF)) or '').strip()}" for n in ("preScript", "postScript")
                  if ext.find(q(n, SPIFF)) is not None]
    return "\n".join(p for p in parts if p)


def _timer(element) -> str:
    timer = element.find(q("timerEventDefinition"))
    if timer is None:
        return ""
    return "; ".join(f"{local(c)}={(c.text or '').strip().strip(chr(34) + chr(39))}" for c in timer
                     if isinstance(c.tag, str))


def _ext_rest(element) -> tuple:
    """Extension elements other than properties and scripts (operator, messages...), canonical."""
    ext = element.find(q("extensionElements"))
    if ext is None:
        return ()
    return tuple(_canonical(c) for c in ext if isinstance(c.tag, str)
                 and local(c) not in ("properties", "preScript", "postScript"))


def _elements(process, files: dict[str, bytes]) -> dict[str, Element]:
    lanes = lane_index(process)
    flows = {f.get("id"): f for f in process.iter(q("sequenceFlow"))}
    digests = {basename(n): hashlib.sha256(_text(c)).hexdigest()[:12] for n, c in files.items()}
    found: dict[str, Element] = {}
    for el in process.iter(*[q(n) for n in FLOW_NODES]):
        eid = el.get("id")
        if not eid:
            continue
        props = element_properties(el)
        forms = tuple((props.get(k), digests.get(basename(props.get(k) or ""), "missing"))
                      for k in FORM_KEYS if props.get(k))
        outgoing = sorted((f for f in flows.values() if f.get("sourceRef") == eid), key=lambda f: f.get("id") or "")
        default = el.get("default")
        values = {
            "type": local(el), "name": (el.get("name") or "").strip(), "lane": effective_lane(el, lanes),
            "properties": tuple(sorted((k, v) for k, v in props.items() if k not in FORM_KEYS)),
            "script": _script(el), "timer": _timer(el), "form": forms,
            "conditions": tuple(sorted((f.get("targetRef"), (f.findtext(q("conditionExpression")) or "").strip())
                                       for f in outgoing if f.find(q("conditionExpression")) is not None)),
            "outgoing": tuple(sorted((f.get("targetRef"), f.get("id") == default) for f in outgoing)),
            "definition": (_canonical(el), _ext_rest(el)),
        }
        found[eid] = Element(eid, values["type"], values["name"], values)
    return found


def _shown(value):
    if isinstance(value, tuple):
        return ", ".join(str(v[0] if isinstance(v, tuple) else v) for v in value)
    return value


def _changed(old: Element, new: Element) -> dict | None:
    fields = [f for f in FIELDS if old.values.get(f) != new.values.get(f)]
    if not fields:
        return None
    item = {**new.brief(), "fields": fields}
    item["from"] = {f: _shown(old.values[f]) for f in fields if f in SHOWN + ("form",)}
    item["to"] = {f: _shown(new.values[f]) for f in fields if f in SHOWN + ("form",)}
    return item


def _files(old: dict[str, bytes], new: dict[str, bytes], own: tuple[str | None, str | None]) -> list[dict]:
    skip = {basename(n) for n in own if n}
    a = {basename(n): hashlib.sha256(_text(c)).digest() for n, c in old.items() if basename(n) not in skip}
    b = {basename(n): hashlib.sha256(_text(c)).digest() for n, c in new.items() if basename(n) not in skip}
    out = [{"file": n, "kind": _kind(n), "change": "added"} for n in sorted(set(b) - set(a))]
    out += [{"file": n, "kind": _kind(n), "change": "changed"} for n in sorted(set(a) & set(b)) if a[n] != b[n]]
    out += [{"file": n, "kind": _kind(n), "change": "removed"} for n in sorted(set(a) - set(b))]
    return out


def diff_sources(old: dict[str, bytes | str] | None, new: dict[str, bytes | str], process_id: str) -> dict:
    """{"process_id", "summary": {"added", "changed", "removed"}, "added", "changed", "removed", "files"}.

    `old` None (or without the process) means a first version: every element is added. Element lists
    hold {"id", "type", "name"}; a changed element also "fields" (which of FIELDS differ) and "from" /
    "to" with the old and new values of the short ones (type, name, lane, timer, form)."""
    old = {n: _text(c) for n, c in (old or {}).items()}
    new = {n: _text(c) for n, c in new.items()}
    old_name, old_process = _find_process(old, process_id)
    new_name, new_process = _find_process(new, process_id)
    before = _elements(old_process, old) if old_process is not None else {}
    after = _elements(new_process, new) if new_process is not None else {}
    added = [after[i].brief() for i in after if i not in before]
    removed = [before[i].brief() for i in before if i not in after]
    changed = [c for i in after if i in before for c in [_changed(before[i], after[i])] if c]
    return {"process_id": process_id,
            "summary": {"added": len(added), "changed": len(changed), "removed": len(removed)},
            "added": added, "changed": changed, "removed": removed,
            "files": _files(old, new, (old_name, new_name)) if old_process is not None else []}


def summary_text(diff: dict) -> str:
    """'+a ~c -r' for a diff of diff_sources."""
    s = diff["summary"]
    return f"+{s['added']} ~{s['changed']} -{s['removed']}"


__all__ = ["diff_sources", "summary_text", "FIELDS"]
