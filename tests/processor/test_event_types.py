"""Every accepted detail-type has its own field rules: none falls through to a crash."""

from __future__ import annotations

import pytest

from trade_processor.models import DETAIL_TYPES, InvalidEventError, RejectReason
from trade_processor.validation import parse_event

from .support import make_event


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_every_accepted_detail_type_is_parsed_and_its_fields_are_checked(detail_type: str) -> None:
    # Given a valid event of each accepted type, and the same event with an empty detail
    valid = make_event(detail_type)
    empty = {**valid, "detail": {}}

    # When both are parsed
    parsed = parse_event(valid)
    with pytest.raises(InvalidEventError) as refused:
        parse_event(empty)

    # Then the valid one is stored as its type, and the empty one is refused field by field
    # (an InvalidEventError, not a KeyError from a type without rules of its own)
    assert parsed.detail_type == detail_type
    assert refused.value.reason is RejectReason.INVALID_DETAIL
    assert "detail.event_id: is required" in refused.value.message
