"""One ComponentResource per concern: keys, the global table, a region's pipeline, its alarms.

Every regional component takes a :class:`RegionalContext` (config, names, region, provider,
account id, partition), built once per region by ``trade_pipeline.stack.build_stack``.
"""

from trade_pipeline.components.backup import TableBackup, TableBackupArgs
from trade_pipeline.components.context import RegionalContext, regional_contexts
from trade_pipeline.components.keys import RegionalKey, RegionalKeyArgs
from trade_pipeline.components.monitoring import RegionalMonitoring, RegionalMonitoringArgs
from trade_pipeline.components.pipeline import RegionalPipeline, RegionalPipelineArgs
from trade_pipeline.components.signing import RegionalCodeSigning
from trade_pipeline.components.table import (
    ReplicaCoverageError,
    TradeTable,
    TradeTableArgs,
    check_replica_coverage,
)

__all__ = [
    "RegionalCodeSigning",
    "RegionalContext",
    "RegionalKey",
    "RegionalKeyArgs",
    "RegionalMonitoring",
    "RegionalMonitoringArgs",
    "RegionalPipeline",
    "RegionalPipelineArgs",
    "ReplicaCoverageError",
    "TableBackup",
    "TableBackupArgs",
    "TradeTable",
    "TradeTableArgs",
    "check_replica_coverage",
    "regional_contexts",
]
