"""Load a scenario file: TOML, then the treadmill preset merged under the scenario's own
values, then validation. Every failure is a ScenarioError whose lines name the file, the
field path and what was expected."""

from __future__ import annotations

import copy
import difflib
import tomllib
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from sim.control.faults import FAULT_MODELS, FAULT_NAMES
from sim.presets import load_preset, preset_file
from sim.scenario.schema import (
    ACTION_MODELS,
    ACTION_NAMES,
    TAG_MODELS,
    TREADMILL_TAGS,
    WALKER_TAGS,
    Scenario,
)  # fmt: skip


class ScenarioError(ValueError):
    """Bad input. `lines` are complete messages: 'file: field.path: what was expected'."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def load_scenario(path: str | Path) -> Scenario:
    return scenario_from_dict(load_scenario_table(path), source=str(path))


def load_scenario_table(path: str | Path) -> dict[str, Any]:
    """The scenario file's TOML table, not yet validated."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))  # tolerate a BOM
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{path}: not valid TOML: {exc}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read: {exc}"]) from None


def scenario_from_dict(raw: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario table (as parsed from TOML) after merging its treadmill preset."""
    data = dict(raw)
    overrides = data.get("treadmill")
    if not isinstance(overrides, dict):
        raise ScenarioError([f"{source}: treadmill: expected a table with a preset name"])
    presets = {"treadmill": _with_preset(data, "treadmill", "treadmills", "preset", source)}
    walker = data.get("walker")
    if isinstance(walker, dict) and walker.get("model") == "gait":
        presets["walker"] = _with_preset(data, "walker", "walkers", "profile", source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_describe(e, source, presets) for e in exc.errors()]) from None


def _with_preset(
    data: dict[str, Any], table: str, kind: str, name_key: str, source: str
) -> tuple[dict, Path, dict]:
    """Merge the preset that data[table][name_key] names under the table's own values (in
    place); (the scenario's own values, the preset's path, the preset's values) for errors."""
    overrides = data[table]
    name = overrides.get(name_key)
    what = "a preset" if name_key == "preset" else "a profile"
    if not isinstance(name, str):
        raise ScenarioError([f"{source}: {table}.{name_key}: expected {what} name (a string)"])
    try:
        preset = load_preset(kind, name)
    except KeyError as exc:
        raise ScenarioError([f"{source}: {table}.{name_key}: {exc.args[0]}"]) from None
    data[table] = _merged(preset, overrides)
    return overrides, preset_file(kind, name), preset


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


_TAGS = {"treadmill": TREADMILL_TAGS, "walker": WALKER_TAGS}
_UNION_TAGS = {
    "treadmill": ("kind", TREADMILL_TAGS), "walker": ("walker model", WALKER_TAGS),
    "faults": ("fault", FAULT_NAMES), "timeline": ("action", ACTION_NAMES),
}  # fmt: skip
_ENTRY_MODELS = ACTION_MODELS | FAULT_MODELS  # a list entry's tag -> its model


def _field_path(loc: tuple) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
        elif i > 0 and isinstance(loc[i - 1], int) and item in _ENTRY_MODELS:
            continue  # the discriminated union's tag, not a field
        elif i == 1 and item in _TAGS.get(loc[0], ()):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts)


def _toml(value: Any) -> str:
    """A value as it would be written in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _expected(e: dict) -> str:
    kind, ctx = e["type"], e.get("ctx", {})
    got = f" (got {_toml(e['input'])})" if "input" in e and kind != "missing" else ""
    simple = {
        "missing": "required field is missing",
        "extra_forbidden": "unknown field",
        "float_type": f"expected a number{got}",
        "int_type": f"expected a whole number{got}",
        "int_from_float": f"expected a whole number{got}",
        "finite_number": f"expected a finite number{got}",
        "string_type": f"expected a string{got}",
        "bool_type": f"expected true or false{got}",
        "model_type": f"expected a table{got}",
        "model_attributes_type": f"expected a table{got}",
        "dict_type": f"expected a table{got}",
        "list_type": f"expected a list{got}",
        "literal_error": f"expected {ctx.get('expected', '')}{got}",
    }
    if kind in simple:
        return simple[kind]
    if kind == "greater_than":
        return f"must be > {ctx['gt']:g}{got}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']:g}{got}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']:g}{got}"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} entries{got}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length', 1)} entry"
    if kind == "union_tag_not_found":
        what, names = _UNION_TAGS.get(e["loc"][0], _UNION_TAGS["timeline"])
        return f"each entry needs {what} = one of {', '.join(names)}"
    if kind == "union_tag_invalid":
        what, names = _UNION_TAGS.get(e["loc"][0], _UNION_TAGS["timeline"])
        return f"unknown {what} {ctx.get('tag')!r}; expected one of {', '.join(names)}"
    if kind == "value_error":
        return str(ctx.get("error", e["msg"]))
    return f"{e['msg']}{got}"


def _suggestion(loc: tuple) -> str:
    """For an unknown field: the known field it most resembles, if any."""
    model = _model_at(loc[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model that holds the fields at this location of a scenario."""
    model: Any = Scenario
    for key in loc:
        if isinstance(key, int):
            continue
        if key in _ENTRY_MODELS:
            return _ENTRY_MODELS[key]
        if key in TAG_MODELS:
            model = TAG_MODELS[key]
            continue
        field = model.model_fields.get(key) if isinstance(model, type) else None
        if field is None:
            return None
        model = _inner_model(field.annotation)
        if model is None:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _describe(e: dict, source: str, presets: dict[str, tuple[dict, Path, dict]]) -> str:
    loc = tuple(e["loc"])
    path = _field_path(loc)
    where = source
    if loc and loc[0] in presets:
        overrides, preset_path, preset = presets[loc[0]]
        inner = loc[2:] if len(loc) > 1 and loc[1] in _TAGS[loc[0]] else loc[1:]
        if not _present(overrides, inner) and _present(preset, inner):
            where = f"{source} (value from preset {preset_path})"
    message = _expected(e)
    if e["type"] == "extra_forbidden":
        message += _suggestion(loc)
    return f"{where}: {path}: {message}" if path else f"{where}: {message}"


def _present(table: Any, keys: tuple) -> bool:
    for key in keys:
        if not isinstance(table, dict) or key not in table:
            return False
        table = table[key]
    return True
