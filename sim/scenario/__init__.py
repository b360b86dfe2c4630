"""Scenarios: the TOML schema, the loader with its error messages, and library discovery."""
