"""Turning a rejected config into one line per value: key, value, where it came from, rule."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, Final, get_args

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from trade_pipeline.config.describe import user_message
from trade_pipeline.errors import UserError

__all__ = ["CONFIG_NAMESPACE", "ConfigError", "error_lines"]

CONFIG_NAMESPACE: Final = "trade-pipeline"


class ConfigError(UserError):
    """One or more configuration values were rejected; ``lines`` holds one line per value."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = list(lines)
        super().__init__("\n".join(lines))

    @property
    def lines(self) -> list[str]:
        """``config error: <source> = <value>: <rule>``, one per rejected value."""
        return self._lines


def error_lines(
    exc: ValidationError,
    raw: Mapping[str, Any],
    origin: Mapping[str, str],
    model: type[BaseModel],
) -> list[str]:
    """One ``config error: <source> = <value>: <rule>`` line per error pydantic reports.

    ``raw`` holds the values as given (field name -> value) and ``origin`` where each came
    from (a stack config key or an environment variable), so the line names what the user
    wrote rather than the field's internal name; an error inside a list item names the item
    and its field (``policyWaivers[0].reasn``), and types are the user's words
    (:mod:`~trade_pipeline.config.describe`).
    """
    errors = _without_shadowed_missing(exc.errors())
    lines: list[str] = []
    for err in errors:
        loc = [str(p) for p in err["loc"]]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not loc:  # model-level rule: each line starts with the key it concerns
            lines.extend(_model_line(part, raw, origin, model) for part in message.splitlines())
            continue
        field = loc[0]
        where = origin.get(field, f"{CONFIG_NAMESPACE}:{to_camel(field)}")
        if len(loc) == 1:
            value = raw.get(field, err.get("input"))
            rule = user_message(model, field, str(err["type"]), message)
            lines.append(f"config error: {where} = {value!r}: {rule}")
            continue
        path = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        if err["type"] == "extra_forbidden":
            rule = "unknown field" + _did_you_mean(model, field, loc[-1])
        else:
            rule = message
        lines.append(f"config error: {where}{path} = {err.get('input')!r}: {rule}")
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


def _item_model(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The model of the items of a list field (``policyWaivers`` -> PolicyWaiver)."""
    info = model.model_fields.get(field)
    for arg in get_args(info.annotation) if info else ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _did_you_mean(model: type[BaseModel], field: str, name: str) -> str:
    item = _item_model(model, field)
    known = list(item.model_fields) if item else []
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"


def _without_shadowed_missing(errors: list[Any]) -> list[Any]:
    """A misspelt field shows up twice (unknown field, and the real one missing): keep the
    first, which names what the user wrote."""
    misspelt = {
        (tuple(e["loc"][:-1]), str(e["loc"][-1]))
        for e in errors
        if e["type"] == "extra_forbidden" and len(e["loc"]) > 1
    }
    kept = []
    for err in errors:
        if err["type"] == "missing" and len(err["loc"]) > 1:
            parent, name = tuple(err["loc"][:-1]), str(err["loc"][-1])
            typos = [extra for loc, extra in misspelt if loc == parent]
            if difflib.get_close_matches(name, typos, n=1):
                continue
        kept.append(err)
    return kept


def _field_for_alias(model: type[BaseModel], alias: str) -> str | None:
    for name, info in model.model_fields.items():
        if info.alias == alias or name == alias:
            return name
    return None
