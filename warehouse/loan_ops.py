"""Operators of 借用 (loans): release notes, on-loan, returns with inspection, repair and logistics orders (asset_request).

`register(registry, clock, rules)` is called by warehouse.operators.register.
"""
from __future__ import annotations


def register(registry, clock, rules) -> None:
    """Add this area's operators to `registry` (none yet)."""
