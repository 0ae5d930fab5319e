"""Keys that share a value type share its rule: each one rejects a bad value in one line.

A key's rule is its type (``config.types``); a key declared with a plain ``int`` where its
domain uses ``AlarmThreshold`` or ``AlarmPeriodSeconds`` would accept what its siblings refuse.
"""

from __future__ import annotations

from typing import Any

import pytest

from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig

BASE = {"primaryRegion": "us-east-1", "secondaryRegions": ["us-west-2"]}

THRESHOLDS = (
    "processingFailuresThreshold",
    "duplicateConflictThreshold",
    "destinationDeliveryFailuresThreshold",
    "asyncEventsDroppedThreshold",
    "failedInvocationsThreshold",
    "dlqSendFailuresThreshold",
    "deadLetterInvocationsThreshold",
    "deadLetterDepthThreshold",
    "crossRegionConflictsThreshold",
)

CASES: list[tuple[str, Any, str]] = [
    *((key, -1, "greater than or equal to 0") for key in THRESHOLDS),
    ("alarmPeriodSeconds", 90, "multiple of 60"),
    ("failoverPeriodSeconds", 90, "multiple of 60"),
    ("alarmEvaluationPeriods", 11, "less than or equal to 10"),
    ("failoverEvaluationPeriods", 0, "greater than or equal to 1"),
    ("logRetentionDays", 10, "CloudWatch Logs retention value"),
    ("vpcFlowLogRetentionDays", 10, "CloudWatch Logs retention value"),
    ("expectedTradeShare", -0.1, "greater than or equal to 0"),
    ("expectedEventsPerMonth", True, "whole number of events per month"),
    ("failoverRegion", "mars-north-1", "must be an AWS region"),
    ("backupCopyRegion", "mars-north-1", "must be an AWS region"),
    ("namePrefix", "Trade", "lower-case letters"),
    ("tableIndexes", [{"name": "by-order-time"}] * 2, "listed more than once"),
]


@pytest.mark.parametrize(("key", "value", "rule"), CASES)
def test_every_key_of_a_shared_type_gets_its_rule(key: str, value: Any, rule: str) -> None:
    with pytest.raises(ConfigError) as raised:
        PipelineConfig.from_sources({**BASE, key: value}, {})

    (line,) = raised.value.lines
    assert line.startswith(f"config error: trade-pipeline:{key} = {value!r}: ")
    assert rule in line


def test_a_region_of_an_optional_key_is_called_a_region() -> None:
    from trade_pipeline.config.describe import user_type

    assert user_type(PipelineConfig, "failover_region") == "region (optional)"
    assert user_type(PipelineConfig, "backup_copy_region") == "region (optional)"
    assert user_type(PipelineConfig, "table_indexes") == "list of {name, projection, include}"
