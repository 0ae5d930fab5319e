"""The rejected-events message, byte for byte: its body (whole, or with the event truncated to
fit), its attributes and their size as SQS counts it, the lenient rendering of an event strict
JSON cannot hold. Plain function calls and one stubbed SQS client: fast, for ``make mutate``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from trade_processor.models import FieldError, RejectReason
from trade_processor.rejections import (
    _NOT_JSON,
    MAX_MESSAGE_BYTES,
    RejectedEventQueue,
    _dumps,
    _json_fallback,
    _lenient_text,
    _longest_prefix,
    attributes_size,
    rejection_body,
)

from .support import QUEUE_URL, Stubbed

ERRORS = (FieldError("detail.quantity", "must be > 0"), FieldError("detail.currency", "unknown"))
WHOLE = (
    '{"reason_code": "invalid_detail", '
    '"reason": "detail.quantity: must be > 0; detail.currency: unknown", '
    '"errors": [{"field": "detail.quantity", "rule": "must be > 0"}, '
    '{"field": "detail.currency", "rule": "unknown"}], '
    '"event": {"id": "e-1", "n": [1, 2]}}'
)


def test_a_body_that_fits_is_the_whole_event_written_as_strict_json() -> None:
    event = {"id": "e-1", "n": [1, 2]}
    assert rejection_body(event, RejectReason.INVALID_DETAIL, ERRORS) == WHOLE
    assert rejection_body(event, RejectReason.INVALID_DETAIL, ERRORS, limit=len(WHOLE)) == WHOLE


def test_a_body_one_byte_too_long_truncates_the_event_to_exactly_the_limit() -> None:
    event = {"id": "e-1", "blob": "a" * 200}
    event_text = '{"id": "e-1", "blob": "' + "a" * 200 + '"}'
    whole = WHOLE[: WHOLE.index('"event": ')] + '"event": ' + event_text + "}"
    assert rejection_body(event, RejectReason.INVALID_DETAIL, ERRORS, limit=len(whole)) == whole
    limit = len(whole) - 1
    body = rejection_body(event, RejectReason.INVALID_DETAIL, ERRORS, limit=limit)
    head = (
        WHOLE[: WHOLE.index('"event": ')] + '"event": {"truncated": true, "bytes": 225, "prefix": '
    )
    room = limit - len(head + '""}}')
    # the longest prefix whose encoding fits, found by a plain scan: its two quotes count twice
    length = max(
        n for n in range(len(event_text) + 1) if len(json.dumps(event_text[:n])) - 2 <= room
    )
    assert length == room - 7  # seven quotes before the a-s
    assert body == head + json.dumps(event_text[:length]) + "}}"
    assert len(body) == limit


def test_the_default_limit_is_the_queue_maximum() -> None:
    room = MAX_MESSAGE_BYTES - len(rejection_body("", RejectReason.UNKNOWN_SOURCE, []))
    fits = rejection_body("x" * room, RejectReason.UNKNOWN_SOURCE, [])
    assert len(fits) == MAX_MESSAGE_BYTES
    assert json.loads(fits)["event"] == "x" * room
    over = json.loads(rejection_body("x" * (room + 1), RejectReason.UNKNOWN_SOURCE, []))
    assert over["event"]["truncated"] is True
    assert over["event"]["bytes"] == room + 3


def test_escapes_count_twice_in_the_prefix_and_the_body_fills_the_limit() -> None:
    event = {"blob": '\\"' * 3000}
    body = rejection_body(event, RejectReason.MALFORMED_ENVELOPE, [], limit=2000)
    assert len(body) == 2000
    parsed = json.loads(body)
    event_text = json.dumps(event)
    assert parsed == {
        "reason_code": "malformed_envelope",
        "reason": "",
        "errors": [],
        "event": {
            "truncated": True,
            "bytes": len(event_text),
            "prefix": parsed["event"]["prefix"],
        },
    }
    prefix = parsed["event"]["prefix"]
    assert event_text.startswith(prefix)
    longer = event_text[: len(prefix) + 1]
    assert len(body) - len(json.dumps(prefix)) + len(json.dumps(longer)) > 2000


@pytest.mark.parametrize(
    ("event", "lenient"),
    [
        ({"price": float("nan")}, '{"price":NaN}'),
        ([float("inf"), -float("inf")], "[Infinity,-Infinity]"),
    ],
)
def test_an_event_strict_json_cannot_hold_is_a_lenient_prefix_that_says_so(
    event: Any, lenient: str
) -> None:
    body = rejection_body(event, RejectReason.INVALID_DETAIL, [])
    assert json.loads(body) == {
        "reason_code": "invalid_detail",
        "reason": "",
        "errors": [],
        "event": {
            "truncated": True,
            "bytes": len(lenient),
            "prefix": lenient,
            "not_json": _NOT_JSON,
        },
    }
    json.loads(body, parse_constant=pytest.fail)  # strict JSON: no bare NaN/Infinity


def test_an_event_nested_past_the_encoder_stack_is_rendered_leniently() -> None:
    event: Any = []
    for _ in range(5000):
        event = [event]
    body = json.loads(rejection_body(event, RejectReason.INVALID_DETAIL, [], limit=3000))
    truncated = body["event"]
    assert truncated["not_json"] == _NOT_JSON
    assert truncated["bytes"] == 5001 * 2
    assert truncated["prefix"] == "[" * len(truncated["prefix"])
    assert len(_dumps(body)) == 3000


def test_not_json_text() -> None:
    assert _NOT_JSON == (
        "the event holds a value strict JSON cannot (NaN, Infinity) or nests past the encoder's "
        "limit; prefix is a lenient rendering, not the event"
    )


@pytest.mark.parametrize(
    ("text", "room", "length"),
    [
        ("abc", 0, 0),
        ("abc", -4, 0),
        ("abc", 2, 2),
        ("abc", 3, 3),
        ("abc", 9, 3),
        ("", 5, 0),
        ("ab", 10, 2),
        ('a"b', 1, 1),
        ('a"b', 2, 1),
        ('a"b', 3, 2),
        ('a"b', 4, 3),
        ('"' * 10, 9, 4),  # the first guess (5) does not fit, the answer is just below it
        ("\\\\\\\\", 5, 2),
        ("\\\\\\\\", 6, 3),
        ("é" + "a" * 10, 6, 1),
        ("é" + "a" * 10, 7, 2),
        ("abcdefghijklmnopqrstuvwxyz", 17, 17),
        ("abcdefghijklmnopqrstuvwxyz", 25, 25),
        ("abcdefghijklmnopqrstuvwxyz", 26, 26),
        ("abcdefghijklmnopqrstuvwxyz", 1, 1),
    ],
)
def test_longest_prefix(text: str, room: int, length: int) -> None:
    assert _longest_prefix(text, room) == length


def test_attributes_size_counts_names_types_and_values_in_utf8_bytes() -> None:
    assert attributes_size({}) == 0
    assert (
        attributes_size({"reason_code": {"DataType": "String", "StringValue": "invalid_detail"}})
        == 11 + 6 + 14
    )
    assert attributes_size(
        {
            "a": {"DataType": "String", "StringValue": "xy"},
            "évent_id": {"DataType": "Strïng", "StringValue": "ü"},
        }
    ) == (1 + 6 + 2) + (9 + 7 + 2)


def test_dumps_is_strict_ascii_json_with_decimals_as_text() -> None:
    assert _dumps({"d": Decimal("1.10"), "é": "ü", "n": None}) == (
        '{"d": "1.10", "\\u00e9": "\\u00fc", "n": null}'
    )
    with pytest.raises(ValueError):
        _dumps(float("nan"))
    marker = object()
    assert _dumps([marker]) == json.dumps([repr(marker)])


def test_json_fallback() -> None:
    assert _json_fallback(Decimal("-0.50")) == "-0.50"
    assert _json_fallback({1, 2}) == "{1, 2}"


def test_lenient_text_renders_any_value_compactly() -> None:
    marker = object()
    value = {
        "a": [1, float("nan"), {"b": float("inf")}],
        "c": "x",
        1: None,
        "t": (True, Decimal("2.5"), marker),
        "e": {},
        "l": [],
    }
    assert _lenient_text(value) == (
        '{"a":[1,NaN,{"b":Infinity}],"c":"x","1":null,'
        f'"t":[true,"2.5",{json.dumps(repr(marker))}],"e":{{}},"l":[]}}'
    )
    assert _lenient_text("é") == '"\\u00e9"'
    assert _lenient_text([[], [[]]]) == "[[],[[]]]"
    assert _lenient_text({"k": {"x": 1, "y": 2}}) == '{"k":{"x":1,"y":2}}'


def test_send_builds_the_client_once_and_sends_body_and_attributes(stubbed: Stubbed) -> None:
    made = []

    def factory() -> Any:
        made.append(1)
        return stubbed.sqs

    queue = RejectedEventQueue(QUEUE_URL, factory)
    assert made == []
    stubbed.accept_message("m-1")
    stubbed.accept_message("m-2")
    stubbed.accept_message("m-3")
    assert queue.send({"id": 1}, RejectReason.UNKNOWN_SOURCE, [], event_id="e-9") == "m-1"
    assert queue.send({"id": 2}, RejectReason.INVALID_DETAIL, ERRORS, event_id=None) == "m-2"
    assert queue.send({"id": 3}, RejectReason.INVALID_DETAIL, [], event_id="") == "m-3"
    assert made == [1]
    requests = [params for name, params in stubbed.requests if name == "SendMessage"]
    assert requests == [
        {
            "QueueUrl": QUEUE_URL,
            "MessageBody": rejection_body({"id": 1}, RejectReason.UNKNOWN_SOURCE, []),
            "MessageAttributes": {
                "reason_code": {"DataType": "String", "StringValue": "unknown_source"},
                "event_id": {"DataType": "String", "StringValue": "e-9"},
            },
        },
        {
            "QueueUrl": QUEUE_URL,
            "MessageBody": rejection_body({"id": 2}, RejectReason.INVALID_DETAIL, ERRORS),
            "MessageAttributes": {
                "reason_code": {"DataType": "String", "StringValue": "invalid_detail"}
            },
        },
        {
            "QueueUrl": QUEUE_URL,
            "MessageBody": rejection_body({"id": 3}, RejectReason.INVALID_DETAIL, []),
            "MessageAttributes": {
                "reason_code": {"DataType": "String", "StringValue": "invalid_detail"}
            },
        },
    ]


def test_send_keeps_body_plus_attributes_within_the_queue_maximum(stubbed: Stubbed) -> None:
    queue = RejectedEventQueue(QUEUE_URL, lambda: stubbed.sqs)
    attributes = {
        "reason_code": {"DataType": "String", "StringValue": "unknown_source"},
        "event_id": {"DataType": "String", "StringValue": "e-9"},
    }
    size = attributes_size(attributes)
    assert size == (11 + 6 + 14) + (8 + 6 + 3)
    stubbed.accept_message()
    queue.send("x" * MAX_MESSAGE_BYTES, RejectReason.UNKNOWN_SOURCE, [], event_id="e-9")
    [(_, params)] = [each for each in stubbed.requests if each[0] == "SendMessage"]
    assert len(params["MessageBody"]) == MAX_MESSAGE_BYTES - size
