"""Benchmarks and the regression baseline (issue 6): `make bench`, `python -m benchmarks.run`."""
