"""Turning a rejected config into one line per value: key, value, where it came from, rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

__all__ = ["CONFIG_NAMESPACE", "ConfigError", "error_lines"]

CONFIG_NAMESPACE: Final = "trade-pipeline"


class ConfigError(Exception):
    """One or more configuration values were rejected; ``lines`` holds one line per value."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def error_lines(
    exc: ValidationError,
    raw: Mapping[str, Any],
    origin: Mapping[str, str],
    model: type[BaseModel],
) -> list[str]:
    """One ``config error: <source> = <value>: <rule>`` line per error pydantic reports.

    ``raw`` holds the values as given (field name -> value) and ``origin`` where each came
    from (a stack config key or an environment variable), so the line names what the user
    wrote rather than the field's internal name.
    """
    lines: list[str] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not loc:  # model-level rule: each line starts with the key it concerns
            lines.extend(_model_line(part, raw, origin, model) for part in message.splitlines())
            continue
        field = loc[0]
        value = raw.get(field, err.get("input"))
        where = origin.get(field, f"{CONFIG_NAMESPACE}:{to_camel(field)}")
        item = f" (item {loc[1]})" if len(loc) > 1 else ""
        lines.append(f"config error: {where}{item} = {value!r}: {message}")
    return lines


def _model_line(
    message: str, raw: Mapping[str, Any], origin: Mapping[str, str], model: type[BaseModel]
) -> str:
    """One line of a model-level rule. Its key is ``alias`` or ``alias.<map key>`` (one entry
    of a map, e.g. ``vpcCidrs.eu-west-1``), then ``: <rule>``."""
    key, _, rule = message.partition(": ")
    alias, _, entry = key.split("/")[0].partition(".")
    field = _field_for_alias(model, alias)
    if field is None:
        return f"config error: {key} = '': {rule}"
    value: Any = raw.get(field, "")
    src = origin.get(field, f"{CONFIG_NAMESPACE}:{alias}")
    if entry:
        entries = value if isinstance(value, Mapping) else {}
        shown = repr(entries[entry]) if entry in entries else "(not set)"
        name, sep, env = src.partition(" (environment)")
        return f"config error: {name}.{entry}{sep}{env} = {shown}: {rule}"
    return f"config error: {src} = {value!r}: {rule}"


def _field_for_alias(model: type[BaseModel], alias: str) -> str | None:
    for name, info in model.model_fields.items():
        if info.alias == alias or name == alias:
            return name
    return None
