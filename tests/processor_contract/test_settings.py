"""The processor's settings and the small helpers beside them, each message asserted exactly:
an operator reads these lines in the init log, so a changed word or a lost value fails here."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from trade_processor import observability
from trade_processor.config import (
    CONSISTENCY_MODE_ENV,
    DEPRECATED_QUEUE_URL,
    MAX_AGE_DAYS_ENV,
    MAX_AHEAD_SECONDS_ENV,
    QUEUE_URL,
    ConfigurationError,
    ProcessorSettings,
)
from trade_processor.models import FieldError, InvalidEventError, RejectReason
from trade_processor.nesting import depth
from trade_processor.storage import ConsistencyMode
from trade_processor.table_schema import (
    GLOBAL_SECONDARY_INDEXES,
    INDEXES_BY_NAME,
    TABLE_INDEXES_ENV,
    canary_expires_at_utc,
    indexes_named,
)
from trade_processor.validation import DEFAULT_WINDOW, OccurredAtWindow

from .support import QUEUE_URL as URL
from .support import TABLE

VALID = {"TABLE_NAME": TABLE, QUEUE_URL: URL}


def problems(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigurationError) as raised:
        ProcessorSettings.from_env(environ)
    return str(raised.value)


def test_nothing_set_names_both_required_variables() -> None:
    assert problems({}) == (
        "TABLE_NAME='': must be a DynamoDB table name "
        "(3-255 characters: letters, digits, '_', '-', '.'); "
        "REJECTED_EVENTS_QUEUE_URL='': must be an SQS queue URL "
        "(https://sqs.<region>.amazonaws.com/<account>/<queue>)"
    )


def test_the_defaults_when_only_the_required_variables_are_set() -> None:
    settings = ProcessorSettings.from_env(VALID)
    assert settings == ProcessorSettings(TABLE, URL)
    assert settings.table_indexes == GLOBAL_SECONDARY_INDEXES
    assert settings.occurred_at_window == DEFAULT_WINDOW
    assert settings.consistency_mode is ConsistencyMode.EVENTUAL
    assert settings.warnings == ()


def test_both_queue_variables_equal_is_no_warning_and_different_is_refused() -> None:
    same = ProcessorSettings.from_env({**VALID, DEPRECATED_QUEUE_URL: URL})
    assert (same.rejected_queue_url, same.warnings) == (URL, ())
    other = URL + "-old"
    assert problems({**VALID, DEPRECATED_QUEUE_URL: other}) == (
        f"{QUEUE_URL}={URL!r} and {DEPRECATED_QUEUE_URL}={other!r}: both set and different; "
        f"set only {QUEUE_URL} ({DEPRECATED_QUEUE_URL} is its deprecated name)"
    )


def test_every_bad_optional_setting_is_named_with_its_rule_in_one_line() -> None:
    known = ", ".join(INDEXES_BY_NAME)
    assert problems(
        {
            **VALID,
            TABLE_INDEXES_ENV: "by-nothing,by-else",
            MAX_AGE_DAYS_ENV: "36501",
            MAX_AHEAD_SECONDS_ENV: "x",
            CONSISTENCY_MODE_ENV: "STRONG",
        }
    ) == (
        f"TABLE_INDEXES='by-nothing,by-else': unknown index by-else, by-nothing; known: {known}; "
        "OCCURRED_AT_MAX_AGE_DAYS='36501': must be a whole number from 0 to 36500; "
        "OCCURRED_AT_MAX_AHEAD_SECONDS='x': must be a whole number from 0 to 86400; "
        "TABLE_CONSISTENCY_MODE='STRONG': must be eventual or strong"
    )
    assert "OCCURRED_AT_MAX_AHEAD_SECONDS='86401'" in problems(
        {**VALID, MAX_AHEAD_SECONDS_ENV: "86401"}
    )
    assert "'¹'" in problems({**VALID, MAX_AGE_DAYS_ENV: "¹"})  # a digit, not ASCII


@pytest.mark.parametrize(
    ("environ", "window"),
    [
        ({MAX_AGE_DAYS_ENV: "0"}, OccurredAtWindow(0, DEFAULT_WINDOW.max_ahead_seconds)),
        ({MAX_AHEAD_SECONDS_ENV: "0"}, OccurredAtWindow(DEFAULT_WINDOW.max_age_days, 0)),
        (
            {MAX_AGE_DAYS_ENV: "36500", MAX_AHEAD_SECONDS_ENV: "86400"},
            OccurredAtWindow(36500, 86400),
        ),
    ],
)
def test_the_window_bounds_are_inclusive_and_an_unset_part_keeps_its_default(
    environ: dict[str, str], window: OccurredAtWindow
) -> None:
    assert ProcessorSettings.from_env({**VALID, **environ}).occurred_at_window == window


def test_unknown_indexes_are_named_sorted_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as raised:
        indexes_named("by-b, by-a")
    assert str(raised.value) == f"unknown index by-a, by-b; known: {', '.join(INDEXES_BY_NAME)}"


def test_an_invalid_event_error_reads_as_its_field_errors() -> None:
    errors = (FieldError("detail.side", "must be BUY or SELL"), FieldError("id", "missing"))
    error = InvalidEventError(RejectReason.MALFORMED_ENVELOPE, errors)
    assert str(error) == "detail.side: must be BUY or SELL; id: missing"


def test_depth_looks_past_a_scalar_to_a_deeper_sibling() -> None:
    assert depth({"deep": [[[]]], "flat": 1}) == 4
    assert depth([1, {"a": {}}, 2]) == 3


@pytest.fixture
def new_york() -> Iterator[None]:
    """A local time zone other than UTC (Lambda's is UTC; a naive datetime would pass there)."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_a_canary_expiry_counts_every_second_in_utc_whatever_the_local_zone(new_york: None) -> None:
    assert canary_expires_at_utc("2026-03-02T13:30:59.5Z") == 1772458259 + 24 * 3600


def test_the_configured_log_level_is_applied_to_the_standard_logger(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Named:
        name = "trade-processor-level-test"

    standard = logging.getLogger(Named.name)
    standard.setLevel(logging.NOTSET)
    monkeypatch.delenv("POWERTOOLS_LOG_LEVEL", raising=False)
    observability.filter_at_source(Named())  # type: ignore[arg-type]
    assert standard.level == logging.NOTSET
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "warning")
    observability.filter_at_source(Named())  # type: ignore[arg-type]
    assert standard.level == logging.WARNING


def test_a_retry_check_without_a_response_counts_nothing() -> None:
    hooks: list[Any] = []

    class Events:
        def register(self, event: str, hook: Any) -> None:
            hooks.append((event, hook))

    class Client:
        class meta:  # botocore's attribute name
            events = Events()

    observability.metrics.clear_metrics()
    observability.count_replicated_write_conflicts(Client())
    [(event, hook)] = hooks
    assert event == "needs-retry.dynamodb"
    assert hook(response=None) is None
    assert observability.metrics.metric_set == {}
