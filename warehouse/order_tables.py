"""Tables of 入仓 (deposit) and 市场服务采购 (service orders): declarations, inspections, receipts, supplier orders.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
"""
from __future__ import annotations
