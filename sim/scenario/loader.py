"""Load a scenario file: TOML, then the treadmill preset merged under the scenario's own
values, then validation. Every failure is a ScenarioError whose lines name the file, the
field path and what was expected."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.presets import load_preset, preset_file
from sim.scenario.schema import ACTION_NAMES, Scenario


class ScenarioError(ValueError):
    """Bad input. `lines` are complete messages: 'file: field.path: what was expected'."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{path}: not valid TOML: {exc}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read: {exc}"]) from None
    return scenario_from_dict(raw, source=str(path))


def scenario_from_dict(raw: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario table (as parsed from TOML) after merging its treadmill preset."""
    data = dict(raw)
    overrides = data.get("treadmill")
    if not isinstance(overrides, dict):
        raise ScenarioError([f"{source}: treadmill: expected a table with a preset name"])
    name = overrides.get("preset")
    if not isinstance(name, str):
        raise ScenarioError([f"{source}: treadmill.preset: expected a preset name (a string)"])
    try:
        preset = load_preset("treadmills", name)
    except KeyError as exc:
        raise ScenarioError([f"{source}: treadmill.preset: {exc.args[0]}"]) from None
    data["treadmill"] = _merged(preset, overrides)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        preset_path = preset_file("treadmills", name)
        raise ScenarioError(
            [_describe(e, source, overrides, preset_path) for e in exc.errors()]
        ) from None


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _field_path(loc: tuple) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
        elif i > 0 and isinstance(loc[i - 1], int) and item in ACTION_NAMES:
            continue  # the discriminated union's tag, not a field
        else:
            parts.append(str(item))
    return ".".join(parts)


def _expected(e: dict) -> str:
    kind, ctx = e["type"], e.get("ctx", {})
    got = f" (got {e['input']!r})" if "input" in e and kind != "missing" else ""
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return f"unknown field{got}"
    if kind in ("float_type", "int_type", "int_from_float"):
        return f"expected a number{got}"
    if kind == "string_type":
        return f"expected a string{got}"
    if kind == "bool_type":
        return f"expected true or false{got}"
    if kind == "greater_than":
        return f"must be > {ctx['gt']:g}{got}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']:g}{got}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']:g}{got}"
    if kind == "union_tag_invalid":
        return f"unknown action {ctx.get('tag')!r}; expected one of {', '.join(ACTION_NAMES)}"
    if kind == "value_error":
        return str(ctx.get("error", e["msg"]))
    return f"{e['msg']}{got}"


def _describe(e: dict, source: str, overrides: dict, preset_path: Path) -> str:
    loc = tuple(e["loc"])
    path = _field_path(loc)
    where = source
    if loc and loc[0] == "treadmill" and not _present(overrides, loc[1:]):
        where = f"{source} (value from preset {preset_path})"
    return f"{where}: {path}: {_expected(e)}" if path else f"{where}: {_expected(e)}"


def _present(table: Any, keys: tuple) -> bool:
    for key in keys:
        if not isinstance(table, dict) or key not in table:
            return False
        table = table[key]
    return True
