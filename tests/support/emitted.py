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

__all__ = ["Emitted", "emitted_metrics"]

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
        module.use_processor(EventProcessor(TradeEventStore(dynamodb, "missing"), queue))
        try:
            module.handler(make_event(), None)
        except Exception:
            pass
    else:
        from trade_processor import conflicts as module
        module.use_detector(module.ConflictDetector(queue))
        batch = json.load(open(sys.argv[3]))
        module.handler(batch, None)
"""


def emitted_metrics(handler: str, environment: Mapping[str, str]) -> set[Emitted]:
    """Run ``handler`` (a plan's function) with its environment; the metrics it emitted."""
    repo = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")},
        **{k: str(v) for k, v in environment.items() if k.startswith("POWERTOOLS_")},
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONPATH": f"{repo / 'src'}{os.pathsep}{repo}",
    }
    record = repo / "tests" / "processor" / "data" / "stream-modify.json"
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(repo), handler, str(record)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found: set[Emitted] = set()
    for line in done.stdout.splitlines():
        if not line.startswith("{"):
            continue
        data = json.loads(line)
        for directive in data.get("_aws", {}).get("CloudWatchMetrics", []):
            for group in directive["Dimensions"]:
                dims = frozenset((name, str(data[name])) for name in group)
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dims))
    return found
