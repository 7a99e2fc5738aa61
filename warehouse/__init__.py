"""The 公物仓 domain (DOMAIN.md): regions, warehouses, units, assets, suppliers, vehicles, emergency stock.

Modules: `tables` (SQLAlchemy tables on the engine's Base, all named wh_*), `rules` (the [A] parameters),
`demo_data` (the Chengdu-metro demo of DOMAIN §3), `catalogue` and `suppliers` (read side),
`reservations` (reserve/release and unit blocks), `operators` (what service tasks call).
"""
