"""Operators of 跨区调剂 (cross-district transfer): matching, title transfer between units and fiscal levels.

`register(registry, clock, rules)` is called by warehouse.operators.register.
"""
from __future__ import annotations


def register(registry, clock, rules) -> None:
    """Add this area's operators to `registry` (none yet)."""
