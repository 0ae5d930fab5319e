"""Order-independent comparison, made the easy way.

What a plan lists, and what a policy document or an API answer lists, comes in an order that
says nothing: the order the program declares resources, the order AWS returns them, the order a
set iterates. A test that compares such lists position by position fails when that order
changes, not when the behaviour does. :func:`assert_same_items` compares them as multisets and
says what is missing and what is extra.

>>> assert_same_items(["b", "a", "a"], ["a", "b", "a"])
>>> assert_same_items([{"k": 1}], [{"k": 2}], "statements")
Traceback (most recent call last):
...
AssertionError: statements differ (order aside): missing [{'k': 2}]; unexpected [{'k': 1}]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any

__all__ = ["assert_same_items"]


def _key(item: Any) -> Hashable:
    """A hashable stand-in for ``item`` (dicts and lists by their canonical JSON)."""
    try:
        hash(item)
    except TypeError:
        return ("json", json.dumps(item, sort_keys=True, default=repr))
    return ("value", item)


def assert_same_items(actual: Iterable[Any], expected: Iterable[Any], what: str = "items") -> None:
    """``actual`` holds the items of ``expected``, each as many times, in any order."""
    actual, expected = list(actual), list(expected)
    originals = {_key(item): item for item in [*expected, *actual]}
    got, want = Counter(map(_key, actual)), Counter(map(_key, expected))
    missing = sorted((originals[k] for k in (want - got).elements()), key=repr)
    unexpected = sorted((originals[k] for k in (got - want).elements()), key=repr)
    assert not missing and not unexpected, (
        f"{what} differ (order aside): missing {missing}; unexpected {unexpected}"
    )
