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
``OCCURRED_AT_MAX_AGE_DAYS``   ``occurred_at`` at most this many days before processing
                               (default 3660)
``OCCURRED_AT_MAX_AHEAD_SECONDS`` ... and at most this many seconds after (default 300)
``TABLE_CONSISTENCY_MODE``     the table's multi-Region consistency mode: ``eventual``
                               (default) or ``strong`` (how a trade's guard is written)
``AWS_REGION``                 set by Lambda; botocore reads it
``POWERTOOLS_*``               service name, metrics namespace, log level (Powertools)
=============================  =========================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from trade_processor.models import field_errors_text
from trade_processor.storage import ConsistencyMode
from trade_processor.table_schema import (
    GLOBAL_SECONDARY_INDEXES,
    TABLE_INDEXES_ENV,
    IndexSpec,
    indexes_named,
)
from trade_processor.validation import DEFAULT_WINDOW, OccurredAtWindow

__all__ = [
    "CONSISTENCY_MODE_ENV",
    "DEPRECATED_QUEUE_URL",
    "MAX_AGE_DAYS_ENV",
    "MAX_AHEAD_SECONDS_ENV",
    "QUEUE_URL",
    "ConfigurationError",
    "ProcessorSettings",
]

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
    occurred_at_window: OccurredAtWindow = DEFAULT_WINDOW
    consistency_mode: ConsistencyMode = ConsistencyMode.EVENTUAL
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
        window = _occurred_at_window(environ, problems)
        mode = _consistency_mode(environ, problems)
        if problems:
            raise ConfigurationError(field_errors_text(problems))
        return cls(
            table_name=table_name,
            rejected_queue_url=queue_url,
            table_indexes=indexes,
            occurred_at_window=window,
            consistency_mode=mode,
            warnings=warnings,
        )


CONSISTENCY_MODE_ENV = "TABLE_CONSISTENCY_MODE"


def _consistency_mode(environ: Mapping[str, str], problems: list[str]) -> ConsistencyMode:
    """The table's consistency mode (unset: eventual); anything else is a problem."""
    text = environ.get(CONSISTENCY_MODE_ENV, ConsistencyMode.EVENTUAL.value)
    try:
        return ConsistencyMode(text)
    except ValueError:
        allowed = " or ".join(mode.value for mode in ConsistencyMode)
        problems.append(f"{CONSISTENCY_MODE_ENV}={text!r}: must be {allowed}")
        return ConsistencyMode.EVENTUAL


MAX_AGE_DAYS_ENV = "OCCURRED_AT_MAX_AGE_DAYS"
MAX_AHEAD_SECONDS_ENV = "OCCURRED_AT_MAX_AHEAD_SECONDS"


def _occurred_at_window(environ: Mapping[str, str], problems: list[str]) -> OccurredAtWindow:
    """The ``occurred_at`` window from the environment (each unset part: its default)."""
    values = {}
    for name, default, maximum in (
        (MAX_AGE_DAYS_ENV, DEFAULT_WINDOW.max_age_days, 36_500),
        (MAX_AHEAD_SECONDS_ENV, DEFAULT_WINDOW.max_ahead_seconds, 86_400),
    ):
        text = environ.get(name)
        values[name] = default
        if text is None:
            continue
        if not (text.isascii() and text.isdigit() and 0 <= int(text) <= maximum):
            problems.append(f"{name}={text!r}: must be a whole number from 0 to {maximum}")
        else:
            values[name] = int(text)
    return OccurredAtWindow(values[MAX_AGE_DAYS_ENV], values[MAX_AHEAD_SECONDS_ENV])


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
