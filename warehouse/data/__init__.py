"""Demo data sets (plain Python literals, loaded by warehouse.demo_data)."""
