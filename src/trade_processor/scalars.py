"""Exact numbers and sortable times: how an event's numeric and date-time fields are read.

A JSON number or numeric string becomes an exact :class:`~decimal.Decimal`
(:func:`to_decimal`); an RFC 3339 date-time becomes the fixed-width UTC text the table sorts
by (:func:`to_utc_sort_time`, :func:`utc_sort_text`: four-digit year, nine fractional digits,
``Z``). A value that cannot be read raises :class:`RuleBroken` with the rule it broke, which
:mod:`trade_processor.validation` turns into the field's error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "RuleBroken",
    "significant_digits",
    "to_decimal",
    "to_utc_sort_time",
    "utc_sort_text",
]

# Digits are ASCII only: ``\d`` would also match any Unicode digit (Arabic-Indic, full-width),
# which int() and Decimal() accept but which would put non-ASCII text into sort keys. re.ASCII
# makes ``\d`` mean [0-9] in both patterns of this module.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)

_FLOAT_DIGITS = 15
"""Significant digits a binary64 float holds exactly for any decimal (C's ``DBL_DIG``)."""

_FRACTION_DIGITS = 9  # nanoseconds: the most any trading venue timestamps with


class RuleBroken(Exception):
    """A broken rule for the field being read; validation makes it the field's error."""


def to_decimal(value: Any) -> Decimal:
    """An exact Decimal from a JSON number or numeric string.

    A float arrives when the Lambda runtime parsed a JSON number with a fraction or exponent.
    Every decimal of at most 15 significant digits survives that parse (a binary64 float holds
    15 decimal digits exactly: ``DBL_DIG``), so a float whose shortest round-trip text
    (``repr``) has at most 15 digits is the number the producer wrote: ``0.1`` becomes
    ``Decimal("0.1")``. A longer ``repr`` (16-17 digits) may be the rounding of a longer number
    and is refused: such a number must be sent as a string, which is read exactly.

    >>> to_decimal(0.1), to_decimal("0.10"), to_decimal(3)
    (Decimal('0.1'), Decimal('0.10'), Decimal('3'))
    """
    if isinstance(value, bool):
        raise RuleBroken("must be a number or a numeric string, not a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
        if number.is_finite() and len(significant_digits(number)) > _FLOAT_DIGITS:
            raise RuleBroken(
                f"has more than {_FLOAT_DIGITS} significant digits as a JSON number, which "
                "arrives as a binary float and may have been rounded: send it as a string"
            )
    elif isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise RuleBroken("must be a number or a numeric string")
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            raise RuleBroken("must be a number or a numeric string") from None
    else:
        raise RuleBroken("must be a number or a numeric string")
    if not number.is_finite():
        raise RuleBroken("must be finite")
    return number


def significant_digits(number: Decimal) -> tuple[int, ...]:
    """The digits of ``number`` without leading or trailing zeros (exact: no context rounding).

    ``Decimal.normalize`` would round to the context's 28 digits, silently changing a 30-digit
    quantity, so it is never used on event values.

    >>> significant_digits(Decimal("00120.0500"))
    (1, 2, 0, 0, 5)
    """
    digits = number.as_tuple().digits
    start, end = 0, len(digits)
    while start < end and digits[start] == 0:
        start += 1
    while end > start and digits[end - 1] == 0:
        end -= 1
    return digits[start:end]


def to_utc_sort_time(value: Any) -> tuple[str, str]:
    """Validate an RFC 3339 timestamp; return it as sent and in sortable UTC form.

    >>> to_utc_sort_time("2026-03-02T23:30:00.5-02:00")
    ('2026-03-02T23:30:00.5-02:00', '2026-03-03T01:30:00.500000000Z')
    """
    if not isinstance(value, str):
        raise RuleBroken("must be an RFC 3339 date-time string")
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise RuleBroken("must be an RFC 3339 date-time with offset, e.g. 2026-03-02T14:30:00Z")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if fraction is not None and len(fraction) > _FRACTION_DIGITS:
        raise RuleBroken(f"must have at most {_FRACTION_DIGITS} fractional second digits")
    try:
        offset = timedelta(0)
        if not zulu:
            if int(off_h) > 23 or int(off_m) > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            if sign == "-":
                offset = -offset
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(offset),
        )
        utc = local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RuleBroken("must be a valid calendar date and time with a valid offset") from None
    return value, utc_sort_text(utc, fraction or "")


def utc_sort_text(utc: datetime, fraction: str = "") -> str:
    """The fixed-width UTC form: four-digit year, nine fractional digits, ``Z``.

    Built field by field: ``strftime("%Y")`` does not zero-pad years before 1000 on every C
    library (glibc writes ``999``), and ``999-...`` would sort after ``2026-...``.

    >>> utc_sort_text(datetime(999, 3, 2, 14, 30, tzinfo=UTC), "5")
    '0999-03-02T14:30:00.500000000Z'
    """
    nanos = fraction.ljust(_FRACTION_DIGITS, "0")
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{nanos}Z"
    )
