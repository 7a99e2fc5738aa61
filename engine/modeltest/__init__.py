"""Scenario tests that process designers write next to their BPMN files (`gwc test`).

A `*.scenarios.yaml` file beside a process says what each user task submits, what each operator
returns (mocked), how far time moves and what path and final data are expected; `run_paths` runs them
all, in memory, saving and restoring the workflow between every step, and says per scenario which
step went another way. The format is documented in format.py and in the README.
"""
from .format import ScenarioFileError, load_file
from .runner import FileResult, ScenarioResult, run_file, run_paths

__all__ = ["FileResult", "ScenarioFileError", "ScenarioResult", "load_file", "run_file", "run_paths"]
