"""PipelineConfig: the one typed, validated configuration of a stack.

Sources, lowest precedence first:

1. defaults declared on the fields of :class:`~trade_pipeline.config.model.PipelineConfig`;
2. stack config (``Pulumi.<stack>.yaml``), keys ``trade-pipeline:<camelCaseName>``;
3. environment variables: ``TRADE_PIPELINE_<UPPER_SNAKE_NAME>`` for every field, plus the short
   names operators already use (``PRIMARY_REGION``, ``SECONDARY_REGIONS`` - or ``SECONDARY_REGION``
   -, ``ENVIRONMENT_SUFFIX``).

The modules, imported by their own names (this package re-exports nothing):

- ``model``: :class:`PipelineConfig`, every key grouped by domain; its docstring says where a
  new key goes;
- ``types``: the value types that carry a key's rule (``Region``, ``AlarmThreshold`` ...) and the
  AWS facts they read (regions, Lambda runtimes, log retention periods);
- ``items``: enumerations and list entries (``TableIndex``, ``PolicyWaiver``);
- ``rules``: rules across several keys; ``network``: the private-networking rules;
- ``sources``: stack config and environment, :func:`load_config` (the config and what the
  environment changed, :class:`LoadedConfig`); ``overrides``: what an override may change;
- ``errors``: :class:`ConfigError`, one line per rejected value naming the key, the value,
  where it came from and the rule it broke; ``describe``: types in the user's words.

Validation runs before any resource is registered; the program and the offline preview print
a :class:`ConfigError`'s lines and stop, with no traceback.

Example
-------
>>> from trade_pipeline.config.model import PipelineConfig
>>> from trade_pipeline.config.sources import load_config
>>> config, announcements = load_config(
...     PipelineConfig, {"primaryRegion": "us-east-1"}, {"PRIMARY_REGION": "eu-west-1"}
... )
>>> config.regions, len(announcements)
(('eu-west-1',), 1)
"""
