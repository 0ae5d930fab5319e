"""JSON for events with exact numbers: the one reader and writer of event JSON.

Python's ``json`` turns every JSON number with a fraction or exponent into a binary ``float``,
which keeps only about 15-17 significant digits: a 20-digit quantity read that way is silently
rounded. Every reader of events in :mod:`trade_producer`, ``trade-pipeline send`` and the
operator commands goes through :func:`loads` instead, which reads such numbers as
:class:`~decimal.Decimal` (exact, every digit kept) and integers as ``int`` (exact in Python).

Writing:

- :func:`dumps` writes a value back exactly: a ``Decimal`` as its own digits (``redrive`` puts an
  event back with the very number text it had), compact, ASCII-only, never ``NaN``/``Infinity``.
- :func:`numbers_as_strings` is what the producer sends in ``Detail``: every ``Decimal`` as a
  string (the processor's runtime would parse a JSON number into a float and round anything
  beyond 15 significant digits; the processor reads numeric strings exactly) and every integer
  outside the range PutEvents accepts for JSON integers (-2**63 .. 2**63-1, stated on the
  PutEvents API reference page,
  https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html) as a string.

``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259 section 6): :func:`loads`
refuses them, as it refuses nesting deeper than
:data:`~trade_processor.nesting.MAX_DEPTH` (the processor rejects such events), with
:class:`json.JSONDecodeError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trade_processor.nesting import MAX_DEPTH, depth

__all__ = [
    "MAX_DEPTH",
    "PUT_EVENTS_MAX_INTEGER",
    "PUT_EVENTS_MIN_INTEGER",
    "as_the_processor_reads",
    "dumps",
    "loads",
    "numbers_as_strings",
]

PUT_EVENTS_MIN_INTEGER = -(2**63)
"""The smallest JSON integer PutEvents accepts (API reference, see the module docstring)."""
PUT_EVENTS_MAX_INTEGER = 2**63 - 1
"""The largest JSON integer PutEvents accepts."""


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


def loads(text: str | bytes) -> Any:
    """Parse JSON text; numbers with a fraction or exponent become exact ``Decimal`` values.

    >>> loads('{"quantity": 12345678901234567890.5, "count": 3}')
    {'quantity': Decimal('12345678901234567890.5'), 'count': 3}
    >>> loads('[NaN]')
    Traceback (most recent call last):
    json.decoder.JSONDecodeError: NaN is not a JSON number: line 1 column 1 (char 0)
    """
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", "", 0) from None
    if depth(value) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", "", 0)
    return value


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact ASCII JSON of ``value``; a ``Decimal`` is written as its own digits.

    Raises ``ValueError`` for a non-finite number and ``TypeError`` for a value JSON cannot
    hold (a non-string key, an object).

    >>> dumps({"b": Decimal("1.10"), "a": [1, "x"]}, sort_keys=True)
    '{"a":[1,"x"],"b":1.10}'
    """
    parts: list[str] = []
    _write(value, parts, sort_keys)
    return "".join(parts)


def _write(value: Any, parts: list[str], sort_keys: bool) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        parts.append(str(value))  # to-scientific-string: always JSON number syntax
    elif isinstance(value, Mapping):
        items = sorted(value.items()) if sort_keys else list(value.items())
        parts.append("{")
        for position, (key, item) in enumerate(items):
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}")
            parts.append(("," if position else "") + json.dumps(key) + ":")
            _write(item, parts, sort_keys)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for position, item in enumerate(value):
            if position:
                parts.append(",")
            _write(item, parts, sort_keys)
        parts.append("]")
    else:
        parts.append(json.dumps(value, allow_nan=False))


def numbers_as_strings(value: Any) -> Any:
    """``value`` as the producer sends it: every ``Decimal`` (and ``float``) a string, every
    integer outside PutEvents' range a string; everything else unchanged.

    >>> numbers_as_strings({"quantity": Decimal("0.1"), "big": 2**64, "n": 5, "ok": True})
    {'quantity': '0.1', 'big': '18446744073709551616', 'n': 5, 'ok': True}
    """
    if isinstance(value, Mapping):
        return {key: numbers_as_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [numbers_as_strings(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        in_range = PUT_EVENTS_MIN_INTEGER <= value <= PUT_EVENTS_MAX_INTEGER
        return value if in_range else str(value)
    return value


def as_the_processor_reads(value: Any) -> Any:
    """``value`` as the processor's handler receives it after delivery: JSON text parsed with
    binary floats, the way the Lambda Python runtime parses an invocation's payload (its
    ``LambdaMarshaller.unmarshal_request`` calls ``simplejson.loads`` with default options,
    aws/aws-lambda-python-runtime-interface-client ``awslambdaric/lambda_runtime_marshaller.py``;
    the standard library's ``json.loads`` gives the same types). Used to check what the
    processor would decide before putting an event on a bus.

    >>> as_the_processor_reads({"quantity": Decimal("0.1")})
    {'quantity': 0.1}
    """
    return json.loads(dumps(value))
