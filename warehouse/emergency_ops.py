"""Operators of 应急物资调拨 (emergency dispatch): allocation, dispatch lines, receipts, shortages, recovery, replenishment.

`register(registry, clock, rules)` is called by warehouse.operators.register.
"""
from __future__ import annotations


def register(registry, clock, rules) -> None:
    """Add this area's operators to `registry` (none yet)."""
