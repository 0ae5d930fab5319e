"""``trade-pipeline config-reference``: the config reference of docs/configuration.md.

One row per field of :class:`~trade_pipeline.config.model.PipelineConfig`: its stack config key, its
environment variables, its type in the user's words, its default and its description.
"""

from __future__ import annotations

import sys

import typer
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from trade_pipeline.config.describe import user_type
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.config.sources import ENV_ALIASES, env_var_for

__all__ = ["config_reference_markdown", "register"]


def _default(name: str, info: FieldInfo) -> str:
    """A field's default as the README shows it (YAML spelling, or in words)."""
    if info.default_factory is not None:
        return "newest Python runtime" if name == "lambda_runtime" else "empty"
    if info.default is PydanticUndefined:
        return "required"
    value = info.default
    if value in ((), ""):
        return "empty"
    shown = str(value).lower() if isinstance(value, bool) else value  # YAML spelling
    return "unset" if value is None else f"`{getattr(value, 'value', shown)!s}`"


def config_reference_markdown() -> str:
    """The README's config reference, generated from :class:`PipelineConfig`."""
    rows = [
        "| key (`trade-pipeline:`) | environment | type | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, info in PipelineConfig.model_fields.items():
        env = " / ".join(f"`{v}`" for v in (*ENV_ALIASES.get(name, ()), env_var_for(name)))
        type_name = user_type(PipelineConfig, name)
        rows.append(
            f"| `{info.alias}` | {env} | {type_name} | {_default(name, info)} "
            f"| {info.description or ''} |"
        )
    return "\n".join(rows)


def config_reference() -> None:
    """Print the configuration reference (Markdown)."""
    sys.stdout.write(config_reference_markdown() + "\n")


def register(app: typer.Typer) -> None:
    """Add ``config-reference`` to the ``trade-pipeline`` command."""
    app.command("config-reference")(config_reference)
