"""Where config values come from: stack config keys and environment variables.

Lowest precedence first: field defaults, stack config (``trade-pipeline:<camelCaseName>``),
then environment variables (``TRADE_PIPELINE_<UPPER_SNAKE_NAME>`` for every field, plus the
short names operators already use). Every value keeps a note of its source, so a rejected one
is reported under the name the user wrote.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, get_args, get_origin

from pydantic import ValidationError

from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError, error_lines

if TYPE_CHECKING:
    from trade_pipeline.config.model import PipelineConfig

__all__ = ["ENV_ALIASES", "decode_json", "env_var_for", "load_config", "looks_like_json"]

# Short environment variable names accepted on top of TRADE_PIPELINE_<FIELD>.
ENV_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "primary_region": ("PRIMARY_REGION",),
    "secondary_regions": ("SECONDARY_REGIONS", "SECONDARY_REGION"),
    "environment_suffix": ("ENVIRONMENT_SUFFIX",),
}


def looks_like_json(value: Any) -> bool:
    """A string whose first non-blank character opens a JSON list or object."""
    return isinstance(value, str) and value.lstrip()[:1] in ("[", "{")


def decode_json(value: Any) -> Any:
    """The list or map ``value`` encodes when it is JSON text of one; ``value`` itself otherwise.

    The Pulumi engine and the environment both hand values over as strings, lists and maps
    included; text that only starts like JSON stays the string it was.

    >>> decode_json('["us-west-2", "eu-west-1"]')
    ['us-west-2', 'eu-west-1']
    >>> decode_json("[not json")
    '[not json'
    >>> decode_json(3)
    3
    """
    if looks_like_json(value):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def env_var_for(field_name: str) -> str:
    """The generic environment variable that overrides ``field_name``."""
    return f"TRADE_PIPELINE_{field_name.upper()}"


def load_config(
    model: type[PipelineConfig], stack_config: Mapping[str, Any], environ: Mapping[str, str]
) -> PipelineConfig:
    """Build ``model`` from stack config (camelCase keys, namespace stripped) and env vars.

    Raises :class:`ConfigError` with one line per rejected value.
    """
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    lines = _read_stack_config(model, stack_config, raw, origin)
    _read_environment(model, environ, raw, origin)
    if "primary_region" not in raw:
        lines.append(
            f"config error: {CONFIG_NAMESPACE}:primaryRegion: required; set it in "
            "Pulumi.<stack>.yaml or PRIMARY_REGION"
        )
    if lines:
        raise ConfigError(lines)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(error_lines(exc, raw, origin, model)) from None


def _read_stack_config(
    model: type[PipelineConfig],
    stack_config: Mapping[str, Any],
    raw: dict[str, Any],
    origin: dict[str, str],
) -> list[str]:
    """Copy known keys into ``raw``; return one line per unknown key (with a close match)."""
    known = {info.alias or name: name for name, info in model.model_fields.items()}
    lines = []
    for key, value in stack_config.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            lines.append(f"config error: {CONFIG_NAMESPACE}:{key} = {value!r}: unknown key{hint}")
            continue
        raw[known[key]] = value
        origin[known[key]] = f"{CONFIG_NAMESPACE}:{key}"
    return lines


def _read_environment(
    model: type[PipelineConfig],
    environ: Mapping[str, str],
    raw: dict[str, Any],
    origin: dict[str, str],
) -> None:
    """Environment variables override stack config; the generic name wins over a short one."""
    for name, info in model.model_fields.items():
        for var in (env_var_for(name), *ENV_ALIASES.get(name, ())):
            if var in environ:
                raw[name] = _from_env(environ[var], info.annotation)
                origin[name] = f"{var} (environment)"
                break


def _from_env(value: str, annotation: Any) -> Any:
    """Environment variables are strings: lists are comma-separated, maps are k=v pairs;
    JSON (starting with ``[`` or ``{``) is accepted for both."""
    if looks_like_json(value):
        return decode_json(value)
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is tuple:
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if origin is dict:
        pairs = (p.split("=", 1) for p in value.split(",") if p.strip())
        return {k.strip(): v.strip() for k, v in (p if len(p) == 2 else (p[0], "") for p in pairs)}
    if type(None) in args and value.strip() == "":
        return None
    return value.strip()
