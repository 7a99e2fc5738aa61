"""Operators of 入仓 (deposit) and 市场服务采购 (service orders): declarations, inspections, receipts, supplier orders.

`register(registry, clock, rules)` is called by warehouse.operators.register.
"""
from __future__ import annotations


def register(registry, clock, rules) -> None:
    """Add this area's operators to `registry` (none yet)."""
