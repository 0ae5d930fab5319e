"""How deeply an event may nest objects and arrays: one bound for the processor and producer.

Trading events are flat (a ``detail`` object of scalars), so the bound only ever meets extra
fields. It stays far below Python's recursion limit (1000 frames), where ``json.dumps`` of a
rejection body would overflow, and below the 1000 levels PutEvents processes
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_DEPTH", "depth"]

MAX_DEPTH = 64
"""Levels of objects and arrays an event may have (the envelope object is level 1)."""


def depth(value: Any) -> int:
    """Nesting depth of objects and arrays (a scalar is 0), without recursion.

    >>> depth({"detail": {"legs": [1, 2]}}), depth("x")
    (3, 0)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest
