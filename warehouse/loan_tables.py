"""Tables of 借用 (loans): release notes, on-loan, returns with inspection, repair and logistics orders (asset_request).

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
"""
from __future__ import annotations
