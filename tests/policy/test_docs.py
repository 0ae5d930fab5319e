"""docs/policies.md lists every rule with its severity and sources, as the code has them."""

from __future__ import annotations

from pathlib import Path

from trade_pipeline.policies import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def test_every_rule_is_documented_as_coded() -> None:
    rows = {
        cells[0].strip("` "): [c.strip() for c in cells]
        for line in DOC.read_text().splitlines()
        if line.startswith("| `")
        for cells in [line.strip("|").split(" | ")]
    }

    assert sorted(rows) == sorted(rule.name for rule in RULES)
    for rule in RULES:
        _, severity, description, sources, message = rows[rule.name]
        assert severity == rule.severity.value, rule.name
        assert description == rule.description, rule.name
        assert sources == "; ".join(rule.sources), rule.name
        assert message == rule.message, rule.name
