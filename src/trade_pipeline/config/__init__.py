"""PipelineConfig: the one typed, validated configuration of a stack.

Sources, lowest precedence first:

1. defaults declared on the fields of :class:`PipelineConfig` (``model``);
2. stack config (``Pulumi.<stack>.yaml``), keys ``trade-pipeline:<camelCaseName>``;
3. environment variables: ``TRADE_PIPELINE_<UPPER_SNAKE_NAME>`` for every field, plus the short
   names operators already use (``PRIMARY_REGION``, ``SECONDARY_REGIONS`` - or ``SECONDARY_REGION``
   -, ``ENVIRONMENT_SUFFIX``) (``sources``).

Keys are grouped by domain in ``model`` (its docstring says where a new key goes); each key's
type carries its rule (``types``, ``items``), rules across keys are in ``rules``. Validation
runs before any resource is registered. A rejected value becomes one line naming the key, the
value, where it came from and the rule it broke (:class:`ConfigError`, ``errors``); the program
and the offline preview print those lines and stop, with no traceback.

Example
-------
>>> cfg = PipelineConfig.from_sources({"primaryRegion": "us-east-1"}, environ={})
>>> cfg.regions
('us-east-1',)
"""

from __future__ import annotations

from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError
from trade_pipeline.config.items import (
    EncryptionMode,
    IndexProjection,
    LambdaArchitecture,
    PolicyWaiver,
    TableIndex,
)
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.config.network import NetworkMode
from trade_pipeline.config.sources import ENV_ALIASES, env_var_for
from trade_pipeline.config.types import (
    LOG_RETENTION_DAYS,
    aws_regions,
    newest_python_runtime,
    supported_python_runtimes,
)

__all__ = [
    "CONFIG_NAMESPACE",
    "ENV_ALIASES",
    "LOG_RETENTION_DAYS",
    "ConfigError",
    "EncryptionMode",
    "IndexProjection",
    "LambdaArchitecture",
    "NetworkMode",
    "PipelineConfig",
    "PolicyWaiver",
    "TableIndex",
    "aws_regions",
    "env_var_for",
    "newest_python_runtime",
    "supported_python_runtimes",
]

# The old private name, still imported by the config reference generator (cli.py).
_ENV_ALIASES = ENV_ALIASES

# The public classes say they live here (reprs, type names in the config reference), as they
# did before this package was split into modules.
for _public in (
    ConfigError,
    EncryptionMode,
    IndexProjection,
    LambdaArchitecture,
    NetworkMode,
    PipelineConfig,
    PolicyWaiver,
    TableIndex,
):
    _public.__module__ = __name__
del _public
