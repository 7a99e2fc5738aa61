"""`python -m bench.instructions REV` keeps working: its driver runs approvals to completion on the code of
the checkout it is given, and callgrind's count is read from its report. (callgrind itself is not run
here: under it Python is a hundred times slower.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.instructions import DRIVER, instructions_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_driver_completes_its_approvals_on_the_code_it_is_given(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GWC_")}
    proc = subprocess.run([sys.executable, str(DRIVER), str(ROOT), "2"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "2 approvals done" in proc.stdout
    broken = tmp_path / "broken"
    (broken / "api").mkdir(parents=True)
    (broken / "api" / "__init__.py").write_text("raise ImportError('not this checkout')\n")
    proc = subprocess.run([sys.executable, str(DRIVER), str(broken), "2"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "not this checkout" in proc.stderr    # ROOT's code, not the installed one


def test_the_count_is_callgrinds_total():
    report = "==1103== Events    : Ir\n==1103== Collected : 6412220872\n==1103==\n==1103== I   refs:      6,412,220,872\n"
    assert instructions_of(report) == 6_412_220_872
    with pytest.raises(ValueError):
        instructions_of("valgrind: command not found")
