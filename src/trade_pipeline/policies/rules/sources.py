"""How a rule cites where it comes from.

Checkov, cdk-nag and Pulumi AWSGuard ids are cited as plain strings. A rule that keeps one of
the twelve failures of the earlier implementation from coming back cites it by number with a
link into the repository's own list of them:

>>> review_failure(4)
'review failure 4 (docs/review-failures.md#rf-4)'
"""

from __future__ import annotations

from typing import Final

__all__ = ["REVIEW_FAILURES_DOC", "review_failure"]

REVIEW_FAILURES_DOC: Final = "docs/review-failures.md"


def review_failure(number: int) -> str:
    """The source string of review failure ``number`` (1-12), anchored ``rf-<number>``."""
    if not 1 <= number <= 12:
        raise ValueError(f"review failure {number}: there are twelve (1-12)")
    return f"review failure {number} ({REVIEW_FAILURES_DOC}#rf-{number})"
