"""A config key under a misspelt namespace (``trade-pipline:primaryRegion``).

Pulumi accepts any ``<namespace>:<key>`` and hands the program all of them; the program reads
``trade-pipeline:*`` only, so a key under a misspelt namespace would be silently ignored and
the config reported as missing the key instead. Refused here, naming the key the user meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError

__all__ = ["namespace_typos"]


def namespace_typos(keys: Iterable[str]) -> None:
    """Raise :class:`ConfigError`, one line per key whose namespace is close to ours.

    >>> namespace_typos(["aws:region", "pulumi:disable-default-providers", "trade-pipeline:x"])
    >>> try:
    ...     namespace_typos(["trade-pipline:primaryRegion"])
    ... except ConfigError as error:
    ...     print(error.lines[0].split(": unknown namespace ")[1])
    'trade-pipline' (did you mean trade-pipeline:primaryRegion?)
    """
    lines = []
    for key in keys:
        namespace, _, name = key.partition(":")
        if not name or namespace == CONFIG_NAMESPACE:
            continue
        if difflib.get_close_matches(namespace, [CONFIG_NAMESPACE], n=1, cutoff=0.8):
            lines.append(
                f"config error: {key}: unknown namespace {namespace!r} "
                f"(did you mean {CONFIG_NAMESPACE}:{name}?)"
            )
    if lines:
        raise ConfigError(lines)
