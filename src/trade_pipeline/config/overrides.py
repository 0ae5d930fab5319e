"""Environment overrides of stack config: announced, never empty, refused on a protected stack.

An environment variable that changes a value of ``Pulumi.<stack>.yaml`` changes what ``pulumi
up`` does to real resources: ``ENVIRONMENT_SUFFIX=dev SECONDARY_REGIONS=`` on a three-region
production stack file would rename everything, drop two regions and turn deletion protection
off. So:

- every value the environment changes is an :class:`Override` the preview shows in a banner
  and the real program logs with ``pulumi.log.warn``;
- an empty variable is an error (a stack file, or ``[]``, says "none" explicitly);
- on a protected stack (deletion protection on, as the stack file and defaults decide), an
  override of the regions, the name prefix or the environment suffix is refused unless
  :data:`ALLOW_PROTECTED_OVERRIDES` is ``1`` (and that is announced too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from trade_pipeline.config.types import Flag

__all__ = [
    "ALLOW_PROTECTED_OVERRIDES",
    "PROTECTED_FIELDS",
    "Override",
    "announcement_lines",
    "empty_variable_line",
    "protected_override_lines",
    "stack_is_protected",
]

ALLOW_PROTECTED_OVERRIDES: Final = "TRADE_PIPELINE_ALLOW_PROTECTED_OVERRIDES"

# Overrides that rename or delete resources of a deployed stack.
PROTECTED_FIELDS: Final = (
    "primary_region",
    "secondary_regions",
    "name_prefix",
    "environment_suffix",
)


@dataclass(frozen=True)
class Override:
    """One value the environment changed: the key, the variable, the value before and after."""

    key: str  # trade-pipeline:<camelCase>
    variable: str
    before: Any  # stack file value, or the default ("<default>" text when it has none)
    after: Any

    def line(self) -> str:
        return (
            f"environment override: {self.variable} sets {self.key} = {self.after!r} "
            f"(stack file/default: {self.before!r})"
        )


def empty_variable_line(variable: str, key: str) -> str:
    """The error for ``VAR=`` (set but empty)."""
    return (
        f"config error: {variable} (environment) = '': empty; unset it to keep the stack "
        f"file's {key}, or write [] for an empty list"
    )


def stack_is_protected(stack_raw: Mapping[str, Any]) -> bool:
    """Deletion protection as the stack file and defaults decide (before any override).

    ``stack_raw`` holds field name -> value as written in the stack file.
    """
    explicit = stack_raw.get("deletion_protection")
    if explicit is not None:
        try:
            return bool(TypeAdapter(Flag).validate_python(explicit))
        except ValidationError:
            return True  # an unreadable value is reported by validation; assume protected
    environment = stack_raw.get("environment") or stack_raw.get("environment_suffix") or "dev"
    return str(environment) != "dev"


def protected_override_lines(
    overrides: list[Override], fields: Mapping[str, str], environ: Mapping[str, str]
) -> list[str]:
    """One refusal per protected field the environment changes, unless allowed deliberately.

    ``fields`` maps a field name to its ``trade-pipeline:<key>``.
    """
    if environ.get(ALLOW_PROTECTED_OVERRIDES) == "1":
        return []
    protected_keys = {fields[name] for name in PROTECTED_FIELDS}
    return [
        f"config error: {o.variable} (environment) = {o.after!r}: the stack is protected "
        f"(deletion protection on) and this override changes {o.key} from {o.before!r}, which "
        f"renames or deletes deployed resources; set {ALLOW_PROTECTED_OVERRIDES}=1 to allow it "
        "deliberately"
        for o in overrides
        if o.key in protected_keys
    ]


def announcement_lines(overrides: tuple[Override, ...], environ: Mapping[str, str]) -> list[str]:
    """What the preview's banner and the program's warnings say, one line per value."""
    lines = [o.line() for o in overrides]
    if environ.get(ALLOW_PROTECTED_OVERRIDES) == "1":
        lines.append(
            f"environment override: {ALLOW_PROTECTED_OVERRIDES}=1 allows overrides of the "
            "regions, name prefix and environment suffix of a protected stack"
        )
    return lines
