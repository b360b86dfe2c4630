"""Checks: one module per family, one registry (`treadbench checks` lists it)."""
