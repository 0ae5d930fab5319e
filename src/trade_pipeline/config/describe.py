"""Config types and rules in the words of the people who write stack files.

The config reference and the error lines say "list of regions", "one of arm64, x86_64" or "map
of tag name to value", never ``tuple[str, ...]`` or ``LambdaArchitecture``: a user writes YAML
and environment variables, not Python. A type whose Python shape does not tell its meaning
carries its words explicitly (:class:`UserWords` in its ``Annotated`` metadata, see ``types``);
every other type is described from its shape.

>>> from trade_pipeline.config.model import PipelineConfig
>>> user_type(PipelineConfig, "lambda_architecture")
'one of arm64, x86_64'
>>> user_type(PipelineConfig, "secondary_regions")
'list of regions'
>>> user_type(PipelineConfig, "failover_region")
'region (optional)'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Final, get_args, get_origin

from pydantic import BaseModel

__all__ = ["UserWords", "user_message", "user_type"]


@dataclass(frozen=True)
class UserWords:
    """``Annotated`` metadata: what the config reference and error lines call the type."""

    text: str


_SCALARS: Final[dict[Any, str]] = {
    str: "text",
    int: "whole number",
    float: "number",
    bool: "true or false",
}


def _words(metadata: Any) -> str | None:
    return next((m.text for m in metadata if isinstance(m, UserWords)), None)


def _describe(annotation: Any) -> str:
    if get_origin(annotation) is Annotated:
        return _words(annotation.__metadata__) or _describe(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if type(None) in get_args(annotation) and len(args) == 1:
        return f"{_describe(args[0])} (optional)"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(str(m.value) for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "{" + ", ".join(annotation.model_fields) + "}"
    origin = get_origin(annotation)
    if origin is tuple:
        return f"list of {_describe(args[0])}" if args else "list"
    if origin is dict:
        return "map of text to text"
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def user_type(model: type[BaseModel], field: str) -> str:
    """What a value of ``field`` is, in words."""
    info = model.model_fields[field]
    return _words(info.metadata) or _describe(info.annotation)


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
