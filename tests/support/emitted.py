"""The custom metrics the Lambda code really emits, with the dimensions it emits them with.

Each function of the plan is run in a fresh interpreter with the environment the plan gives it
(Powertools reads its service name and namespace at import), against moto, on inputs that
reach every outcome; the CloudWatch Embedded Metric Format lines it prints are parsed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = ["Emitted", "emitted_lines", "emitted_metrics", "kept_by_lambda", "metrics_in"]

Emitted = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, metric, dimensions

_SCRIPT: Final = r"""
import copy, json, sys, uuid
import boto3
from moto import mock_aws

sys.path.insert(0, sys.argv[1])
from tests.processor.support import TABLE, create_trade_table, make_event

with mock_aws():
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    create_trade_table(dynamodb)
    url = sqs.create_queue(QueueName="rejected")["QueueUrl"]
    from trade_processor.rejections import RejectedEventQueue
    queue = RejectedEventQueue(url, lambda: sqs)
    if sys.argv[2] == "trade_processor.handler.handler":
        from trade_processor import handler as module
        from trade_processor.processor import EventProcessor
        from trade_processor.storage import TradeEventStore
        module.use_processor(EventProcessor(TradeEventStore(dynamodb, TABLE), queue))
        event = make_event("TradeExecuted")
        changed = copy.deepcopy(event)
        changed["detail"]["price"] = 1.5
        from trade_producer.canary import heartbeat_detail_template
        beat = json.dumps(heartbeat_detail_template("us-east-1"))
        beat = beat.replace("<aws.scheduler.execution-id>", "d32c5kddcf5bb8c3")
        beat = beat.replace("<aws.scheduler.scheduled-time>", "2026-03-02T14:30:00Z")
        heartbeat = {"source": "trading.canary", "detail-type": "OrderPlaced",
                     "detail": json.loads(beat)}
        for each in (event, event, changed, make_event(quantity="-1"), heartbeat):
            module.handler(each, None)
        # strong mode: one write refused by a write in another region, then retried
        from botocore.awsrequest import AWSResponse
        from trade_processor.observability import count_replicated_write_conflicts
        from trade_processor.runtime import CLIENT_CONFIG
        strong = boto3.client("dynamodb", config=CLIENT_CONFIG)
        count_replicated_write_conflicts(strong)
        refusals = [b'{"__type": "x#ReplicatedWriteConflictException"}']
        class Raw:
            def __init__(self, body):
                self.body = body
            def stream(self, **_):
                return iter([self.body])
        def refuse_once(request, **_):
            if refusals:
                return AWSResponse(request.url, 400, {}, Raw(refusals.pop()))
        strong.meta.events.register_first("before-send.dynamodb", refuse_once)
        module.use_processor(EventProcessor(TradeEventStore(strong, TABLE), queue))
        module.handler(make_event("OrderPlaced"), None)
        module.use_processor(EventProcessor(TradeEventStore(dynamodb, "missing"), queue))
        try:
            module.handler(make_event(), None)
        except Exception:
            pass
    else:
        from trade_processor import conflicts as module
        module.use_detector(module.ConflictDetector(queue, region="eu-west-1"))
        batch = json.load(open(sys.argv[3]))
        # and another region's heartbeat written in this replica
        batch["Records"].append({"eventName": "INSERT", "awsRegion": "eu-west-1", "dynamodb": {
            "ApproximateCreationDateTime": 1772461801.0, "SequenceNumber": "9",
            "NewImage": {"source": {"S": "trading.canary"},
                         "order_id": {"S": "CANARY-HEARTBEAT-us-east-1-d32c5kddcf5bb8c3"},
                         "occurred_at_utc": {"S": "2026-03-02T14:30:00.000000000Z"}}}})
        module.handler(batch, None)
"""


def emitted_lines(
    handler: str, environment: Mapping[str, str], lambda_log_level: str | None = None
) -> list[str]:
    """Run ``handler`` (a plan's function) with its environment; what it printed to stdout.

    With ``lambda_log_level`` (the function's ``loggingConfig.applicationLogLevel``), the run
    has the variables Lambda sets for a JSON-logging function at that level
    (``AWS_LAMBDA_LOG_FORMAT``, ``AWS_LAMBDA_LOG_LEVEL``), which Powertools reads at import.
    """
    repo = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_LAMBDA_"))},
        **{k: str(v) for k, v in environment.items() if k.startswith("POWERTOOLS_")},
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONPATH": f"{repo / 'src'}{os.pathsep}{repo}",
    }
    if lambda_log_level is not None:
        env |= {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": lambda_log_level}
    record = repo / "tests" / "processor" / "data" / "stream-modify.json"
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(repo), handler, str(record)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


# Lambda's application log levels, least severe first, and the names Python's logging (and so
# Powertools) writes for two of them.
LAMBDA_LEVELS: Final = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_PYTHON_NAMES: Final = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def line_level(line: str) -> str:
    """The level Lambda gives a JSON line: its ``level`` field, INFO when missing or invalid
    ("If the "level" value field is invalid or missing, Lambda will assign the log output the
    level INFO", https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-
    level.html). An EMF line has no level."""
    try:
        level = str(json.loads(line).get("level", "INFO")).upper()
    except (ValueError, AttributeError):
        return "INFO"
    level = _PYTHON_NAMES.get(level, level)
    return level if level in LAMBDA_LEVELS else "INFO"


def kept_by_lambda(lines: list[str], application_log_level: str) -> list[str]:
    """The lines Lambda sends to CloudWatch Logs at ``application_log_level``: that level and
    the more severe ones (same page)."""
    floor = LAMBDA_LEVELS.index(application_log_level)
    return [line for line in lines if LAMBDA_LEVELS.index(line_level(line)) >= floor]


def metrics_in(lines: list[str]) -> set[Emitted]:
    """The metrics of the EMF lines among ``lines``."""
    found: set[Emitted] = set()
    for line in lines:
        if not line.startswith("{"):
            continue
        data = json.loads(line)
        for directive in data.get("_aws", {}).get("CloudWatchMetrics", []):
            for group in directive["Dimensions"]:
                dims = frozenset((name, str(data[name])) for name in group)
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dims))
    return found


def emitted_metrics(handler: str, environment: Mapping[str, str]) -> set[Emitted]:
    """Run ``handler`` (a plan's function) with its environment; the metrics it emitted."""
    return metrics_in(emitted_lines(handler, environment))
