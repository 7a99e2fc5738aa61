"""Tables of 应急物资调拨 (emergency dispatch): allocation, dispatch lines, receipts, shortages, recovery, replenishment.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
"""
from __future__ import annotations
