"""docs/policies.md is generated from the rule registry; the committed page must be its output."""

from __future__ import annotations

from pathlib import Path

from trade_pipeline.commands.common import EXIT_POLICY_FAILURE
from trade_pipeline.policies import RULES
from trade_pipeline.policies.reference import policies_reference_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def test_committed_page_is_the_generated_one() -> None:
    expected = policies_reference_markdown()

    assert DOC.read_text() == expected, (
        "docs/policies.md is stale: python -m trade_pipeline.policies.reference > docs/policies.md"
    )


def test_page_lists_every_rule_with_its_fix_and_the_cli_exit_code() -> None:
    page = policies_reference_markdown()
    rows = [line for line in page.splitlines() if line.startswith("| `")]

    assert [row.split(" | ")[0].strip("|` ") for row in rows] == [r.name for r in RULES]
    for row, rule in zip(rows, RULES, strict=True):
        assert rule.message in row and rule.description in row
    assert f"(exit code {EXIT_POLICY_FAILURE})" in page


def test_review_failures_are_links_into_the_repository() -> None:
    page = policies_reference_markdown()

    assert "[review failure 4](review-failures.md#rf-4)" in page
    for number in range(1, 13):
        assert f"(review-failures.md#rf-{number})" in page
