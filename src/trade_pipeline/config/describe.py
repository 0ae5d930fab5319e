"""Config types and rules in the words of the people who write stack files.

The config reference and the error lines say "list of regions", "one of arm64, x86_64" or "map
of tag name to value", never ``tuple[str, ...]`` or ``LambdaArchitecture``: a user writes YAML
and environment variables, not Python.

>>> from trade_pipeline.config.model import PipelineConfig
>>> user_type(PipelineConfig, "lambda_architecture")
'one of arm64, x86_64'
>>> user_type(PipelineConfig, "secondary_regions")
'list of regions'
>>> from typing import Annotated
>>> _describe(Annotated[int, "a check"] | None)
'whole number (optional)'
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Final, get_args, get_origin

from pydantic import BaseModel

__all__ = ["FIELD_TYPE_NAMES", "user_message", "user_type"]

# Fields whose values have a meaning the Python type does not tell.
FIELD_TYPE_NAMES: Final[dict[str, str]] = {
    "primary_region": "region",
    "secondary_regions": "list of regions",
    "backup_copy_region": "region (optional)",
    "failover_region": "region (optional)",
    "alarm_emails": "list of e-mail addresses",
    "alarm_https_endpoints": "list of https:// URLs",
    "policy_waivers": "list of {rule, resources, reason}",
    "tags": "map of tag name to value",
    "lambda_runtime": "Lambda Python runtime",
}

_SCALARS: Final[dict[Any, str]] = {
    str: "text",
    int: "whole number",
    float: "number",
    bool: "true or false",
}


def _describe(annotation: Any) -> str:
    if get_origin(annotation) is Annotated:  # a type with its checks: describe the type
        return _describe(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if type(None) in get_args(annotation) and len(args) == 1:
        return f"{_describe(args[0])} (optional)"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(str(m.value) for m in annotation)
    origin = get_origin(annotation)
    if origin is tuple:
        return f"list of {_describe(args[0])}" if args else "list"
    if origin is dict:
        return "map of text to text"
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def user_type(model: type[BaseModel], field: str) -> str:
    """What a value of ``field`` is, in words."""
    if field in FIELD_TYPE_NAMES:
        return FIELD_TYPE_NAMES[field]
    return _describe(model.model_fields[field].annotation)


# pydantic error types whose own message names a Python type: say what to write instead.
_TYPE_ERRORS: Final = frozenset(
    {
        "tuple_type",
        "list_type",
        "dict_type",
        "string_type",
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "enum",
        "model_type",
        "model_attributes_type",
    }
)


def user_message(model: type[BaseModel], field: str, error_type: str, message: str) -> str:
    """The rule a rejected value broke: pydantic's message, or "must be <user type>" where
    pydantic would name a Python type."""
    if error_type in _TYPE_ERRORS and field in model.model_fields:
        return f"must be {_article(user_type(model, field))}"
    return message


def _article(text: str) -> str:
    if text.startswith(("one of", "list", "map", "true")):
        return text
    return ("an " if text[0] in "aeiou" else "a ") + text
