"""Extension properties from spiffworkflow:, camunda: and zeebe: blocks, read the same way everywhere."""
from __future__ import annotations

from lxml import etree

from engine.models import element_properties, task_properties, validate_bundle
from engine.models.properties import normalize_properties

TASK = """<bpmn:userTask xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="t">
  <bpmn:extensionElements>
    <zeebe:properties><zeebe:property name="dueIn" value="P9D" /><zeebe:property name="z" value="1" /></zeebe:properties>
    <camunda:properties><camunda:property name="scope" value="camunda_scope" />
      <camunda:property name="dueIn" value="P2D" /></camunda:properties>
    <spiffworkflow:properties><spiffworkflow:property name="scope" value="spiff_scope" /></spiffworkflow:properties>
  </bpmn:extensionElements>
</bpmn:userTask>"""


def test_element_properties_merge_spiff_over_camunda_over_zeebe():
    element = etree.fromstring(TASK)
    assert element_properties(element) == {"dueIn": "P2D", "z": "1", "scope": "spiff_scope"}
    assert element_properties(etree.fromstring('<x id="no_extensions" />')) == {}


def test_normalize_properties_leaves_one_spiff_block_with_everything():
    element = etree.fromstring(TASK)
    assert normalize_properties(element) == 1
    blocks = element.findall(".//{http://spiffworkflow.org/bpmn/schema/1.0/core}properties")
    assert len(blocks) == 1
    names = {p.get("name"): p.get("value") for p in blocks[0]}
    assert names == {"dueIn": "P2D", "z": "1", "scope": "spiff_scope"}
    assert normalize_properties(element) == 0


def test_task_properties_of_a_parsed_camunda_task():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t">
      <bpmn:extensionElements>
        <camunda:properties>
          <camunda:property name="formJsonSchemaFilename" value="t.schema.json" />
          <camunda:property name="scope" value="holder_region" />
        </camunda:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""
    files = {"c.bpmn": xml.encode(), "t.schema.json": b'{"type": "object"}'}
    result = validate_bundle(files, operators=set())
    assert result.ok, result.problems
    spec = result.processes["p"].spec
    assert task_properties(spec.task_specs["t"]) == {"formJsonSchemaFilename": "t.schema.json",
                                                     "scope": "holder_region"}
    assert task_properties(spec.task_specs["s"]) == {}
    assert result.processes["p"].files == ["c.bpmn", "t.schema.json"]
