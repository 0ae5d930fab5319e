"""The dev stack's compliance table is the same, rule for rule, as the recorded one.

``compliance-dev.golden.json`` was written by the compliance code before it became a package.
Users' waivers and CI logs name rules, so their order, names, severities, outcomes, the number of
resources each examines and the findings must not move when the code is reorganised. When a rule
is added or deliberately changed, regenerate the file with
``UPDATE_GOLDEN=1 pytest tests/policy/test_golden.py`` and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from trade_pipeline.policies import ComplianceReport, evaluate_plan
from trade_pipeline.preview import Plan

GOLDEN = Path(__file__).with_name("compliance-dev.golden.json")
FIELDS = ("rule", "severity", "outcome", "examined", "resources", "messages", "waiverReason")


def compliance_rows(report: ComplianceReport) -> list[dict[str, Any]]:
    """The table's rows, reduced to what must stay stable across refactors."""
    return [{key: row[key] for key in FIELDS} for row in report.to_dict()]


def test_dev_compliance_table_matches_the_golden_file(base_plan: Plan) -> None:
    rows = compliance_rows(evaluate_plan(base_plan))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(rows, indent=2) + "\n")

    golden = json.loads(GOLDEN.read_text())

    assert [r["rule"] for r in rows] == [g["rule"] for g in golden]
    for row, expected in zip(rows, golden, strict=True):
        assert row == expected, row["rule"]
