"""The workshop app (Solara): `make workshop`; see docs/workshop.md."""
