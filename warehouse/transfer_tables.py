"""Tables of 跨区调剂 (cross-district transfer): matching, title transfer between units and fiscal levels.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
"""
from __future__ import annotations
