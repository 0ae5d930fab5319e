"""The processor's settings, read once from the environment and validated.

=========================  =========================================================
variable                   meaning
=========================  =========================================================
``TABLE_NAME``             the trade table (this region's replica of the global table)
``DEAD_LETTER_QUEUE_URL``  URL of this region's rejected-events SQS queue
``AWS_REGION``             set by Lambda; botocore reads it
``POWERTOOLS_*``           service name, metrics namespace, log level (Powertools)
=========================  =========================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from trade_processor.models import field_errors_text

__all__ = ["ConfigurationError", "ProcessorSettings"]

_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_QUEUE_URL = re.compile(r"https?://\S+/[0-9]{12}/[A-Za-z0-9_-]{1,80}", re.ASCII)


class ConfigurationError(RuntimeError):
    """A missing or malformed environment variable (the message names it)."""


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    """Validated environment of the function."""

    table_name: str
    rejected_queue_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ProcessorSettings:
        """Read and check ``TABLE_NAME`` and ``DEAD_LETTER_QUEUE_URL``; all problems at once."""
        problems = []
        table_name = environ.get("TABLE_NAME", "")
        if not _TABLE_NAME.fullmatch(table_name):
            problems.append(
                f"TABLE_NAME={table_name!r}: must be a DynamoDB table name "
                "(3-255 characters: letters, digits, '_', '-', '.')"
            )
        queue_url = environ.get("DEAD_LETTER_QUEUE_URL", "")
        if not _QUEUE_URL.fullmatch(queue_url):
            problems.append(
                f"DEAD_LETTER_QUEUE_URL={queue_url!r}: must be an SQS queue URL "
                "(https://sqs.<region>.amazonaws.com/<account>/<queue>)"
            )
        if problems:
            raise ConfigurationError(field_errors_text(problems))
        return cls(table_name=table_name, rejected_queue_url=queue_url)
