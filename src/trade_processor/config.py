"""The processor's settings, read once from the environment and validated.

=============================  =========================================================
variable                       meaning
=============================  =========================================================
``TABLE_NAME``                 the trade table (this region's replica of the global table)
``REJECTED_EVENTS_QUEUE_URL``  URL of this region's rejected-events SQS queue
``DEAD_LETTER_QUEUE_URL``      its former name, still read for one release (deprecated:
                               the stack also has a real dead-letter queue, for delivery)
``TABLE_INDEXES``              the table's indexes, comma-separated (empty: none; unset:
                               all): items carry only their key attributes
``AWS_REGION``                 set by Lambda; botocore reads it
``POWERTOOLS_*``               service name, metrics namespace, log level (Powertools)
=============================  =========================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from trade_processor.models import field_errors_text
from trade_processor.table_schema import (
    GLOBAL_SECONDARY_INDEXES,
    TABLE_INDEXES_ENV,
    IndexSpec,
    indexes_named,
)

__all__ = ["DEPRECATED_QUEUE_URL", "QUEUE_URL", "ConfigurationError", "ProcessorSettings"]

QUEUE_URL = "REJECTED_EVENTS_QUEUE_URL"
DEPRECATED_QUEUE_URL = "DEAD_LETTER_QUEUE_URL"
"""Accepted for one release after the rename; remove in the release after."""

_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_QUEUE_URL = re.compile(r"https?://\S+/[0-9]{12}/[A-Za-z0-9_-]{1,80}", re.ASCII)


class ConfigurationError(RuntimeError):
    """A missing or malformed environment variable (the message names it)."""


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    """Validated environment of the function.

    ``warnings`` are for the init log (e.g. a deprecated variable name); they do not take part
    in equality.
    """

    table_name: str
    rejected_queue_url: str
    table_indexes: tuple[IndexSpec, ...] = GLOBAL_SECONDARY_INDEXES
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ProcessorSettings:
        """Read and check ``TABLE_NAME`` and the queue URL; report all problems at once."""
        problems = []
        table_name = environ.get("TABLE_NAME", "")
        if not _TABLE_NAME.fullmatch(table_name):
            problems.append(
                f"TABLE_NAME={table_name!r}: must be a DynamoDB table name "
                "(3-255 characters: letters, digits, '_', '-', '.')"
            )
        name, queue_url, warnings = _queue_url_setting(environ)
        if name is None:
            problems.append(queue_url)
        elif not _QUEUE_URL.fullmatch(queue_url):
            problems.append(
                f"{name}={queue_url!r}: must be an SQS queue URL "
                "(https://sqs.<region>.amazonaws.com/<account>/<queue>)"
            )
        indexes = GLOBAL_SECONDARY_INDEXES
        if TABLE_INDEXES_ENV in environ:
            try:
                indexes = indexes_named(environ[TABLE_INDEXES_ENV])
            except ValueError as error:
                problems.append(f"{TABLE_INDEXES_ENV}={environ[TABLE_INDEXES_ENV]!r}: {error}")
        if problems:
            raise ConfigurationError(field_errors_text(problems))
        return cls(
            table_name=table_name,
            rejected_queue_url=queue_url,
            table_indexes=indexes,
            warnings=warnings,
        )


def _queue_url_setting(environ: Mapping[str, str]) -> tuple[str | None, str, tuple[str, ...]]:
    """(variable read, its value, warnings); variable ``None`` means the value is a problem."""
    current, deprecated = environ.get(QUEUE_URL), environ.get(DEPRECATED_QUEUE_URL)
    if current is not None and deprecated is not None and current != deprecated:
        return (
            None,
            f"{QUEUE_URL}={current!r} and {DEPRECATED_QUEUE_URL}={deprecated!r}: both set and "
            f"different; set only {QUEUE_URL} ({DEPRECATED_QUEUE_URL} is its deprecated name)",
            (),
        )
    if current is None and deprecated is not None:
        warning = f"{DEPRECATED_QUEUE_URL} is deprecated: rename it to {QUEUE_URL}"
        return DEPRECATED_QUEUE_URL, deprecated, (warning,)
    return QUEUE_URL, current or "", ()
