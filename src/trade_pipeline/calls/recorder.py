"""Record every AWS call made while a block runs, from botocore's own event system.

botocore emits ``provide-client-params.<service>.<operation>`` with the caller's parameters and
the operation's model before it serialises a request (botocore "Events" topic:
https://docs.aws.amazon.com/botocore/latest/topics/events.html; boto3's extensibility guide:
https://docs.aws.amazon.com/boto3/latest/guide/events.html). :func:`recording` registers one
handler for it on every botocore session created while the block runs (through
``botocore.handlers.BUILTIN_HANDLERS``, which each new session registers), so clients the code
builds for itself are seen too; a client built before the block is not.

Each call is attributed to the component whose code made it, read from the call stack: the
outermost frame in ``trade_pipeline.commands.<name>`` is the operator command ``<name>``, else
one in ``trade_processor.conflicts`` is the conflict detector, else one in ``trade_processor``
the processor. Calls made by anything else (a test's own setup) are not recorded.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

import boto3
from botocore import handlers

from trade_pipeline.calls.resources import call_resources

__all__ = ["DETECTOR", "PROCESSOR", "Call", "Recording", "attribute", "recording"]

PROCESSOR = "processor"
DETECTOR = "conflict-detector"
OPERATOR = "operator:"  # + the command's name
COMMON = "trade_pipeline.commands.common"  # the commands' shared helpers: no command


@dataclass(frozen=True, order=True)
class Call:
    """One IAM-authorised request: who made it, the action, the resource ARN (templated)."""

    principal: str
    action: str
    resource: str


def _module_of(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def attribute(frame: FrameType | None) -> str | None:
    """The component whose code is on the stack above ``frame`` (None: no component's)."""
    command = detector = processor = None
    while frame is not None:
        module = _module_of(frame)
        if (
            module.startswith("trade_pipeline.commands.")
            and module != "trade_pipeline.commands.common"
        ):
            command = module.rsplit(".", 1)[1]
        elif module == "trade_processor.conflicts":
            detector = DETECTOR
        elif module.startswith("trade_processor."):
            processor = PROCESSOR
        frame = frame.f_back
    if command is not None:
        return OPERATOR + command.replace("_", "-")
    return detector or processor


class Recording:
    """The calls recorded so far (a set: the same call made twice is one entry)."""

    def __init__(self) -> None:
        self.calls: set[Call] = set()

    def on_params(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        principal = attribute(sys._getframe(1))
        if principal is None:
            return
        service = model.service_model.service_name
        region = str(context.get("client_region") or "")
        for action, resource in call_resources(service, model.name, params, region):
            self.calls.add(Call(principal, action, resource))


@contextmanager
def recording() -> Iterator[Recording]:
    """Record the calls of every botocore session created inside the block."""
    found = Recording()
    spec = ("provide-client-params", found.on_params)
    handlers.BUILTIN_HANDLERS.append(spec)
    saved, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, None  # boto3.client() gets a new one
    try:
        yield found
    finally:
        handlers.BUILTIN_HANDLERS.remove(spec)
        boto3.DEFAULT_SESSION = saved
