"""The publisher: batching within PutEvents' limits, retrying only failed entries, endpoints.

botocore's Stubber checks every request against the EventBridge service model, so the
requests asserted here are requests AWS would accept in shape.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.compat
import pytest
from botocore.stub import ANY, Stubber
from botocore.validate import validate_parameters

from trade_producer import (
    MAX_REQUEST_BYTES,
    Publisher,
    RetryPolicy,
    SigV4aUnavailableError,
    batches,
    entry_size,
    order_cancelled,
)
from trade_producer import publisher as publisher_module
from trade_producer.endpoint import endpoint_id_from_url

# An endpoint URL in the shape DescribeEndpoint answers; producers pass the id it gives.
ENDPOINT_ID = endpoint_id_from_url("https://abcde.veo.endpoint.events.amazonaws.com")


def client() -> Any:
    return boto3.client(
        "events", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def entry(detail_bytes: int, **extra: Any) -> dict[str, Any]:
    return {
        "Source": "trading.oms",
        "DetailType": "OrderPlaced",
        "Detail": "x" * detail_bytes,
        **extra,
    }


def test_entry_size_counts_what_eventbridge_counts() -> None:
    base = entry(10, EventBusName="a-very-long-bus-name-that-does-not-count")
    assert entry_size(base) == len("trading.oms") + len("OrderPlaced") + 10
    assert entry_size({**base, "Time": "2026-03-02T00:00:00Z"}) == entry_size(base) + 14
    assert entry_size({**base, "Resources": ["arn:é"]}) == entry_size(base) + 6  # UTF-8 bytes
    assert entry_size({**base, "Detail": "é"}) == entry_size(base) - 10 + 2


def test_batches_respect_ten_entries_and_256_kib() -> None:
    small = [entry(10)] * 25
    assert [len(b) for b in batches(small)] == [10, 10, 5]
    big = MAX_REQUEST_BYTES // 3  # three of these exceed the limit with their headers
    grouped = list(batches([entry(big)] * 5))
    assert [len(b) for b in grouped] == [2, 2, 1]
    for group in grouped:
        assert sum(entry_size(entry(big)) for _ in group) <= MAX_REQUEST_BYTES
    limit = MAX_REQUEST_BYTES - entry_size(entry(0))
    assert list(batches([entry(limit), entry(limit + 1), entry(1)])) == [[0], [2]]


def test_only_failed_entries_are_retried_with_bounded_jittered_backoff() -> None:
    events = [order_cancelled(order_id=f"O-{i}", account_id="A", symbol="X") for i in range(3)]
    eb = client()
    sleeps: list[float] = []
    with Stubber(eb) as stub:
        stub.add_response(
            "put_events",
            {
                "FailedEntryCount": 2,
                "Entries": [
                    {"EventId": "e0"},
                    {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"},
                    {"ErrorCode": "InternalException", "ErrorMessage": "oops"},
                ],
            },
            {"Entries": [e.to_entry("trade-bus") for e in events]},
        )
        stub.add_response(  # second try: only entries 1 and 2; entry 2 fails again
            "put_events",
            {
                "FailedEntryCount": 1,
                "Entries": [{"EventId": "e1"}, {"ErrorCode": "InternalException"}],
            },
            {"Entries": [e.to_entry("trade-bus") for e in events[1:]]},
        )
        stub.add_response(
            "put_events",
            {"FailedEntryCount": 0, "Entries": [{"EventId": "e2"}]},
            {"Entries": [events[2].to_entry("trade-bus")]},
        )
        publisher = Publisher(
            eb,
            event_bus="trade-bus",
            retry=RetryPolicy(5, 0.1, 0.3),
            sleep=sleeps.append,
            rng=lambda: 1.0,
        )
        result = publisher.publish(events)
        stub.assert_no_pending_responses()
    assert result.ok and result.sent == 3 and result.requests == 3
    assert result.retried_entries == 3
    assert sleeps == [0.2, 0.3]  # 0.1 * 2**n, capped at max_delay (rng at its maximum)


def test_permanent_codes_are_not_retried_and_attempts_are_bounded() -> None:
    events = [order_cancelled(order_id=f"O-{i}", account_id="A", symbol="X") for i in range(2)]
    eb = client()
    failing = {
        "FailedEntryCount": 2,
        "Entries": [
            {"ErrorCode": "AccessDeniedException", "ErrorMessage": "no"},
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow"},
        ],
    }
    with Stubber(eb) as stub:
        stub.add_response("put_events", failing, {"Entries": ANY})
        for _ in range(2):
            stub.add_response(
                "put_events",
                {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException"}]},
                {"Entries": [events[1].to_entry("b")]},
            )
        result = Publisher(eb, event_bus="b", retry=RetryPolicy(3), sleep=lambda _: None).publish(
            events
        )
        stub.assert_no_pending_responses()
    assert result.sent == 0
    assert [(f.index, f.error_code) for f in result.failed] == [
        (0, "AccessDeniedException"),
        (1, "ThrottlingException"),
    ]
    assert result.failed[0].event_id == events[0].event_id
    assert result.error_counts() == {"AccessDeniedException": 1, "ThrottlingException": 1}


def test_a_request_error_fails_its_entries_with_the_aws_code() -> None:
    eb = client()
    event = order_cancelled(order_id="O", account_id="A", symbol="X")
    with Stubber(eb) as stub:
        stub.add_client_error("put_events", "ResourceNotFoundException", "no such bus")
        result = Publisher(eb, event_bus="gone", sleep=lambda _: None).publish([event])
    assert [f.error_code for f in result.failed] == ["ResourceNotFoundException"]


def test_an_oversized_entry_is_reported_not_sent() -> None:
    eb = client()
    with Stubber(eb) as stub:
        stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]})
        result = Publisher(eb).publish([entry(MAX_REQUEST_BYTES), entry(1)])
    assert result.sent == 1
    assert [(f.index, f.error_code) for f in result.failed] == [(0, "EntryTooLarge")]


def test_the_endpoint_id_goes_in_every_request_when_sigv4a_is_available(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # botocore refuses to resolve an endpoint request without awscrt before any stub answers,
    # so a recording client stands in; the request is checked against the service model.
    monkeypatch.setattr(publisher_module, "sigv4a_available", lambda: True)
    model = client().meta.service_model.operation_model("PutEvents").input_shape
    requests: list[dict[str, Any]] = []

    class Recording:
        def put_events(self, **request: Any) -> dict[str, Any]:
            validate_parameters(request, model)
            requests.append(request)
            return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}] * len(request["Entries"])}

    events = [order_cancelled(order_id=f"O-{i}", account_id="A", symbol="X") for i in range(11)]
    publisher = Publisher(Recording(), event_bus="trade-bus", endpoint_id=ENDPOINT_ID)  # type: ignore[arg-type]
    assert publisher.publish(events).ok
    assert [r["EndpointId"] for r in requests] == [ENDPOINT_ID, ENDPOINT_ID]
    assert {e["EventBusName"] for r in requests for e in r["Entries"]} == {"trade-bus"}


def test_a_real_client_without_the_crt_extra_fails_once_not_five_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if botocore.compat.HAS_CRT:
        pytest.skip("awscrt is installed: botocore can sign SigV4a")
    monkeypatch.setattr(publisher_module, "sigv4a_available", lambda: True)
    event = order_cancelled(order_id="O", account_id="A", symbol="X")
    result = Publisher(client(), endpoint_id=ENDPOINT_ID, sleep=lambda _: None).publish([event])
    assert [f.error_code for f in result.failed] == ["MissingDependencyException"]
    assert result.requests == 1


def test_an_endpoint_name_in_place_of_its_id_is_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(publisher_module, "sigv4a_available", lambda: True)
    with pytest.raises(ValueError, match=r"'trade-events-prod' is not an EventBridge endpoint id"):
        Publisher(client(), endpoint_id="trade-events-prod")


def test_without_the_crt_extra_an_endpoint_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(botocore.compat, "HAS_CRT", False)
    with pytest.raises(SigV4aUnavailableError, match=r"pip install 'botocore\[crt\]'") as refused:
        Publisher(client(), endpoint_id=ENDPOINT_ID)
    assert "\n" not in str(refused.value)


def test_rate_limit_spaces_batches() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    eb = client()
    events = [order_cancelled(order_id=f"O-{i}", account_id="A", symbol="X") for i in range(30)]
    with Stubber(eb) as stub:
        for _ in range(3):
            stub.add_response(
                "put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}] * 10}
            )
        Publisher(eb, rate=5, sleep=sleep, clock=lambda: now[0]).publish(events)
    assert sleeps == [2.0, 2.0]  # 10 entries at 5/s: the next batch two seconds later
