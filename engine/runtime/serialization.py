"""Saving and loading a workflow, without its specs and (see pruning.py) without finished history.

A case's stored state is the SpiffWorkflow dict minus `spec` and `subprocess_specs` (restored from the
per-version spec cache), so it stays small and a case stays pinned to the version it started on.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter

from .parser import OperatorServiceTask
from . import pruning

class StatelessWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the dict; they come back from the version's cached spec."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer():
    config = dict(SPIFF_CONFIG)
    config[OperatorServiceTask] = ServiceTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Values scripts may leave in task data that SpiffWorkflow's registry does not know.
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]), "Decimal")
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]), "date")
    StatelessWorkflowConverter(BpmnWorkflow, registry)   # replaces the default workflow converter
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = SERIALIZER.VERSION


def spec_to_dict(spec, subprocess_specs) -> dict:
    return {"spec": SERIALIZER.to_dict(spec),
            "subprocess_specs": {k: SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()}}


def spec_from_dict(dct: dict):
    spec = SERIALIZER.from_dict(dct["spec"])
    subs = {k: SERIALIZER.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def dump_state(workflow: BpmnWorkflow) -> str:
    """Prune, then JSON text. The serializer's encoder turns registered types (Decimal, date, datetime...)
    left raw in task data deltas into typed objects that `load_state` restores."""
    pruning.prune(workflow)
    return json.dumps(SERIALIZER.to_dict(workflow), cls=SERIALIZER._encoder_cls, ensure_ascii=False,
                      separators=(",", ":"))


def load_state(state: str, version: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    dct = json.loads(state)
    if version != SERIALIZER_VERSION and version in MIGRATIONS:
        MIGRATIONS[version](dct)
    workflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
