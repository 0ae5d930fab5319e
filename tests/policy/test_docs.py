"""docs/policies.md is generated from the rule registry (``make regen``; the committed page is
held to it by tests/unit/test_generated.py): every rule with its fix, the exit code, links."""

from __future__ import annotations

from trade_pipeline.commands.common import EXIT_POLICY_FAILURE
from trade_pipeline.policies import RULES
from trade_pipeline.policies.reference import policies_reference_markdown


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
