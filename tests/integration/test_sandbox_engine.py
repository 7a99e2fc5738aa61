"""Escape payloads as script tasks and as gateway conditions, run by the engine: each one must end as an
incident on the case (never a crash, never a side effect).

Deploy already refuses most of these (a second wall); to test the run-time wall they are installed
here without the deploy checks.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from lxml import etree

from engine.runtime.parser import make_parser
from engine.runtime.serialization import SERIALIZER_VERSION, spec_to_dict
from engine.store.tables import ProcessVersion
from tests.helpers import add_users

MARKER = Path("/tmp") / f"gwc_pwned_{uuid.uuid4().hex}"

PAYLOADS = {
    "import": "import os\nos.system('touch {m}')",
    "dunder_import": "__import__('os').system('touch {m}')",
    "open": "open('{m}', 'w').write('x')",
    "subclasses": "[c for c in ().__class__.__bases__[0].__subclasses__() if c.__name__ == 'Popen'][0]('touch {m}'.split())",
    "getattr": "getattr(getattr((), '__class__'), '__bases__')",
    "format": "'{{0.__class__.__bases__}}'.format(1)",
    "generator_frame": "(x for x in [1]).gi_frame.f_globals['__builtins__']",
    "eval": "eval(\"__import__('os').system('touch {m}')\")",
    "globals": "globals()['__builtins__']",
    "type_mro": "type(1).__mro__",
    "endless_loop": "while True:\n    pass",
    "huge_power": "10**10**10",
}

SCRIPT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="evil"/>
    <bpmn:scriptTask id="evil" name="脚本"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{code}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="evil" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""

GATEWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f3"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{code}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def install_unchecked(eng, pid: str, xml: str) -> None:
    """Parse and store a version without the deploy checks (so the run-time sandbox is what is tested)."""
    parser = make_parser()
    parser.add_bpmn_xml(etree.fromstring(xml.encode()), filename=f"{pid}.bpmn")
    spec, subs = parser.get_spec(pid), parser.get_subprocess_specs(pid)
    with eng.db.unit_of_work() as s:
        row = ProcessVersion(process_id=pid, version=1, name=pid, content_hash=pid, deployed_at=eng.clock.now(),
                             spec=spec_to_dict(spec, subs), serializer_version=SERIALIZER_VERSION, roles=[],
                             start_role=None)
        s.add(row)


def _escape(code: str) -> str:
    return code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Every payload as a script task; those that are expressions also as a gateway condition.
CASES = [(n, "script") for n in sorted(PAYLOADS)] + \
        [(n, "condition") for n in sorted(PAYLOADS) if "\n" not in PAYLOADS[n]]


@pytest.mark.parametrize("name,kind", CASES)
def test_payload_ends_as_incident_without_side_effect(engine, name, kind):
    code = PAYLOADS[name].format(m=MARKER)
    template = GATEWAY_BPMN if kind == "condition" else SCRIPT_BPMN
    add_users(engine, {"tester": ["TESTER"]})
    pid = f"evil_{kind}_{name}"
    install_unchecked(engine, pid, template.format(pid=pid, code=_escape(code)))
    case = engine.start_case(pid, {}, "tester")
    assert case["status"] == "error"
    assert len(case["incidents"]) == 1
    assert case["incidents"][0]["element_id"] in ("evil", "gw")
    assert case["incidents"][0]["message"]
    assert not MARKER.exists()
    # the platform keeps working: the case can still be cancelled
    assert engine.cancel_case(case["id"], "tester")["status"] == "cancelled"


def test_deploy_refuses_the_payloads_first(engine):
    refused = 0
    for name, code in PAYLOADS.items():
        xml = SCRIPT_BPMN.format(pid=f"p_{name}", code=_escape(code.format(m=MARKER)))
        if engine.validate({f"p_{name}.bpmn": xml.encode()}):
            refused += 1
    # everything that can be seen statically is refused at deploy; loops and huge numbers run out of time
    assert refused >= len(PAYLOADS) - 2
