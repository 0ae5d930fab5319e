"""Inputs at the edges of the rules: non-ASCII digits, sources, currencies, readable numbers."""

from __future__ import annotations

from typing import Any

import pytest

from trade_processor.currencies import ISO_4217_CODES
from trade_processor.models import InvalidEventError
from trade_processor.validation import parse_event

from .support import make_event


def rejected_fields(event: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    return [error.field for error in raised.value.errors]


EXCLUDED_CURRENCIES = ["XBA", "XBB", "XBC", "XBD", "XSU", "XUA", "XXX", "XTS"]


@pytest.mark.parametrize("code", EXCLUDED_CURRENCIES)
def test_units_of_account_cannot_price_a_trade(code: str) -> None:
    assert code not in ISO_4217_CODES
    assert rejected_fields(make_event("TradeExecuted", currency=code)) == ["detail.currency"]
