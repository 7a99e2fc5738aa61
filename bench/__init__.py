"""Benchmarks (issue #7): `make bench` / `python -m bench`. See bench/__main__.py and README "Measured"."""
