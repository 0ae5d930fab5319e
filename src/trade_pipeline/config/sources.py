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
from typing import TYPE_CHECKING, Any, Final, NamedTuple, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic.alias_generators import to_snake

from trade_pipeline.config.describe import user_type
from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError, error_lines
from trade_pipeline.config.overrides import (
    Override,
    announcement_lines,
    empty_variable_line,
    protected_override_lines,
    stack_is_protected,
)

if TYPE_CHECKING:
    from trade_pipeline.config.model import PipelineConfig

__all__ = [
    "ENV_ALIASES",
    "LoadedConfig",
    "decode_json",
    "env_var_for",
    "load_config",
    "looks_like_json",
]

# Short environment variable names accepted on top of TRADE_PIPELINE_<FIELD>.
ENV_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "primary_region": ("PRIMARY_REGION",),
    "secondary_regions": ("SECONDARY_REGIONS", "SECONDARY_REGION"),
    "environment_suffix": ("ENVIRONMENT_SUFFIX",),
}


class LoadedConfig(NamedTuple):
    """A validated config and what the environment changed in it.

    ``announcements`` holds one line per value an environment variable changed (empty: none
    did); the preview shows them in a banner, the program logs each with ``pulumi.log.warn``.
    """

    config: PipelineConfig
    announcements: tuple[str, ...]


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
) -> LoadedConfig:
    """Build ``model`` from stack config (camelCase keys, namespace stripped) and env vars,
    with the announcements of what the environment changed.

    Raises :class:`ConfigError` with one line per rejected value.
    """
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    lines = _read_stack_config(model, stack_config, raw, origin)
    stack_raw = dict(raw)
    variables: dict[str, str] = {}  # field -> the environment variable that set it
    lines += _read_environment(model, environ, raw, origin, variables)
    if "primary_region" not in raw and not lines:
        lines.append(
            f"config error: {CONFIG_NAMESPACE}:primaryRegion: required; set it in "
            "Pulumi.<stack>.yaml or PRIMARY_REGION"
        )
    if lines:
        raise ConfigError(lines)
    # A refused override is the cause of whatever else it would break: say it first.
    overrides = _overrides(model, raw, stack_raw, variables)
    if stack_is_protected(stack_raw):
        keys = {name: _key(model, name) for name in model.model_fields}
        refused = protected_override_lines(overrides, keys, environ)
        if refused:
            raise ConfigError(refused)
    try:
        config = model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(error_lines(exc, raw, origin, model)) from None
    return LoadedConfig(config, tuple(announcement_lines(tuple(overrides), environ)))


def _key(model: type[PipelineConfig], name: str) -> str:
    return f"{CONFIG_NAMESPACE}:{model.model_fields[name].alias or name}"


def _overrides(
    model: type[PipelineConfig],
    raw: Mapping[str, Any],
    stack_raw: Mapping[str, Any],
    variables: Mapping[str, str],
) -> list[Override]:
    """The values the environment changed, compared as the model reads them."""
    changed = []
    for name, variable in variables.items():
        info = model.model_fields[name]
        adapter: TypeAdapter[Any] = TypeAdapter(info.annotation or Any)
        before_raw = (
            stack_raw[name] if name in stack_raw else info.get_default(call_default_factory=True)
        )
        before, after = (_as_read(adapter, value) for value in (before_raw, raw[name]))
        if before != after:
            changed.append(Override(_key(model, name), variable, before, after))
    return changed


def _as_read(adapter: TypeAdapter[Any], value: Any) -> Any:
    """``value`` as the model reads it (JSON-shaped), or as given when it does not validate."""
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except (ValidationError, TypeError, ValueError):
        return value


REMOVED_KEYS: Final[Mapping[str, str]] = {
    key: "removed: Lambda samples X-Ray traces at a fixed rate (1 request per second, then 5% "
    "of the rest) that a function cannot configure "
    "(https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)"
    for key in ("xraySamplingRate", "xraySamplingReservoir")
}
"""Keys an older release accepted, each with why it went: one line instead of "unknown key".

Their environment variables (``TRADE_PIPELINE_XRAY_SAMPLING_RATE`` ...) are refused the same
way, not ignored: a variable that silently does nothing misleads whoever set it.
"""


def _removed_variable(key: str) -> str:
    """The generic environment variable of a removed stack key."""
    return env_var_for(to_snake(key))


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
        if key in REMOVED_KEYS:
            lines.append(
                f"config error: {CONFIG_NAMESPACE}:{key} = {value!r}: {REMOVED_KEYS[key]}; "
                "delete the line"
            )
            continue
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            lines.append(f"config error: {CONFIG_NAMESPACE}:{key} = {value!r}: unknown key{hint}")
            continue
        name = known[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            required = model.model_fields[name].is_required()
            fallback = "" if required else " or delete the line to use the default"
            lines.append(
                f"config error: {CONFIG_NAMESPACE}:{key} = {value!r}: empty; give a "
                f"{user_type(model, name)}{fallback}"
            )
            continue
        if isinstance(value, str) and get_origin(model.model_fields[name].annotation) is tuple:
            # "a,b" in YAML means what SECONDARY_REGIONS=a,b means in the environment
            value = value if looks_like_json(value) else _from_env(value, tuple[str, ...])
        raw[name] = value
        origin[name] = f"{CONFIG_NAMESPACE}:{key}"
    return lines


def _read_environment(
    model: type[PipelineConfig],
    environ: Mapping[str, str],
    raw: dict[str, Any],
    origin: dict[str, str],
    variables: dict[str, str],
) -> list[str]:
    """Environment variables override stack config; the generic name wins over a short one.

    Returns one line per variable that cannot be read (empty, malformed JSON, a map entry
    without ``=``).
    """
    lines = [
        f"config error: {var} (environment) = {environ[var]!r}: {reason}; unset the variable"
        for var, reason in ((_removed_variable(key), why) for key, why in REMOVED_KEYS.items())
        if var in environ
    ]
    for name, info in model.model_fields.items():
        for var in (env_var_for(name), *ENV_ALIASES.get(name, ())):
            if var not in environ:
                continue
            key = _key(model, name)
            if environ[var].strip() == "":
                lines.append(empty_variable_line(var, key))
            else:
                try:
                    raw[name] = _from_env(environ[var], info.annotation)
                except ValueError as exc:
                    lines.append(f"config error: {var} (environment) = {environ[var]!r}: {exc}")
                    break
                origin[name] = f"{var} (environment)"
                variables[name] = var
            break
    return lines


def _from_env(value: str, annotation: Any) -> Any:
    """Environment variables are strings: lists are comma-separated, maps are k=v pairs;
    JSON (starting with ``[`` or ``{``) is accepted for both. Raises ``ValueError`` with the
    rule for malformed JSON and for a map entry without ``=``."""
    if looks_like_json(value):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    origin = get_origin(annotation)
    if origin is tuple:
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if origin is dict:
        pairs = [p.strip() for p in value.split(",") if p.strip()]
        bad = [p for p in pairs if "=" not in p or not p.split("=", 1)[0].strip()]
        if bad:
            raise ValueError(
                f"map entry {bad[0]!r} is not name=value (write k=v,k2=v2 or a JSON object)"
            )
        return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}
    return value.strip()
