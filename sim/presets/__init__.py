"""Presets shipped as package data: treadmills/*.toml (each number with its source)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any


def preset_names(kind: str) -> list[str]:
    folder = resources.files(__package__) / kind
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def preset_file(kind: str, name: str) -> Path:
    return Path(str(resources.files(__package__) / kind / f"{name}.toml"))


def load_preset(kind: str, name: str) -> dict[str, Any]:
    """The raw preset table; KeyError (listing the known names) for an unknown name."""
    if name not in preset_names(kind):
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(preset_names(kind))}")
    with preset_file(kind, name).open("rb") as f:
        return tomllib.load(f)
