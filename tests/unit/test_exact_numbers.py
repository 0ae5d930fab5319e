"""Numbers are never changed on the way in: read as Decimal, sent as strings, stored exactly or
refused.

Each class has held-out inputs: numbers a binary float rounds (20 digits, 17 digits, tiny
fractions), integers PutEvents refuses (beyond 2**63), in every reader: the producer's
``event_from_json`` (object and PutEvents-entry shape), ``send``'s JSON Lines, redrive's
message bodies, and the processor's own rule for JSON numbers.
"""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trade_pipeline.ops import redrive
from trade_pipeline.ops.send import read_jsonl
from trade_processor.models import InvalidEventError
from trade_processor.validation import parse_event
from trade_producer import event_from_json, jsonio

from ..processor.support import make_event

SRC = Path(__file__).resolve().parents[2] / "src"

# (JSON text of a quantity, the exact value the producer wrote)
ROUNDED_BY_FLOATS = [
    ("12345678901234567890.5", Decimal("12345678901234567890.5")),
    ("0.10000000000000000001", Decimal("0.10000000000000000001")),
    ("1.2345678901234567", Decimal("1.2345678901234567")),
    ("9007199254740993.0", Decimal("9007199254740993.0")),  # 2**53 + 1
    ("1E-30", Decimal("1E-30")),
]
BEYOND_PUT_EVENTS = ["9223372036854775808", "18446744073709551616", "-9223372036854775809"]


def detail_line(quantity_text: str, **extra: str) -> str:
    detail = make_event("OrderPlaced")["detail"]
    body = json.dumps({**detail, "quantity": "@Q@"}).replace('"@Q@"', quantity_text)
    for name, text in extra.items():
        body = body[:-1] + f', "{name}": {text}}}'
    return body


def event_line(detail: str) -> str:
    return f'{{"source":"trading.oms","detail-type":"OrderPlaced","detail":{detail}}}'


def wire_detail(entry_detail_json: str) -> dict[str, Any]:
    """The Detail as the processor's runtime parses it (binary floats)."""
    parsed: dict[str, Any] = json.loads(entry_detail_json)
    return parsed


@pytest.mark.parametrize(("text", "exact"), ROUNDED_BY_FLOATS)
@pytest.mark.parametrize("shape", ["event", "entry"])
def test_event_from_json_sends_every_digit(text: str, exact: Decimal, shape: str) -> None:
    detail = detail_line(text)
    if shape == "event":
        document = jsonio.loads(event_line(detail))
    else:
        document = {"Source": "trading.oms", "DetailType": "OrderPlaced", "Detail": detail}

    entry = event_from_json(document)

    sent = wire_detail(entry.detail_json())
    assert sent["quantity"] == str(exact)  # a string: the runtime cannot round it
    delivered = {"source": "trading.oms", "detail-type": "OrderPlaced", "detail": sent}
    assert parse_event(delivered).quantity == exact


@pytest.mark.parametrize("text", BEYOND_PUT_EVENTS)
def test_integers_putevents_refuses_are_sent_as_strings(text: str) -> None:
    line = detail_line("5", extra_big=text)
    document = {"Source": "trading.oms", "DetailType": "OrderPlaced", "Detail": line}

    entry = event_from_json(document)

    sent = wire_detail(entry.detail_json())
    assert sent["extra_big"] == text
    assert sent["quantity"] == 5  # an integer PutEvents accepts stays a number


def test_send_reads_its_file_with_exact_numbers(tmp_path: Path) -> None:
    lines = [event_line(detail_line(text)) for text, _ in ROUNDED_BY_FLOATS]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    events = read_jsonl(path)

    assert [wire_detail(e.detail_json())["quantity"] for e in events] == [
        str(exact) for _, exact in ROUNDED_BY_FLOATS
    ]


def test_nan_and_infinity_are_not_json_for_any_reader(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    for constant in ("NaN", "Infinity", "-Infinity"):
        path.write_text(event_line(detail_line(constant)) + "\n")
        with pytest.raises(Exception, match=r"events.jsonl:1: not JSON \(.*not a JSON number"):
            read_jsonl(path)


@pytest.mark.parametrize(("text", "exact"), ROUNDED_BY_FLOATS)
def test_redrive_puts_an_event_back_with_its_numbers_own_text(text: str, exact: Decimal) -> None:
    body = (
        '{"reason_code":"invalid_detail","reason":"x","errors":[],"event":'
        f'{{"source":"trading.oms","detail-type":"OrderPlaced","detail":{{"quantity":{text}}}}}}}'
    )

    unwrapped = redrive.unwrap("rejected-events", {"Body": body})

    assert unwrapped.event is not None
    entry = redrive.to_entry(unwrapped.event, "arn:bus")
    assert entry["Detail"] == f'{{"quantity":{exact!s}}}'
    assert Decimal(entry["Detail"].split(":", 1)[1][:-1]) == exact


def test_redrive_judges_an_event_as_the_processor_will_read_it() -> None:
    # 17 significant digits as a JSON number: the processor refuses it, so redrive leaves it
    event = make_event("OrderPlaced")
    event["detail"]["quantity"] = Decimal("1.2345678901234567")

    reason = redrive.not_redrivable(event)

    assert reason is not None and "send it as a string" in reason


@pytest.mark.parametrize(
    ("number", "stored"),
    [(0.1, "0.1"), (123456789012.345, "123456789012.345"), (1e-7, "1E-7"), (2.5e20, "2.5E+20")],
)
def test_the_processor_stores_short_json_numbers_exactly(number: float, stored: str) -> None:
    event = make_event("OrderPlaced", quantity=number)

    assert parse_event(event).quantity == Decimal(stored)


@pytest.mark.parametrize("number", [0.1 + 0.2, 1.2345678901234567, 9007199254740993.0, 1 / 3])
def test_the_processor_refuses_json_numbers_a_float_may_have_rounded(number: float) -> None:
    event = make_event("TradeExecuted", price=number)

    with pytest.raises(InvalidEventError) as refused:
        parse_event(event)

    [error] = refused.value.errors
    assert error.field == "detail.price"
    assert "send it as a string" in error.rule


def test_dumps_writes_decimals_exactly_and_refuses_non_finite() -> None:
    value = {"a": Decimal("1.10"), "b": [Decimal("-0"), Decimal("1E+400")], "c": "é"}

    assert jsonio.dumps(value) == '{"a":1.10,"b":[-0,1E+400],"c":"\\u00e9"}'
    assert jsonio.loads(jsonio.dumps(value)) == value
    with pytest.raises(ValueError, match="not a JSON number"):
        jsonio.dumps({"a": Decimal("Infinity")})


READERS = [
    SRC / "trade_producer",
    SRC / "trade_pipeline" / "ops",
    SRC / "trade_pipeline" / "commands",
]
NOT_EVENT_READERS = {
    # the plan document Pulumi's mock engine writes: resources, not events
    ("commands/preview.py", "loads"),
}


def test_every_json_reader_of_the_producer_and_commands_is_jsonio() -> None:
    readers = []
    for root in READERS:
        for path in sorted(root.rglob("*.py")):
            if path.name == "jsonio.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "json"
                    and node.attr in {"load", "loads"}
                ):
                    where = f"{path.parent.name}/{path.name}"
                    if (where, node.attr) not in NOT_EVENT_READERS:
                        readers.append(f"{where}:{node.lineno}")
    assert readers == [], "read event JSON with trade_producer.jsonio.loads"
