"""Tables of 公务用车三定点 (official vehicles): designation lots, recognition proposals, repair requests, settlement.

Imported by warehouse/tables.py so that every database that has the domain tables has these too.
"""
from __future__ import annotations
