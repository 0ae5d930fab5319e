"""One ComponentResource per concern: keys, the global table, a region's pipeline, its alarms."""

from trade_pipeline.components.keys import RegionalKey, RegionalKeyArgs
from trade_pipeline.components.monitoring import RegionalMonitoring, RegionalMonitoringArgs
from trade_pipeline.components.pipeline import RegionalPipeline, RegionalPipelineArgs
from trade_pipeline.components.table import (
    ReplicaCoverageError,
    TradeTable,
    TradeTableArgs,
    check_replica_coverage,
)

__all__ = [
    "RegionalKey",
    "RegionalKeyArgs",
    "RegionalMonitoring",
    "RegionalMonitoringArgs",
    "RegionalPipeline",
    "RegionalPipelineArgs",
    "ReplicaCoverageError",
    "TradeTable",
    "TradeTableArgs",
    "check_replica_coverage",
]
