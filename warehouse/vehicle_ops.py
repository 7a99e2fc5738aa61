"""Operators of 公务用车三定点 (official vehicles): designation lots, recognition proposals, repair requests, settlement.

`register(registry, clock, rules)` is called by warehouse.operators.register.
"""
from __future__ import annotations


def register(registry, clock, rules) -> None:
    """Add this area's operators to `registry` (none yet)."""
