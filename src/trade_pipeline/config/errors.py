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
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not loc:  # model-level rule: the message starts with the key it concerns
            key, _, rule = message.partition(": ")
            field = _field_for_alias(model, key.split("/")[0])
            value = raw.get(field, "") if field else ""
            src = origin.get(field, f"{CONFIG_NAMESPACE}:{key}") if field else key
            lines.append(f"config error: {src} = {value!r}: {rule}")
            continue
        field = loc[0]
        value = raw.get(field, err.get("input"))
        where = origin.get(field, f"{CONFIG_NAMESPACE}:{to_camel(field)}")
        item = f" (item {loc[1]})" if len(loc) > 1 else ""
        lines.append(f"config error: {where}{item} = {value!r}: {message}")
    return lines


def _field_for_alias(model: type[BaseModel], alias: str) -> str | None:
    for name, info in model.model_fields.items():
        if info.alias == alias or name == alias:
            return name
    return None
