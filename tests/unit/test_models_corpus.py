"""The BPMN MIWG reference models (real files from many modelers) through the importer.

Every file either deploys or is refused with readable, located reasons; none crashes it; constructs the
engine would misread (link events, compensation, data stores) are refused by name.
The corpus is read in place from the shared folder (GWC_SHARED_DIR overrides where that is).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.models import validate_bundle

SHARED = Path(os.environ.get("GWC_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
CORPUS = SHARED / "corpus" / "miwg-reference"
FILES = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []

if not FILES and os.environ.get("CI") == "true":
    raise RuntimeError(f"MIWG corpus not found in {CORPUS}: CI must run the importer over it (set GWC_SHARED_DIR)")
pytestmark = pytest.mark.skipif(not FILES, reason=f"MIWG corpus not found in {CORPUS} (set GWC_SHARED_DIR)")

REFUSED_BY_NAME = {
    "link": re.compile(rb"linkEventDefinition"),
    "compensation": re.compile(rb"compensateEventDefinition|isForCompensation=\"true\""),
    "data store": re.compile(rb"dataStoreReference|<(\w+:)?dataStore[ >]"),
}


def _named_elements(path: Path) -> dict[str, str]:
    from lxml import etree
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    first: dict[str, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and "omg.org/spec/BPMN/20100524/MODEL" in el.tag and el.get("id"):
            first.setdefault(el.get("id"), el.get("name") or "")
    return {element_id: name for element_id, name in first.items() if name.strip()}


def _validate(path: Path):
    return validate_bundle({path.name: path.read_bytes()}, operators=set())


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_reference_model_deploys_or_is_refused_with_located_reasons(path):
    result = _validate(path)
    assert result.processes or result.errors
    if result.processes:
        assert not result.errors
    ids = _named_elements(path)
    assert all(problem.is_error for problem in result.problems)
    for problem in result.all_problems:
        assert problem.file == path.name and problem.message.strip()
        assert problem.severity in ("error", "warning")
        assert "内部错误" not in problem.message, problem
        if problem.element_id:
            assert isinstance(problem.line, int) and problem.line > 0, problem
        if problem.element_id in ids:       # the element's name is given, so people find it in the diagram
            assert problem.element_name == " ".join(ids[problem.element_id].split())[:80], problem


@pytest.mark.parametrize("word", sorted(REFUSED_BY_NAME))
def test_constructs_the_engine_would_misread_are_refused_by_name(word):
    carriers = [p for p in FILES if REFUSED_BY_NAME[word].search(p.read_bytes())]
    assert carriers, f"the corpus has no file with {word}"
    for path in carriers:
        messages = [p.message for p in _validate(path).problems]
        assert any(word in message for message in messages), (path.name, messages[:5])
