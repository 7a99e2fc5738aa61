"""The Chengdu-metro demo (DOMAIN §3) loads completely, exactly as written, and idempotently."""
from __future__ import annotations

from decimal import Decimal

from warehouse import catalogue
from warehouse.demo_data import load_demo_data

EXPECTED = {"regions": 9, "warehouses": 9, "travel_times": 5, "units": 12, "categories": 11, "assets": 30,
            "vehicles": 5, "suppliers": 13, "designations": 4, "recognitions": 7, "emergency_items": 21,
            "emergency_stock": 29}


def test_demo_data_loads_every_table_of_domain_section_3(engine):
    assert load_demo_data(engine.db) == EXPECTED


def test_loading_twice_changes_nothing_and_keeps_live_state(engine, call):
    load_demo_data(engine.db)
    call("reserve_assets", items=[{"assetId": "A013", "qty": 1}], unit="U07")
    assert load_demo_data(engine.db) == EXPECTED
    items, _ = catalogue.search(engine.db, requester_region=None, text="A013", status=None)
    assert items[0]["status"] == "RESERVED"      # a reload never resets what a process changed


def test_names_values_and_flags_are_as_domain_writes_them(demo):
    from warehouse.tables import Asset, Region, Supplier, Unit, Vehicle, Warehouse
    with demo.db.unit_of_work(write=False) as s:
        a012 = s.get(Asset, "A012")
        assert (a012.name, a012.unit_value, a012.warehouse_id) == ("LED小间距显示屏4m×2.25m", Decimal("168000.00"),
                                                                   "WH-CD-MAIN")
        assert s.get(Asset, "A027").low_value and not s.get(Asset, "A012").low_value
        u12 = s.get(Unit, "U12")
        assert (u12.name, u12.temporary, u12.supervising_dept) == (
            "市级大型赛事筹备工作专班(临时机构,已撤销)", True, "U01")
        main = s.get(Warehouse, "WH-CD-MAIN")
        assert (main.physical, main.virtual, main.finance_bureau) == (True, True, "成都市财政局")
        assert s.get(Warehouse, "WH-JY").parent_id == "WH-CD-MAIN"
        assert s.get(Region, "WH").name == "武侯区" and s.get(Region, "DY").level == "PARTNER_CITY"
        assert s.get(Vehicle, "V02").plate == "川A·5K627" and s.get(Vehicle, "V02").insurance_end is None
        assert s.get(Supplier, "S09").contract_reserve is True


def test_warehouses_and_units_read_models(demo):
    whs = {w["id"]: w for w in catalogue.warehouses(demo.db)}
    assert len(whs) == 9 and whs["WH-CD-MAIN"]["kinds"] == ["PHYSICAL", "VIRTUAL"]
    assert whs["WH-LQY"]["travelMin"] == {"WH-JJ": 35, "WH-JY": 35}
    assert whs["WH-DY"]["agreement"] == "成德眉资共建共享协议(虚构)"
    units = catalogue.units(demo.db)
    assert len(units) == 12 and units[6] == {"id": "U07", "name": "武侯区民政局", "region": "WH",
                                             "regionName": "武侯区", "temporary": False, "supervisingDept": None}


def test_the_product_engine_registers_the_domain_operators_by_default(tmp_path):
    from engine.bootstrap import Engine
    from engine.config import Settings
    eng = Engine(Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    try:
        for name in ("search_catalogue", "reserve_assets", "release_assets", "check_unit_not_blocked",
                     "check_supplier_designated"):
            assert name in eng.operators
    finally:
        eng.close()
